// Devices: the wallet's devices, revoking one (the last one guarded), approving a new device by its
// pairing code (its name and key words shown first, the approval signed with this browser's key),
// and, on a browser not yet in a wallet, joining one by showing a pairing code.
import { confirmDialog, el, heading, notice } from "../lib/dom.js";
import { deviceKey, enrolled, forget, joined, jwsClaims, refresh, signJws } from "../app.js";
import { drawQr } from "./identity.js";
import { readQr, scanCamera } from "../lib/scan.js";
import { acceptPairedHead, latestVerifiedHead } from "./log.js";

export const texts = {
  vi: {
    title: "Thiết bị của tôi",
    list: "Các thiết bị đang dùng ví",
    thisOne: "(thiết bị này)",
    added: "Thêm ngày {date}",
    lastUsed: "Dùng lần cuối {date}",
    words: "Mã nhận diện: {words}",
    revoke: "Gỡ thiết bị",
    revokeLabel: "Gỡ thiết bị {name}",
    revokeConfirm: "Gỡ “{name}” khỏi ví? Thiết bị đó sẽ không mở được ví nữa.",
    revokeThis: "Gỡ chính thiết bị này khỏi ví? Bạn sẽ phải ghép lại từ một thiết bị khác.",
    yes: "Gỡ",
    no: "Không gỡ",
    revoked: "Đã gỡ “{name}”.",
    last: "Đây là thiết bị cuối cùng của ví. Nếu gỡ, sẽ không còn ai đăng nhập được vào ví này.",
    lastYes: "Vẫn gỡ",
    pairTitle: "Thêm một thiết bị mới",
    pairText: "Trên thiết bị mới, chọn “Thêm thiết bị này vào ví đã có” để nhận mã ghép, rồi nhập mã đó vào đây.",
    code: "Mã ghép (8 ký tự)",
    check: "Kiểm tra mã",
    scan: "Quét mã QR trên thiết bị mới",
    scanStop: "Dừng quét",
    scanHint: "Đưa mã QR trên thiết bị mới vào khung hình.",
    scanPhoto: "Hoặc chọn ảnh chụp mã QR đó",
    scanNone: "Không đọc được mã ghép trong ảnh. Hãy thử lại hoặc nhập mã.",
    noCamera: "Không dùng được máy ảnh. Hãy nhập mã ghép hoặc chọn ảnh chụp mã QR.",
    wrongKey: "Mã QR không khớp với thiết bị đang xin ghép. Chưa thêm thiết bị nào.",
    newDevice: "Thiết bị mới: {name}",
    compare: "Hãy so mã nhận diện này với mã hiện trên thiết bị mới. Chỉ đồng ý nếu hai mã giống hệt nhau.",
    approve: "Đồng ý thêm thiết bị",
    cancel: "Không đồng ý",
    approved: "Đã thêm “{name}” vào ví.",
    cancelled: "Đã không thêm thiết bị.",
    badHead: "Không kiểm tra được chữ ký nhật ký truy cập của ví. Chưa thêm thiết bị nào.",
    needsNetwork: "Việc này cần có mạng. Mã bạn nhập vẫn được giữ; hãy thử lại khi có mạng.",
    joinTitle: "Thêm thiết bị này vào ví đã có",
    joinText: "Bấm nút dưới đây để nhận mã ghép, rồi nhập mã đó trên thiết bị đang dùng ví (mục Thiết bị).",
    deviceName: "Tên thiết bị này",
    deviceNameHint: "Ví dụ: Máy tính ở nhà",
    start: "Nhận mã ghép",
    yourCode: "Mã ghép của bạn",
    codeAlt: "Mã QR chứa mã ghép {code}",
    yourWords: "Mã nhận diện thiết bị này: {words}",
    waiting: "Đang chờ phê duyệt trên thiết bị kia… Mã có hiệu lực đến {time}.",
    joined: "Thiết bị này đã được thêm vào ví.",
    failed: "Không ghép được thiết bị: {reason}",
  },
  en: {
    title: "My devices",
    list: "Devices using the wallet",
    thisOne: "(this device)",
    added: "Added {date}",
    lastUsed: "Last used {date}",
    words: "Identifier: {words}",
    revoke: "Remove device",
    revokeLabel: "Remove device {name}",
    revokeConfirm: "Remove “{name}” from the wallet? It will no longer open the wallet.",
    revokeThis: "Remove this very device from the wallet? You would have to pair it again from another device.",
    yes: "Remove",
    no: "Keep it",
    revoked: "“{name}” removed.",
    last: "This is the wallet's last device. If you remove it, nobody will be able to sign in to this wallet.",
    lastYes: "Remove anyway",
    pairTitle: "Add a new device",
    pairText: "On the new device, choose “Add this device to an existing wallet” to get a pairing code, then type that code here.",
    code: "Pairing code (8 characters)",
    check: "Check the code",
    scan: "Scan the QR code on the new device",
    scanStop: "Stop scanning",
    scanHint: "Hold the new device's QR code in front of the camera.",
    scanPhoto: "Or choose a photo of that QR code",
    scanNone: "No pairing code could be read in the picture. Try again or type the code.",
    noCamera: "The camera cannot be used. Type the pairing code or choose a photo of the QR code.",
    wrongKey: "The QR code does not match the device asking to join. No device was added.",
    newDevice: "New device: {name}",
    compare: "Compare this identifier with the one shown on the new device. Agree only if they are exactly the same.",
    approve: "Agree to add the device",
    cancel: "Do not agree",
    approved: "“{name}” added to your wallet.",
    cancelled: "The device was not added.",
    badHead: "The signature of your wallet's access log could not be checked. No device was added.",
    needsNetwork: "This needs the network. The code you typed is kept; try again when you are online.",
    joinTitle: "Add this device to an existing wallet",
    joinText: "Press the button below to get a pairing code, then type it on a device that already uses the wallet (Devices section).",
    deviceName: "Name of this device",
    deviceNameHint: "For example: Home computer",
    start: "Get a pairing code",
    yourCode: "Your pairing code",
    codeAlt: "QR code holding the pairing code {code}",
    yourWords: "This device's identifier: {words}",
    waiting: "Waiting for approval on the other device… The code is valid until {time}.",
    joined: "This device has been added to the wallet.",
    failed: "The device could not be paired: {reason}",
  },
};

