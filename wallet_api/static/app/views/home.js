// Home: who is signed in, and the main tasks one tap away.
import { confirmDialog, el, heading, notice } from "../lib/dom.js";
import { refresh, takeRecoveryCode } from "../app.js";

export const texts = {
  vi: {
    title: "Xin chào",
    hello: "Xin chào, {name}",
    tasks: "Bạn muốn làm gì?",
    documents: "Giấy tờ của tôi",
    credentials: "Chứng nhận của tôi",
    identity: "Mã QR định danh",
    consents: "Yêu cầu chia sẻ dữ liệu",
    present: "Trình giấy tờ bằng mã QR",
    log: "Ai đã xem dữ liệu của tôi",
    devices: "Thiết bị của tôi",
    mandates: "Người làm thay tôi (uỷ quyền)",
    rights: "Yêu cầu cơ quan xoá hoặc sửa dữ liệu",
    codeTitle: "Mã khôi phục ví của bạn",
    codeText: "Hãy chép mã này ra giấy và cất kỹ. Nếu mất mọi thiết bị, bạn dùng nó để lấy lại ví. Mã chỉ hiện một lần này.",
    recoveryTitle: "Có người đang khôi phục ví của bạn",
    recoveryText: "Thiết bị “{name}” (khoá: {words}) đang khôi phục ví này ({how}). Nếu không phải bạn, hãy huỷ ngay: sau {when}, thiết bị đó sẽ thay mọi thiết bị của bạn.",
    cancelRecovery: "Huỷ khôi phục",
    cancelConfirm: "Huỷ việc khôi phục ví trên thiết bị “{name}”?",
    yes: "Huỷ khôi phục",
    no: "Để sau",
    cancelled: "Đã huỷ việc khôi phục ví.",
    offline: "Cần kết nối mạng để huỷ. Hãy thử lại khi có mạng.",
  },
  en: {
    title: "Hello",
    hello: "Hello, {name}",
    tasks: "What would you like to do?",
    documents: "My documents",
    credentials: "My certificates",
    identity: "Identity QR code",
    consents: "Requests to share data",
    present: "Show a certificate as a QR code",
    log: "Who looked at my data",
    devices: "My devices",
    mandates: "People acting for me (mandates)",
    rights: "Ask agencies to delete or correct data",
    codeTitle: "Your wallet recovery code",
    codeText: "Write this code on paper and keep it safe. If you lose every device, it gets your wallet back. It is shown only this once.",
    recoveryTitle: "Someone is recovering your wallet",
    recoveryText: "The device “{name}” (key: {words}) is recovering this wallet ({how}). If it is not you, cancel now: after {when} that device replaces all of yours.",
    cancelRecovery: "Cancel the recovery",
    cancelConfirm: "Cancel the wallet recovery on the device “{name}”?",
    yes: "Cancel the recovery",
    no: "Not now",
    cancelled: "The wallet recovery was cancelled.",
    offline: "Cancelling needs the network. Try again when you are online.",
  },
};

export async function render(root, ctx) {
  const tr = (key, vars) => ctx.t(texts, key, vars);
  const name = ctx.citizen && ctx.citizen.full_name;
  const tiles = ["identity", "documents", "credentials", "consents", "present", "log", "rights", "devices", "mandates"].map((view) =>
    el("li", {}, el("a", { href: "#/" + view }, tr(view))),
  );
  root.append(heading(name ? tr("hello", { name }) : tr("title")));
  const code = takeRecoveryCode();
  if (code) {
    root.append(
      el("section", { class: "notice warn", id: "recovery-code", "aria-labelledby": "recovery-code-title" },
        el("h2", { id: "recovery-code-title" }, tr("codeTitle")),
        el("p", {}, tr("codeText")),
        el("p", { class: "code", lang: "en" }, code)),
    );
  }
  const pending = ctx.citizen && ctx.citizen.pending_recovery;
  if (pending && pending.status === "pending") root.append(recoveryAlert(pending, ctx, tr));
  root.append(el("h2", {}, tr("tasks")), el("ul", { class: "tiles" }, tiles));
}

/** A recovery of this wallet is under way (announced on every device still held): who, until when,
 * and the button that stops it. */
function recoveryAlert(pending, ctx, tr) {
  const status = el("div");
  const cancel = el("button", { type: "button", class: "danger", id: "cancel-recovery" }, tr("cancelRecovery"));
  const vars = { name: pending.name, words: pending.words, how: pending.vouched_by, when: ctx.formatDateTime(pending.completes_at) };
  cancel.addEventListener("click", async () => {
    if (!ctx.online()) return status.replaceChildren(notice("warn", tr("offline")));
    if (!(await confirmDialog(tr("cancelConfirm", vars), tr("yes"), tr("no")))) return;
    cancel.disabled = true;
    try {
      await ctx.api.post(`/v1/me/recovery/${encodeURIComponent(pending.recovery_id)}/cancellation`, {});
      ctx.citizen = await ctx.api.get("/v1/me");
      await ctx.store.set("profile", ctx.citizen);
      await refresh();
      ctx.announce(tr("cancelled"));
    } catch (error) {
      cancel.disabled = false;
      const message = error.detail || error.title || String(error);
      status.replaceChildren(notice("error", message));
      ctx.announce(message, true);
    }
  });
  ctx.announce(tr("recoveryTitle"), true);
  return el("section", { class: "notice error", role: "alert", id: "pending-recovery" },
    el("h2", {}, tr("recoveryTitle")), el("p", {}, tr("recoveryText", vars)), el("p", { class: "actions" }, cancel), status);
}
