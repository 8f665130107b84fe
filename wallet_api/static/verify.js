// Web verifier: a nonce from the service -> camera, photo or pasted text -> zxing-cpp (WebAssembly)
// -> POST /v1/verify with the nonce's ticket -> a large verdict, announced and focused.
// Vietnamese by default (?lang=en for English). Labels, values and reasons come from the server
// in both languages (qr.display, qr.reasons): the page adds no wording of its own to a verdict.
(function () {
  "use strict";
  const params = new URLSearchParams(location.search);
  const lang = params.get("lang") === "en" ? "en" : "vi";
  const EN = lang === "en";
  const T = {
    valid: ["HỢP LỆ", "VALID"], invalid: ["KHÔNG HỢP LỆ", "NOT VALID"],
    issuer: ["Cơ quan cấp", "Issuer"], document: ["Giấy tờ", "Document"],
    checking: ["Đang kiểm tra…", "Checking…"],
    camera: ["Không mở được camera: hãy chọn ảnh hoặc dán mã bên dưới",
      "Cannot open the camera: choose a photo or paste the code below"],
    network: ["Lỗi kết nối: hãy thử lại", "Network error: try again"],
    noCode: ["Không tìm thấy mã QR trong ảnh", "No QR code found in the photo"],
    empty: ["Hãy dán nội dung mã trước", "Paste the code's text first"],
    expires: ["Hết hạn lúc", "Expires at"], for: ["dành cho", "for"],
    newCode: ["Mã kiểm tra mới", "New check code"],
    decoder: ["Không tải được bộ đọc mã QR", "The QR reader could not be loaded"],
  };
  const t = (key) => T[key][EN ? 1 : 0];
  const $ = (id) => document.getElementById(id);
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-vi]").forEach((el) => { el.textContent = el.dataset[lang]; });

  const READER = { formats: ["QRCode"], tryHarder: true, tryInvert: true, tryRotate: true, maxNumberOfSymbols: 1 };
  ZXingWASM.prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? "/static/zxing/" + path : prefix + path) },
  });

  // The decoder the page uses, also for tests that measure it over fixed frames.
  async function readCode(source) {
    const results = await ZXingWASM.readBarcodes(source, READER);
    const found = results.find((r) => r.isValid && r.bytes && r.bytes.length);
    return found ? new Uint8Array(found.bytes) : null;
  }
  window.walletVerifier = { readCode: readCode };

  let ticket = null;
  let busy = false;
  let expiryTimer = null;

  function announce(text) {
    const live = $("announce");
    live.textContent = "";
    setTimeout(() => { live.textContent = text; }, 50);  // a change, even for the same text
  }

  function clock(seconds) {
    return new Date(seconds * 1000).toLocaleTimeString(EN ? "en-GB" : "vi-VN", { hour: "2-digit", minute: "2-digit" });
  }

  // The code as a small QR too ({"nonce": "12345678"}), so the citizen's app can scan it instead of
  // typing it; drawn with the app's vendored generator (wallet_api/static/app/vendor/VENDORED.md).
  let qrGenerator = null;
  async function drawNonceQr(nonce) {
    const canvas = $("nonce-qr");
    try {
      qrGenerator = qrGenerator || (await import("/app/vendor/qrcode.mjs")).default;
      const code = qrGenerator(0, "M");
      code.addData(JSON.stringify({ nonce: nonce }), "Byte");
      code.make();
      const modules = code.getModuleCount(), border = 4, scale = 5;
      const size = (modules + 2 * border) * scale;
      canvas.width = size;
      canvas.height = size;
      const g = canvas.getContext("2d");
      g.fillStyle = "#ffffff";
      g.fillRect(0, 0, size, size);
      g.fillStyle = "#000000";
      for (let y = 0; y < modules; y++) {
        for (let x = 0; x < modules; x++) {
          if (code.isDark(y, x)) g.fillRect((x + border) * scale, (y + border) * scale, scale, scale);
        }
      }
      canvas.dataset.nonce = nonce;
      canvas.setAttribute("aria-label", EN ? "The check code as a QR code, for the citizen's wallet app to scan"
        : "Mã QR của mã kiểm tra, để công dân quét bằng ứng dụng ví");
    } catch (e) {
      canvas.width = 0;  // the typed code still works
      canvas.height = 0;
    }
  }

  async function newNonce() {
    ticket = null;
    $("nonce").textContent = "…";
    clearTimeout(expiryTimer);
    try {
      const response = await fetch("/v1/verify/nonces", { method: "POST", headers: { "Accept-Language": lang } });
      if (!response.ok) throw new Error(String(response.status));
      const body = await response.json();
      ticket = body.ticket;
      $("nonce").textContent = body.nonce.slice(0, 4) + " " + body.nonce.slice(4);
      $("nonce").setAttribute("aria-label", body.nonce.split("").join(" "));
      drawNonceQr(body.nonce);
      $("audience").textContent = t("for") + " " + body.audience;
      const expiresAt = Math.floor(Date.now() / 1000) + body.expires_in;
      $("nonce-expiry").textContent = t("expires") + " " + clock(expiresAt) + ",";
      // An unused code expires: take a fresh one a little before, unless a verdict is on screen.
      expiryTimer = setTimeout(() => { if (!busy) newNonce(); }, Math.max(1, body.expires_in - 10) * 1000);
    } catch (e) {
      $("nonce").textContent = "—";
      $("hint").textContent = t("network");
      expiryTimer = setTimeout(() => { if (!busy) newNonce(); }, 5000);
    }
  }

  function toBase64(bytes) {
    let text = "";
    for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text);
  }

  function row(label, value) {
    const tr = document.createElement("tr");
    const th = document.createElement("th"); th.scope = "row"; th.textContent = label;
    const td = document.createElement("td"); td.textContent = value;
    tr.append(th, td);
    return tr;
  }

  function show(result) {
    $("scan").hidden = true;
    $("result").hidden = false;
    const verdict = $("verdict");
    verdict.className = result.valid ? "valid" : "invalid";
    verdict.textContent = (result.valid ? "✔ " : "✘ ") + t(result.valid ? "valid" : "invalid");
    const documentName = result.document ? (EN ? result.document.en : result.document.vi) : "";
    $("document").textContent = documentName ? t("document") + ": " + documentName : "";
    $("document").hidden = !documentName;
    // a delegate presented it under a mandate: the server's words (qr.mandate), shown as they are
    const mandate = result.mandate ? (EN ? result.mandate.en : result.mandate.vi) : "";
    $("mandate").textContent = mandate;
    $("mandate").hidden = !mandate;
    const reasons = result.reasons.map((r) => (EN ? r.en : r.vi));
    $("reasons").replaceChildren(...reasons.map((text) => {
      const li = document.createElement("li"); li.textContent = text; return li;
    }));
    const rows = (result.fields || []).map((f) => row(EN ? f.label_en : f.label_vi, EN ? f.value_en : f.value_vi));
    if (result.issuer) rows.unshift(row(t("issuer"), result.issuer));
    $("claims-body").replaceChildren(...rows);
    $("claims").hidden = rows.length === 0;
    announce([verdict.textContent.slice(2), documentName, mandate, ...reasons].filter(Boolean).join(". "));
    verdict.focus();
  }

  function failure(text) {
    show({ valid: false, reasons: [{ vi: text, en: text }], fields: [] });
  }

  async function check(payload, encoding) {
    busy = true;
    clearTimeout(expiryTimer);
    $("hint").textContent = t("checking");
    const spent = ticket;
    ticket = null;  // one scan, one nonce: whatever the verdict, the next scan gets a new one
    try {
      const response = await fetch("/v1/verify", {
        method: "POST", headers: { "Content-Type": "application/json", "Accept-Language": lang },
        body: JSON.stringify({ payload: payload, encoding: encoding, ticket: spent }),
      });
      const body = await response.json();
      if (!response.ok) { failure(body.detail || body.title); return; }
      show(body);
    } catch (e) {
      failure(t("network"));
    }
  }

  const video = $("video");
  const canvas = $("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let decoding = false;

  async function tick() {
    if (!busy && !decoding && ticket && video.readyState === video.HAVE_ENOUGH_DATA) {
      decoding = true;
      try {
        canvas.width = video.videoWidth; canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0);
        const bytes = await readCode(context.getImageData(0, 0, canvas.width, canvas.height));
        if (bytes && !busy) check(toBase64(bytes), "base64");
      } catch (e) {
        $("hint").textContent = t("decoder");
      } finally {
        decoding = false;
      }
    }
    setTimeout(tick, 120);
  }

  $("photo").addEventListener("change", async (event) => {
    const file = event.target.files && event.target.files[0];
    if (!file || busy) return;
    try {
      const bytes = await readCode(file);
      if (bytes) { check(toBase64(bytes), "base64"); } else { $("hint").textContent = t("noCode"); announce(t("noCode")); }
    } catch (e) {
      $("hint").textContent = t("noCode"); announce(t("noCode"));
    }
    event.target.value = "";
  });

  $("check-pasted").addEventListener("click", () => {
    const text = $("pasted").value.trim();
    if (!text) { $("hint").textContent = t("empty"); announce(t("empty")); $("pasted").focus(); return; }
    if (!busy) check(text, "text");
  });

  $("again").addEventListener("click", async () => {
    $("result").hidden = true;
    $("scan").hidden = false;
    $("pasted").value = "";
    $("hint").textContent = $("hint").dataset[lang];
    await newNonce();
    busy = false;
    announce(t("newCode") + ": " + $("nonce").textContent);
    $("pasted").focus();
  });

  newNonce();
  const noCamera = () => { video.hidden = true; $("hint").textContent = t("camera"); };
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
      .then((stream) => { video.srcObject = stream; return video.play(); })
      .then(() => tick())
      .catch(noCamera);
  } else {
    noCamera();  // no camera API (an insecure origin, an old browser)
  }
})();
