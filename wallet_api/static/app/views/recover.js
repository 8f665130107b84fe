// Recovery from a new browser when every device is lost (docs/app.md "Recovery and mandates"):
// the citizen's number, a name for this browser, and either the recovery code (dev mode) or an
// identity provider's assertion, pasted. The service hands out a nonce (POST /v1/recovery/nonces);
// the recovery is started with a DPoP proof of this browser's key (POST /v1/recovery) and followed
// (GET /v1/recovery/{id}, same proof, no token) until the cooling-off ends: then this browser joins
// the wallet, as a paired one does, and home shows the new recovery code once. Until then the
// recovery (its id and the nonce, nothing secret) is kept in IndexedDB, so a reload keeps following it.
import { el, field, heading, notice } from "../lib/dom.js";
import { deviceKey, joined, keepRecoveryCodeOnce, refresh } from "../app.js";

const KEPT = "recovery";

export const texts = {
  vi: {
    title: "Lấy lại ví khi mất thiết bị",
    intro: "Nếu bạn mất mọi thiết bị có ví, bạn có thể lấy lại ví trên trình duyệt này. Một khoá bảo mật mới được tạo ngay trên thiết bị này và không bao giờ rời khỏi nó.",
    cccd: "Số căn cước công dân (12 chữ số)",
    deviceName: "Tên thiết bị này",
    deviceNameHint: "Ví dụ: Điện thoại mới",
    how: "Bạn chứng minh mình là chủ ví bằng cách nào?",
    byCode: "Mã khôi phục (đã nhận khi tạo ví)",
    byIdp: "Xác nhận của cơ quan định danh",
    code: "Mã khôi phục",
    codeHint: "Như trên tờ giấy bạn đã chép, có thể có dấu gạch ngang",
    idpSteps: "Bấm “Lấy thông tin cho cơ quan định danh”, đưa thông tin đó cho cơ quan, rồi dán văn bản xác nhận họ gửi lại vào ô dưới.",
    getNonce: "Lấy thông tin cho cơ quan định danh",
    forIdp: "Thông tin đưa cho cơ quan định danh",
    nonceLabel: "Mã dùng một lần: {nonce}",
    keyLabel: "Khoá của thiết bị này:",
    assertion: "Văn bản xác nhận của cơ quan định danh",
    assertionHint: "Dán nguyên văn bản cơ quan gửi cho bạn",
    submit: "Bắt đầu lấy lại ví",
    working: "Đang gửi…",
    badCccd: "Số căn cước phải có đúng 12 chữ số.",
    badName: "Vui lòng đặt tên cho thiết bị này.",
    badCode: "Vui lòng nhập mã khôi phục.",
    badAssertion: "Vui lòng dán văn bản xác nhận của cơ quan định danh.",
    needNonce: "Hãy bấm “Lấy thông tin cho cơ quan định danh” trước, rồi đưa thông tin đó cho cơ quan.",
    offline: "Việc này cần có mạng. Những gì bạn nhập vẫn được giữ; hãy thử lại khi có mạng.",
    statusTitle: "Đang lấy lại ví",
    pending: "Yêu cầu lấy lại ví đã được nhận ({how}). Để bảo vệ bạn, ví chỉ chuyển sang thiết bị này sau {when}. Trong thời gian đó, mọi thiết bị cũ còn giữ ví đều được báo và có thể huỷ. Bạn có thể để trang này mở hoặc quay lại sau.",
    words: "Mã nhận diện thiết bị này: {words}",
    byCodeWord: "bằng mã khôi phục",
    done: "Đã lấy lại ví. Thiết bị này thay cho mọi thiết bị cũ.",
    cancelled: "Việc lấy lại ví đã bị huỷ từ một thiết bị cũ. Thiết bị này chưa được thêm vào ví.",
    startOver: "Làm lại từ đầu",
    stillWaiting: "Chưa đến lúc. Trang sẽ tự kiểm tra lại.",
    failed: "Không lấy lại được ví: {reason}",
    enrolLink: "Quay lại trang tạo ví",
  },
  en: {
    title: "Get your wallet back after losing your devices",
    intro: "If you lost every device holding your wallet, you can get it back on this browser. A new security key is made here and never leaves this device.",
    cccd: "Citizen ID number (12 digits)",
    deviceName: "Name of this device",
    deviceNameHint: "For example: New phone",
    how: "How do you prove the wallet is yours?",
    byCode: "Recovery code (given when the wallet was made)",
    byIdp: "Confirmation from an identity agency",
    code: "Recovery code",
    codeHint: "As you wrote it down; dashes are fine",
    idpSteps: "Press “Get the details for the identity agency”, give them to the agency, then paste the confirmation they send back below.",
    getNonce: "Get the details for the identity agency",
    forIdp: "Details for the identity agency",
    nonceLabel: "One-time code: {nonce}",
    keyLabel: "This device's key:",
    assertion: "The identity agency's confirmation",
    assertionHint: "Paste the whole text the agency sent you",
    submit: "Start getting the wallet back",
    working: "Sending…",
    badCccd: "The ID number must have exactly 12 digits.",
    badName: "Please give this device a name.",
    badCode: "Please enter the recovery code.",
    badAssertion: "Please paste the identity agency's confirmation.",
    needNonce: "First press “Get the details for the identity agency” and give those details to the agency.",
    offline: "This needs the network. What you typed is kept; try again when you are online.",
    statusTitle: "Getting your wallet back",
    pending: "Your request was received ({how}). To protect you, the wallet moves to this device only after {when}. Until then every old device still holding the wallet is told and can cancel it. You can keep this page open or come back later.",
    words: "This device's identifier: {words}",
    byCodeWord: "with the recovery code",
    done: "Your wallet is back. This device replaces all the old ones.",
    cancelled: "Getting the wallet back was cancelled from an old device. This device was not added to the wallet.",
    startOver: "Start again",
    stillWaiting: "Not yet. This page checks again by itself.",
    failed: "The wallet could not be recovered: {reason}",
    enrolLink: "Back to making a wallet",
  },
};

