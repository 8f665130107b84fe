// Web verifier: camera -> jsQR -> POST /v1/verify -> a large verdict. Vietnamese by default.
(function () {
  "use strict";
  const params = new URLSearchParams(location.search);
  const lang = params.get("lang") === "en" ? "en" : "vi";
  const LABELS = {
    name: ["Họ và tên", "Full name"], birth_year: ["Năm sinh", "Year of birth"],
    cccd_last4: ["4 số cuối CCCD", "Last 4 digits of ID"], status: ["Xác thực", "Verification"],
    birth_date: ["Ngày sinh", "Date of birth"], cccd: ["Số CCCD", "ID number"],
    full_name: ["Họ và tên", "Full name"], date_of_birth: ["Ngày sinh", "Date of birth"],
  };
  const T = {
    valid: ["HỢP LỆ", "VALID"], invalid: ["KHÔNG HỢP LỆ", "NOT VALID"],
    issuer: ["Cơ quan cấp", "Issuer"], checking: ["Đang kiểm tra…", "Checking…"],
    camera: ["Không mở được camera", "Cannot open the camera"], network: ["Lỗi kết nối", "Network error"],
  };
  const t = (key) => T[key][lang === "en" ? 1 : 0];
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-vi]").forEach((el) => { el.textContent = el.dataset[lang]; });

  const random = new Uint32Array(1);
  crypto.getRandomValues(random);
  const nonce = String(random[0] % 1000000).padStart(6, "0");
  const audience = location.origin + "/verify";
  document.getElementById("nonce").textContent = nonce;
  document.getElementById("audience").textContent = audience;

  const video = document.getElementById("video");
  const canvas = document.getElementById("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let busy = false;

  function toBase64(bytes) {
    let text = "";
    for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text);
  }

  function show(result) {
    document.getElementById("camera").hidden = true;
    document.getElementById("result").hidden = false;
    const verdict = document.getElementById("verdict");
    verdict.className = result.valid ? "valid" : "invalid";
    verdict.textContent = (result.valid ? "✔ " : "✘ ") + t(result.valid ? "valid" : "invalid");
    const reasons = document.getElementById("reasons");
    reasons.replaceChildren(...result.reasons.map((r) => {
      const li = document.createElement("li"); li.textContent = lang === "en" ? r.en : r.vi; return li;
    }));
    const table = document.getElementById("claims");
    const rows = Object.entries(result.claims);
    if (result.issuer) rows.unshift(["issuer", result.issuer]);
    table.replaceChildren(...rows.map(([k, v]) => {
      const tr = document.createElement("tr");
      const a = document.createElement("td"); const b = document.createElement("td");
      a.textContent = k === "issuer" ? t("issuer") : (LABELS[k] ? LABELS[k][lang === "en" ? 1 : 0] : k);
      const values = { "self-asserted": ["tự khai báo", "self-asserted"], verified: ["đã xác minh", "verified"] };
      b.textContent = values[v] ? values[v][lang === "en" ? 1 : 0] : String(v);
      tr.append(a, b); return tr;
    }));
  }

  async function check(bytes) {
    busy = true;
    document.getElementById("hint").textContent = t("checking");
    try {
      const response = await fetch("/v1/verify", {
        method: "POST", headers: { "Content-Type": "application/json", "Accept-Language": lang },
        body: JSON.stringify({ payload: toBase64(bytes), nonce: nonce, audience: audience }),
      });
      const body = await response.json();
      if (!response.ok) { show({ valid: false, reasons: [{ vi: body.title, en: body.title }], claims: {} }); return; }
      show(body);
    } catch (e) {
      show({ valid: false, reasons: [{ vi: t("network"), en: t("network") }], claims: {} });
    }
  }

  function tick() {
    if (!busy && video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const code = jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
      if (code && code.binaryData && code.binaryData.length) { check(new Uint8Array(code.binaryData)); }
    }
    requestAnimationFrame(tick);
  }

  document.getElementById("again").addEventListener("click", () => {
    busy = false;
    document.getElementById("result").hidden = true;
    document.getElementById("camera").hidden = false;
  });

  navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
    .then((stream) => { video.srcObject = stream; return video.play(); })
    .then(() => requestAnimationFrame(tick))
    .catch(() => { document.getElementById("hint").textContent = t("camera"); });
})();
