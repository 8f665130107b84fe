// Enrolment: the citizen's number, name and date of birth, and this browser's key (made here and
// never leaving it). What was typed is kept while offline or after an error.
import { el, field, heading, notice } from "../lib/dom.js";
import { enrol, refresh } from "../app.js";

export const texts = {
  vi: {
    title: "Tạo ví của bạn",
    intro: "Nhập thông tin trên thẻ căn cước của bạn. Khoá bảo mật của ví được tạo và cất giữ ngay trên thiết bị này, không bao giờ rời khỏi nó.",
    cccd: "Số căn cước công dân (12 chữ số)",
    cccdHint: "Ví dụ: 001090012345",
    name: "Họ và tên",
    nameHint: "Viết có dấu, như trên thẻ căn cước",
    dob: "Ngày sinh",
    dobHint: "Ngày/tháng/năm, ví dụ 01/05/1990",
    submit: "Tạo ví",
    working: "Đang tạo ví…",
    done: "Đã tạo ví. Chào mừng {name}!",
    badCccd: "Số căn cước phải có đúng 12 chữ số.",
    badName: "Vui lòng nhập họ và tên.",
    badDob: "Ngày sinh chưa đúng. Viết theo dạng ngày/tháng/năm, ví dụ 01/05/1990.",
    offline: "Bạn đang ngoại tuyến. Thông tin bạn nhập vẫn được giữ; hãy bấm “Tạo ví” khi có mạng.",
    pairTitle: "Đã có ví trên thiết bị khác?",
    pairText: "Bạn có thể thêm thiết bị này vào ví đó.",
    pairLink: "Thêm thiết bị này vào ví đã có",
    lostTitle: "Mất điện thoại?",
    lostText: "Nếu bạn mất mọi thiết bị có ví, hãy lấy lại ví trên thiết bị này bằng mã khôi phục hoặc xác nhận của cơ quan định danh.",
    lostLink: "Lấy lại ví",
  },
  en: {
    title: "Create your wallet",
    intro: "Enter the details on your citizen ID card. The wallet's security key is made and kept on this device and never leaves it.",
    cccd: "Citizen ID number (12 digits)",
    cccdHint: "For example: 001090012345",
    name: "Full name",
    nameHint: "With Vietnamese accents, as on your ID card",
    dob: "Date of birth",
    dobHint: "Day/month/year, for example 01/05/1990",
    submit: "Create wallet",
    working: "Creating your wallet…",
    done: "Your wallet is ready. Welcome, {name}!",
    badCccd: "The ID number must have exactly 12 digits.",
    badName: "Please enter your full name.",
    badDob: "The date of birth is not right. Write it as day/month/year, for example 01/05/1990.",
    offline: "You are offline. What you typed is kept; press “Create wallet” when you are online.",
    pairTitle: "Already have a wallet on another device?",
    pairText: "You can add this device to that wallet.",
    pairLink: "Add this device to an existing wallet",
    lostTitle: "Lost your phone?",
    lostText: "If you lost every device holding your wallet, get it back on this device with your recovery code or an identity agency's confirmation.",
    lostLink: "Get my wallet back",
  },
};

/** "DD/MM/YYYY" (or D/M/YYYY, with - or .) as "YYYY-MM-DD"; null when it is not a real past date. */
export function isoDate(text) {
  const match = /^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$/.exec(text);
  if (!match) return null;
  const [day, month, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  if (year < 1900 || date.getTime() > Date.now()) return null;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

export async function render(root, ctx) {
  const tr = (key, vars) => ctx.t(texts, key, vars);
  const draft = (await ctx.store.get("enrol-draft")) || {};
  const cccd = field("cccd", tr("cccd"), { inputmode: "numeric", autocomplete: "off", maxlength: "12", required: true }, tr("cccdHint"));
  const name = field("full-name", tr("name"), { autocomplete: "name", required: true, maxlength: "200" }, tr("nameHint"));
  const dob = field("dob", tr("dob"), { inputmode: "numeric", autocomplete: "bday", placeholder: "DD/MM/YYYY", required: true, maxlength: "10" }, tr("dobHint"));
  cccd.input.value = draft.cccd || "";
  name.input.value = draft.name || "";
  dob.input.value = draft.dob || "";
  const status = el("div", { id: "enrol-status" });
  const submit = el("button", { type: "submit", class: "primary" }, tr("submit"));
  const form = el("form", { novalidate: true, id: "enrol-form" }, cccd.wrap, name.wrap, dob.wrap, el("p", { class: "actions" }, submit), status);
  const saveDraft = () => ctx.store.set("enrol-draft", { cccd: cccd.input.value, name: name.input.value, dob: dob.input.value });
  form.addEventListener("input", saveDraft);

  const fail = (input, message) => {
    input.setAttribute("aria-invalid", "true");
    status.replaceChildren(notice("error", message));
    ctx.announce(message, true);
    input.focus();
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const input of [cccd.input, name.input, dob.input]) input.removeAttribute("aria-invalid");
    const number = cccd.input.value.replace(/\s/g, "");
    const fullName = name.input.value.trim().normalize("NFC");
    const dateOfBirth = isoDate(dob.input.value);
    if (!/^\d{12}$/.test(number)) return fail(cccd.input, tr("badCccd"));
    if (!fullName) return fail(name.input, tr("badName"));
    if (!dateOfBirth) return fail(dob.input, tr("badDob"));
    if (!ctx.online()) {
      status.replaceChildren(notice("warn", tr("offline")));
      ctx.announce(tr("offline"), true);
      return;
    }
    submit.disabled = true;
    status.replaceChildren(notice("info", tr("working")));
    try {
      await enrol({ cccd: number, fullName, dateOfBirth });
      await ctx.store.del("enrol-draft");
      ctx.announce(tr("done", { name: fullName }));
      location.hash = "#/";
      await refresh();
    } catch (error) {
      submit.disabled = false;
      const message = error.detail || error.title || String(error);
      status.replaceChildren(notice("error", message));
      ctx.announce(message, true);
    }
  });

  root.append(
    heading(tr("title")),
    el("p", {}, tr("intro")),
    form,
    el("h2", {}, tr("pairTitle")),
    el("p", {}, tr("pairText")),
    el("p", {}, el("a", { href: "#/devices", class: "button", id: "join-link" }, tr("pairLink"))),
    el("h2", {}, tr("lostTitle")),
    el("p", {}, tr("lostText")),
    el("p", {}, el("a", { href: "#/recover", class: "button", id: "recover-link" }, tr("lostLink"))),
  );
}