const normalizeCode = (code) => code.toUpperCase().replace(/[\s-]/g, "");

export async function render(root, ctx) {
  if (!enrolled()) return renderJoin(root, ctx);
  const tr = (key, vars) => ctx.t(texts, key, vars);
  const status = el("div", { id: "devices-status" });
  const list = el("ul", { class: "cards", id: "devices" });

  function say(kind, message) {
    status.replaceChildren(notice(kind, message));
    ctx.announce(message, kind === "error" || kind === "warn");
  }

  async function load() {
    const answer = await ctx.api.get("/v1/me/devices");
    const active = answer.items.filter((d) => !d.revoked_at);
    list.replaceChildren(...active.map((d) => card(d, active.length)));
  }

  function card(device, activeCount) {
    const button = el("button", { type: "button", class: "danger", "aria-label": tr("revokeLabel", { name: device.name }) }, tr("revoke"));
    button.addEventListener("click", () => revoke(device, activeCount, button));
    return el(
      "li",
      { class: "card", dataset: { id: device.device_id } },
      el("h3", {}, device.name, device.current ? " " + tr("thisOne") : ""),
      el("p", { class: "words" }, tr("words", { words: device.words })),
      el("p", { class: "meta" }, tr("added", { date: ctx.formatDate(device.added_at) }), device.last_used_at ? " · " + tr("lastUsed", { date: ctx.formatDate(device.last_used_at) }) : ""),
      el("p", { class: "actions" }, button),
    );
  }

  async function revoke(device, activeCount, button) {
    if (!ctx.online()) return say("warn", tr("needsNetwork"));
    const question = device.current ? tr("revokeThis") : tr("revokeConfirm", { name: device.name });
    if (!(await confirmDialog(question, tr("yes"), tr("no")))) return button.focus();
    let last = false;
    if (activeCount <= 1) {
      if (!(await confirmDialog(tr("last"), tr("lastYes"), tr("no")))) return button.focus();
      last = true;
    }
    try {
      await ctx.api.del(`/v1/me/devices/${encodeURIComponent(device.device_id)}${last ? "?last=true" : ""}`);
    } catch (error) {
      return say("error", error.code === "last_device" ? tr("last") : error.detail || error.title);
    }
    ctx.announce(tr("revoked", { name: device.name }));
    if (device.current) {
      await forget();
      location.hash = "#/";
      return refresh();
    }
    say("ok", tr("revoked", { name: device.name }));
    await load();
  }

  // -- approving a new device ----------------------------------------------------------------
  const codeInput = el("input", { id: "pair-code", autocomplete: "off", autocapitalize: "characters", maxlength: "12", spellcheck: "false" });
  const checkButton = el("button", { type: "submit", class: "primary" }, tr("check"));
  const pairBox = el("div", { id: "pair-box" });
  const pairForm = el("form", { id: "pair-form", novalidate: true }, el("p", { class: "field" }, el("label", { for: "pair-code" }, tr("code")), codeInput), el("p", { class: "actions" }, checkButton));
  let expectedJkt = null; // from a scanned QR: the approval must name exactly that key
  codeInput.addEventListener("input", () => {
    expectedJkt = null;
  });

  // Scanning the new device's QR ({"code","jkt"}) fills the code and pins the key it must show.
  const video = el("video", { id: "scan-video", hidden: true, "aria-hidden": "true", muted: true, playsinline: true });
  const scanButton = el("button", { type: "button", id: "scan-button" }, tr("scan"));
  const photo = el("input", { type: "file", id: "scan-photo", accept: "image/*", capture: "environment" });
  let scanning = null;
  const scanned = (bytes) => {
    let data = null;
    try {
      data = JSON.parse(new TextDecoder().decode(bytes));
    } catch (_) {
      data = null;
    }
    if (!data || typeof data.code !== "string") return say("error", tr("scanNone"));
    stopScan();
    codeInput.value = data.code;
    expectedJkt = typeof data.jkt === "string" ? data.jkt : null;
    pairForm.requestSubmit();
  };
  function stopScan() {
    if (scanning) scanning.stop();
    scanning = null;
    video.hidden = true;
    scanButton.textContent = tr("scan");
  }
  scanButton.addEventListener("click", async () => {
    if (scanning) return stopScan();
    try {
      video.hidden = false;
      scanButton.textContent = tr("scanStop");
      say("info", tr("scanHint"));
      scanning = await scanCamera(video, scanned);
    } catch (_) {
      stopScan();
      say("warn", tr("noCamera"));
    }
  });
  photo.addEventListener("change", async () => {
    const file = photo.files && photo.files[0];
    if (!file) return;
    const bytes = await readQr(file).catch(() => null);
    photo.value = "";
    if (bytes) scanned(bytes);
    else say("error", tr("scanNone"));
  });
  const scanBox = el(
    "div",
    { id: "scan-box" },
    el("p", { class: "actions" }, scanButton),
    video,
    el("p", { class: "field" }, el("label", { for: "scan-photo" }, tr("scanPhoto")), photo),
  );

  pairForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = normalizeCode(codeInput.value);
    if (!code) return codeInput.focus();
    if (!ctx.online()) return say("warn", tr("needsNetwork"));
    let shown;
    try {
      shown = await ctx.api.post("/v1/me/devices/pairings", { code });
    } catch (error) {
      return say("error", error.detail || error.title);
    }
    if (expectedJkt && shown.jkt !== expectedJkt) {
      expectedJkt = null;
      return say("error", tr("wrongKey"));
    }
    const approve = el("button", { type: "button", class: "primary", id: "pair-approve" }, tr("approve"));
    const cancel = el("button", { type: "button", id: "pair-cancel" }, tr("cancel"));
    pairBox.replaceChildren(
      el("h3", { tabindex: "-1", id: "pair-new" }, tr("newDevice", { name: shown.name })),
      el("p", { class: "words", id: "pair-words" }, shown.words),
      el("p", {}, tr("compare")),
      el("p", { class: "actions" }, cancel, approve),
    );
    pairBox.querySelector("h3").focus();
    ctx.announce(`${tr("newDevice", { name: shown.name })}. ${shown.words}`);
    cancel.addEventListener("click", () => {
      pairBox.replaceChildren();
      say("info", tr("cancelled"));
      codeInput.focus();
    });
    approve.addEventListener("click", async () => {
      approve.disabled = true;
      try {
        const citizenId = ctx.citizen.citizen_id;
        let head; // signed by the service and consistent with the last head this browser accepted
        try {
          head = await latestVerifiedHead(ctx);
        } catch (_) {
          return say("error", tr("badHead"));
        }
        const approval = await signJws(
          { typ: "device-pairing+jwt" },
          {
            sub: citizenId,
            code,
            nonce: shown.nonce,
            jkt: shown.jkt,
            iat: Math.floor(Date.now() / 1000),
            log: { tree_size: head.size, root_hash: head.rootHash, sth: head.token },
          },
        );
        await ctx.api.post(`/v1/me/devices/pairings/${encodeURIComponent(shown.pairing_id)}/approval`, { approval });
        pairBox.replaceChildren();
        codeInput.value = "";
        say("ok", tr("approved", { name: shown.name }));
        await load();
      } catch (error) {
        say("error", error.detail || error.title || String(error));
      } finally {
        approve.disabled = false;
      }
    });
  });

  root.append(
    heading(tr("title")),
    status,
    el("section", { "aria-labelledby": "devices-title" }, el("h2", { id: "devices-title" }, tr("list")), list),
    el("section", { "aria-labelledby": "pair-title" }, el("h2", { id: "pair-title" }, tr("pairTitle")), el("p", {}, tr("pairText")), scanBox, pairForm, pairBox),
  );
  await load();
}