export async function render(root, ctx) {
  const kept = (await ctx.store.get(KEPT)) || {};
  if (kept.recovery_id) return renderStatus(root, ctx, kept);
  return renderForm(root, ctx, kept);
}

function reasonOf(error) {
  return error.detail || error.title || String(error);
}

function renderForm(root, ctx, kept) {
  const tr = (key, vars) => ctx.t(texts, key, vars);
  const draft = kept.draft || {};
  const cccd = field("recover-cccd", tr("cccd"), { inputmode: "numeric", autocomplete: "off", maxlength: "12", required: true });
  const name = field("recover-name", tr("deviceName"), { maxlength: "64", autocomplete: "off", required: true }, tr("deviceNameHint"));
  const code = field("recover-code", tr("code"), { autocomplete: "off", maxlength: "64", spellcheck: "false" }, tr("codeHint"));
  const assertion = field("recover-assertion", tr("assertion"), { tag: "textarea", rows: "4", spellcheck: "false" }, tr("assertionHint"));
  cccd.input.value = draft.cccd || "";
  name.input.value = draft.name || (navigator.userAgent.includes("Mobile") ? "Điện thoại mới" : "Trình duyệt mới");
  assertion.input.value = draft.assertion || "";
  const radio = (value, label) => {
    const input = el("input", { type: "radio", name: "recover-method", id: "recover-by-" + value, value });
    return { input, wrap: el("p", { class: "choice" }, input, el("label", { for: input.id }, label)) };
  };
  const byCode = radio("code", tr("byCode"));
  const byIdp = radio("idp", tr("byIdp"));
  (draft.method === "idp" ? byIdp : byCode).input.checked = true;
  const forIdp = el("div", { id: "recover-for-idp" });
  const nonceButton = el("button", { type: "button", id: "recover-nonce" }, tr("getNonce"));
  const idpBox = el("div", { id: "recover-idp" }, el("p", { class: "hint" }, tr("idpSteps")), el("p", { class: "actions" }, nonceButton), forIdp, assertion.wrap);
  const status = el("div", { id: "recover-status" });
  const submit = el("button", { type: "submit", class: "primary" }, tr("submit"));
  const form = el(
    "form",
    { id: "recover-form", novalidate: true },
    cccd.wrap,
    name.wrap,
    el("fieldset", {}, el("legend", {}, tr("how")), byCode.wrap, byIdp.wrap),
    code.wrap,
    idpBox,
    el("p", { class: "actions" }, submit),
    status,
  );
  const method = () => (byIdp.input.checked ? "idp" : "code");
  const show = () => {
    code.wrap.hidden = method() !== "code";
    idpBox.hidden = method() !== "idp";
  };
  show();
  // The code is a secret: it is never kept; the rest is kept as a draft while offline or after an error.
  const saveDraft = () =>
    ctx.store.set(KEPT, { ...kept, draft: { cccd: cccd.input.value, name: name.input.value, method: method(), assertion: assertion.input.value } });
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", () => {
    show();
    saveDraft();
  });

  const fail = (input, message) => {
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
    status.replaceChildren(notice("error", message));
    ctx.announce(message, true);
  };
  const number = () => cccd.input.value.replace(/\s/g, "");
  const offline = () => {
    status.replaceChildren(notice("warn", tr("offline")));
    ctx.announce(tr("offline"), true);
  };
  const askNonce = async () => {
    const issued = await ctx.api.open("POST", "/v1/recovery/nonces", { cccd: number() });
    kept = { ...kept, nonce: issued.nonce, cccd: number() };
    await ctx.store.set(KEPT, kept);
    return issued.nonce;
  };

  nonceButton.addEventListener("click", async () => {
    cccd.input.removeAttribute("aria-invalid");
    if (!/^\d{12}$/.test(number())) return fail(cccd.input, tr("badCccd"));
    if (!ctx.online()) return offline();
    nonceButton.disabled = true;
    try {
      const nonce = await askNonce();
      const device = await deviceKey();
      forIdp.replaceChildren(
        el("h2", {}, tr("forIdp")),
        el("p", { class: "words", id: "recover-nonce-text" }, tr("nonceLabel", { nonce })),
        el("p", {}, tr("keyLabel")),
        el("pre", { class: "code", id: "recover-jwk", lang: "en", tabindex: "0" }, JSON.stringify(device.jwk)),
      );
      ctx.announce(tr("forIdp"));
    } catch (error) {
      fail(null, tr("failed", { reason: reasonOf(error) }));
    } finally {
      nonceButton.disabled = false;
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const input of [cccd.input, name.input, code.input, assertion.input]) input.removeAttribute("aria-invalid");
    const deviceName = name.input.value.trim().normalize("NFC");
    const secret = code.input.value.trim();
    const pasted = assertion.input.value.replace(/\s/g, "");
    if (!/^\d{12}$/.test(number())) return fail(cccd.input, tr("badCccd"));
    if (!deviceName) return fail(name.input, tr("badName"));
    if (method() === "code" && !secret) return fail(code.input, tr("badCode"));
    if (method() === "idp" && !pasted) return fail(assertion.input, tr("badAssertion"));
    if (method() === "idp" && (!kept.nonce || kept.cccd !== number())) {
      nonceButton.focus();
      return fail(null, tr("needNonce"));
    }
    if (!ctx.online()) return offline();
    submit.disabled = true;
    status.replaceChildren(notice("info", tr("working")));
    try {
      // The code's nonce is asked for now; the assertion names the nonce handed to the agency.
      const nonce = method() === "code" ? await askNonce() : kept.nonce;
      const device = await deviceKey();
      const body = { name: deviceName, device_jwk: device.jwk, nonce };
      if (method() === "code") body.code = secret;
      else body.assertion = pasted;
      const started = await ctx.api.open("POST", "/v1/recovery", body, { proof: true });
      const follow = { recovery_id: started.recovery_id, started };
      await ctx.store.set(KEPT, follow);
      root.replaceChildren();
      await renderStatus(root, ctx, follow);
      root.querySelector("h1").focus();
    } catch (error) {
      submit.disabled = false;
      fail(null, tr("failed", { reason: reasonOf(error) }));
    }
  });

  root.append(
    heading(tr("title")),
    el("p", {}, tr("intro")),
    form,
    el("p", {}, el("a", { href: "#/enrol", id: "recover-back" }, tr("enrolLink"))),
  );
}

