// Settings: language, this device, leaving the wallet on this browser.
import { el, heading, notice, confirmDialog } from "../lib/dom.js";
import { deviceKey, enrolled, forget, refresh } from "../app.js";

export const texts = {
  vi: {
    title: "Cài đặt",
    language: "Ngôn ngữ",
    vi: "Tiếng Việt",
    en: "English",
    device: "Thiết bị này",
    keyText: "Khoá bảo mật của thiết bị này được tạo trên chính thiết bị và không thể sao chép ra ngoài.",
    keyId: "Mã nhận diện khoá: {id}",
    leave: "Đăng xuất ví trên thiết bị này",
    leaveConfirm: "Đăng xuất ví trên thiết bị này? Dữ liệu trong ví vẫn còn; bạn có thể thêm lại thiết bị này bằng mã ghép từ thiết bị khác.",
    yes: "Đăng xuất",
    no: "Huỷ",
    left: "Đã đăng xuất ví trên thiết bị này.",
  },
  en: {
    title: "Settings",
    language: "Language",
    vi: "Tiếng Việt",
    en: "English",
    device: "This device",
    keyText: "This device's security key was made on the device itself and cannot be copied out of it.",
    keyId: "Key identifier: {id}",
    leave: "Sign out of the wallet on this device",
    leaveConfirm: "Sign out of the wallet on this device? Your data stays in the wallet; you can add this device again with a pairing code from another device.",
    yes: "Sign out",
    no: "Cancel",
    left: "Signed out of the wallet on this device.",
  },
};

export async function render(root, ctx) {
  const tr = (key, vars) => ctx.t(texts, key, vars);
  const choose = async (lang) => {
    await ctx.store.set("lang", lang);
    location.reload();
  };
  const langs = el(
    "p",
    { class: "actions", role: "group", "aria-labelledby": "lang-title" },
    ["vi", "en"].map((lang) =>
      el("button", { type: "button", lang, "aria-pressed": String(ctx.lang === lang), class: ctx.lang === lang ? "primary" : "", onclick: () => choose(lang) }, tr(lang)),
    ),
  );
  const device = await deviceKey();
  root.append(
    heading(tr("title")),
    el("h2", { id: "lang-title" }, tr("language")),
    langs,
    el("h2", {}, tr("device")),
    el("p", {}, tr("keyText")),
    el("p", { class: "meta" }, tr("keyId", { id: device.jkt.slice(0, 12) })),
  );
  if (enrolled()) {
    const status = el("div");
    const leave = el("button", { type: "button", class: "danger", id: "leave" }, tr("leave"));
    leave.addEventListener("click", async () => {
      if (!(await confirmDialog(tr("leaveConfirm"), tr("yes"), tr("no")))) return;
      await forget();
      status.replaceChildren(notice("ok", tr("left")));
      ctx.announce(tr("left"));
      location.hash = "#/";
      await refresh();
    });
    root.append(el("p", { class: "actions" }, leave), status);
  }
}