/** A browser not in a wallet yet: ask to join one, show the code, wait for the approval. */
async function renderJoin(root, ctx) {
  const tr = (key, vars) => ctx.t(texts, key, vars);
  const status = el("div", { id: "join-status" });
  const nameInput = el("input", { id: "device-name", maxlength: "64", autocomplete: "off", "aria-describedby": "device-name-hint" });
  nameInput.value = navigator.userAgent.includes("Mobile") ? "Điện thoại" : "Trình duyệt";
  const start = el("button", { type: "submit", class: "primary" }, tr("start"));
  const shown = el("div", { id: "join-code" });
  const form = el(
    "form",
    { id: "join-form", novalidate: true },
    el("p", { class: "field" }, el("label", { for: "device-name" }, tr("deviceName")), el("span", { class: "hint", id: "device-name-hint" }, tr("deviceNameHint")), nameInput),
    el("p", { class: "actions" }, start),
  );
  let poll = null;

  const fail = (reason) => {
    clearTimeout(poll);
    const message = tr("failed", { reason });
    status.replaceChildren(notice("error", message));
    ctx.announce(message, true);
    start.disabled = false;
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!ctx.online()) {
      status.replaceChildren(notice("warn", tr("needsNetwork")));
      return ctx.announce(tr("needsNetwork"), true);
    }
    start.disabled = true;
    const device = await deviceKey();
    let pairing;
    try {
      pairing = await ctx.api.open("POST", "/v1/devices/pairings", { name: nameInput.value.trim().normalize("NFC") || "Trình duyệt", device_jwk: device.jwk }, { proof: true });
    } catch (error) {
      return fail(error.detail || error.title);
    }
    const code = pairing.code;
    const payload = btoa(JSON.stringify({ code, jkt: pairing.jkt }));
    shown.replaceChildren(
      el("h2", {}, tr("yourCode")),
      el("p", { class: "words", id: "join-code-text" }, `${code.slice(0, 4)}-${code.slice(4)}`),
      el("div", { class: "qr-box" }, drawQr(payload, tr("codeAlt", { code }))),
      el("p", { class: "words" }, tr("yourWords", { words: pairing.words })),
    );
    status.replaceChildren(notice("info", tr("waiting", { time: ctx.formatDateTime(pairing.expires_at) })));
    ctx.announce(`${tr("yourCode")}: ${code.split("").join(" ")}`);
    const check = async () => {
      if (!root.isConnected) return;
      let outcome;
      try {
        outcome = await ctx.api.open("GET", `/v1/devices/pairings/${encodeURIComponent(pairing.pairing_id)}`, undefined, { proof: true });
      } catch (error) {
        if (error.code === "network") {
          poll = setTimeout(check, 3000);
          return;
        }
        return fail(error.detail || error.title);
      }
      if (outcome.status === "pending") {
        poll = setTimeout(check, 2000);
        return;
      }
      if (outcome.status !== "approved" || !outcome.approval) return fail(outcome.status);
      const claims = jwsClaims(outcome.approval);
      if (claims.sub !== outcome.citizen_id || claims.jkt !== device.jkt || claims.nonce !== pairing.nonce || claims.code !== normalizeCode(code)) {
        return fail("approval");
      }
      const log = claims.log || {};
      try {
        const head = await acceptPairedHead(ctx, log.sth, outcome.citizen_id);
        if (head.size !== log.tree_size || head.rootHash !== log.root_hash) throw new Error("head");
      } catch (_) {
        return fail(tr("badHead"));
      }
      await joined(outcome.citizen_id);
      ctx.announce(tr("joined"));
      location.hash = "#/";
      await refresh();
    };
    poll = setTimeout(check, 1500);
  });

  root.append(heading(tr("joinTitle")), el("p", {}, tr("joinText")), form, status, shown);
}