/** Follow a started recovery until it completes (then join) or is cancelled. */
async function renderStatus(root, ctx, kept) {
  const tr = (key, vars) => ctx.t(texts, key, vars);
  const status = el("div", { id: "recover-progress" });
  const again = el("button", { type: "button", id: "recover-again", hidden: true }, tr("startOver"));
  again.addEventListener("click", async () => {
    await ctx.store.del(KEPT);
    root.replaceChildren();
    renderForm(root, ctx, {});
    root.querySelector("h1").focus();
  });
  root.append(heading(tr("statusTitle")), status, el("p", { class: "actions" }, again));
  const describe = (recovery) => {
    const how = recovery.method === "code" ? tr("byCodeWord") : recovery.vouched_by;
    status.replaceChildren(
      notice("info", tr("pending", { how, when: ctx.formatDateTime(recovery.completes_at) })),
      el("p", { class: "words" }, tr("words", { words: recovery.words })),
    );
  };
  if (kept.started) describe(kept.started);
  let timer = null;
  let announcedOnce = false;
  const check = async () => {
    if (!root.isConnected) return;
    let outcome;
    try {
      outcome = await ctx.api.open("GET", `/v1/recovery/${encodeURIComponent(kept.recovery_id)}`, undefined, { proof: true });
    } catch (error) {
      if (error.code === "network") {
        timer = setTimeout(check, 3000);
        return;
      }
      status.replaceChildren(notice("error", tr("failed", { reason: reasonOf(error) })));
      ctx.announce(tr("failed", { reason: reasonOf(error) }), true);
      again.hidden = false;
      return;
    }
    if (outcome.status === "pending") {
      describe(outcome);
      if (!announcedOnce) ctx.announce(status.textContent);
      announcedOnce = true;
      // Ask again shortly before it should complete, and at most every 30 s.
      const left = new Date(outcome.completes_at).getTime() - Date.now();
      timer = setTimeout(check, Math.min(30_000, Math.max(1000, left + 500)));
      return;
    }
    if (outcome.status === "cancelled") {
      await ctx.store.del(KEPT);
      status.replaceChildren(notice("error", tr("cancelled")));
      ctx.announce(tr("cancelled"), true);
      again.hidden = false;
      return;
    }
    if (outcome.status !== "completed") {
      status.replaceChildren(notice("error", tr("failed", { reason: outcome.status })));
      again.hidden = false;
      return;
    }
    keepRecoveryCodeOnce(outcome.recovery_code || null);
    await ctx.store.del(KEPT);
    await joined(outcome.citizen_id);
    ctx.announce(tr("done"));
    location.hash = "#/";
    await refresh();
  };
  timer = setTimeout(check, 300);
  void timer;
}
