// Mandates: who may act for me and for whom I may act (list, grant, end). A delegate acts from their
// own device; what they did lands in both access logs. Managing devices, erasing the wallet and
// granting further mandates are never part of a mandate (the service refuses them).
import { confirmDialog, el, field, heading, notice } from "../lib/dom.js";
import { catalog } from "../lib/catalog.js";
import { actFor } from "../app.js";

export const texts = {
  vi: {
    title: "Uỷ quyền",
    intro: "Bạn có thể cho một người thân đã có ví làm thay một số việc: xem giấy tờ, trả lời yêu cầu chia sẻ dữ liệu, trình chứng nhận. Mọi việc họ làm đều hiện trong nhật ký của bạn. Họ không thể quản lý thiết bị, xoá ví hay uỷ quyền tiếp.",
    granted: "Người làm thay tôi",
    held: "Tôi làm thay",
    none: "Chưa có uỷ quyền nào.",
    guardian: "Giám hộ (do cơ quan định danh lập)",
    states: { active: "Đang hiệu lực", pending: "Chưa đến ngày hiệu lực", expired: "Đã hết hạn", ended: "Đã chấm dứt" },
    period: "Từ {from} đến {until}",
    scopeDocuments: "Xem giấy tờ: {list}",
    scopeProcedures: "Trả lời yêu cầu cho thủ tục: {list}",
    scopeCredentials: "Trình chứng nhận: {list}",
    revoke: "Chấm dứt uỷ quyền cho {name}",
    renounce: "Thôi làm thay {name}",
    revokeConfirm: "Chấm dứt uỷ quyền cho {name}? Họ sẽ không làm thay bạn được nữa.",
    renounceConfirm: "Thôi làm thay {name}?",
    yes: "Chấm dứt",
    no: "Huỷ",
    ended: "Đã chấm dứt uỷ quyền.",
    grantTitle: "Uỷ quyền cho một người",
    cccd: "Số CCCD của người được uỷ quyền",
    cccdHint: "12 chữ số; người đó phải đã có ví.",
    documents: "Được xem các loại giấy tờ",
    credentials: "Được trình các loại chứng nhận",
    procedures: "Được trả lời yêu cầu cho các thủ tục (mã thủ tục, cách nhau bằng dấu phẩy)",
    proceduresHint: "Ví dụ: 1.001193. Có thể để trống.",
    until: "Hiệu lực đến ngày",
    untilHint: "DD/MM/YYYY, tối đa 5 năm.",
    submit: "Uỷ quyền",
    working: "Đang gửi…",
    badCccd: "Số CCCD phải gồm 12 chữ số.",
    badUntil: "Ngày hết hiệu lực chưa đúng (DD/MM/YYYY, sau hôm nay).",
    badScope: "Hãy chọn ít nhất một việc được làm thay.",
    done: "Đã uỷ quyền cho {name}.",
    offline: "Cần kết nối mạng. Những gì bạn đã điền vẫn được giữ.",
    actFor: "Làm thay {name}: xem giấy tờ",
    actForConsents: "Làm thay {name}: trả lời yêu cầu chia sẻ dữ liệu",
  },
  en: {
    title: "Mandates",
    intro: "You can let a relative who has a wallet do some things for you: see documents, answer requests to share data, show certificates. Everything they do shows in your log. They can never manage devices, erase the wallet or pass the mandate on.",
    granted: "People acting for me",
    held: "I act for",
    none: "No mandates yet.",
    guardian: "Guardianship (set by an identity provider)",
    states: { active: "In force", pending: "Not yet in force", expired: "Expired", ended: "Ended" },
    period: "From {from} until {until}",
    scopeDocuments: "See documents: {list}",
    scopeProcedures: "Answer requests for procedures: {list}",
    scopeCredentials: "Show certificates: {list}",
    revoke: "End the mandate for {name}",
    renounce: "Stop acting for {name}",
    revokeConfirm: "End the mandate for {name}? They will no longer be able to act for you.",
    renounceConfirm: "Stop acting for {name}?",
    yes: "End it",
    no: "Cancel",
    ended: "The mandate has ended.",
    grantTitle: "Give someone a mandate",
    cccd: "CCCD number of the person",
    cccdHint: "12 digits; that person must already have a wallet.",
    documents: "May see these kinds of documents",
    credentials: "May show these kinds of certificates",
    procedures: "May answer requests for these procedures (codes, separated by commas)",
    proceduresHint: "For example: 1.001193. May be left empty.",
    until: "In force until",
    untilHint: "DD/MM/YYYY, at most 5 years.",
    submit: "Give the mandate",
    working: "Sending…",
    badCccd: "The CCCD number must have 12 digits.",
    badUntil: "The end date is not right (DD/MM/YYYY, after today).",
    badScope: "Choose at least one thing they may do.",
    done: "{name} may now act for you.",
    offline: "This needs the network. What you typed is kept.",
    actFor: "Act for {name}: see documents",
    actForConsents: "Act for {name}: answer requests to share data",
  },
};

/** "DD/MM/YYYY" -> end of that day in Vietnam (UTC+7) as an ISO instant, or null. */
function untilInstant(text) {
  const match = /^\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*$/.exec(text || "");
  if (!match) return null;
  const [day, month, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const at = new Date(Date.UTC(year, month - 1, day, 23 - 7, 59, 59));
  if (at.getUTCDate() !== new Date(Date.UTC(year, month - 1, day)).getUTCDate() || at.getTime() <= Date.now()) return null;
  return at.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export async function render(root, ctx) {
  const tr = (key, vars) => ctx.t(texts, key, vars);
  const types = await catalog(ctx);
  const typeName = (id) => (types[id] ? (ctx.lang === "vi" ? types[id].name_vi : types[id].name_en) : id);
  const status = el("div", { id: "mandates-status" });
  const granted = el("ul", { class: "cards", id: "mandates-granted" });
  const held = el("ul", { class: "cards", id: "mandates-held" });
  const say = (kind, message) => {
    status.replaceChildren(notice(kind, message));
    ctx.announce(message, kind === "error");
  };

  const card = (m) => {
    const mine = m.role === "represented";
    const other = mine ? m.delegate_name : m.represented_name;
    const lines = [
      el("h3", {}, other),
      el("p", { class: "meta" }, ctx.t(texts, "states")[m.state] || m.state),
      m.kind === "guardian" ? el("p", {}, tr("guardian")) : null,
      el("p", {}, tr("period", { from: ctx.formatDate(m.valid_from), until: ctx.formatDate(m.valid_until) })),
      m.scope.documents.length ? el("p", {}, tr("scopeDocuments", { list: m.scope.documents.map(typeName).join(", ") })) : null,
      m.scope.procedures.length ? el("p", {}, tr("scopeProcedures", { list: m.scope.procedures.join(", ") })) : null,
      m.scope.credentials.length ? el("p", {}, tr("scopeCredentials", { list: m.scope.credentials.map(typeName).join(", ") })) : null,
    ];
    const item = el("li", { class: "card", dataset: { mandate: m.mandate_id } }, lines);
    const actions = el("p", { class: "actions" });
    // "Act for": one entry per kind of thing the mandate lets the delegate do in this app.
    const entries = [
      [m.scope.documents.length, "actFor", "#/documents", { actFor: m.mandate_id }],
      [m.scope.procedures.length, "actForConsents", "#/consents", { actForConsents: m.mandate_id }],
    ];
    for (const [covered, label, hash, data] of entries) {
      if (mine || m.state !== "active" || !covered) continue;
      const act = el("button", { type: "button", class: "primary", dataset: data }, tr(label, { name: other }));
      act.addEventListener("click", async () => {
        await actFor(m);
        ctx.navigate(hash);
      });
      actions.append(act);
    }
    const endable = (m.state === "active" || m.state === "pending") && !(mine && m.kind === "guardian");
    if (endable) {
      const label = mine ? tr("revoke", { name: other }) : tr("renounce", { name: other });
      const end = el("button", { type: "button", class: "danger" }, label);
      end.addEventListener("click", async () => {
        const question = mine ? tr("revokeConfirm", { name: other }) : tr("renounceConfirm", { name: other });
        if (!(await confirmDialog(question, tr("yes"), tr("no")))) return;
        if (!ctx.online()) return say("warn", tr("offline"));
        end.disabled = true;
        try {
          await ctx.api.del(`/v1/me/mandates/${encodeURIComponent(m.mandate_id)}`);
          say("ok", tr("ended"));
          await load();
        } catch (error) {
          end.disabled = false;
          say("error", error.detail || error.title || String(error));
        }
      });
      actions.append(end);
    }
    if (actions.childNodes.length) item.append(actions);
    return item;
  };

  async function load() {
    const { items } = await ctx.api.get("/v1/me/mandates");
    const mineList = items.filter((m) => m.role === "represented").map(card);
    const heldList = items.filter((m) => m.role === "delegate").map(card);
    granted.replaceChildren(...(mineList.length ? mineList : [el("li", {}, tr("none"))]));
    held.replaceChildren(...(heldList.length ? heldList : [el("li", {}, tr("none"))]));
  }

  // The grant form: typed values are kept (as a draft) until the mandate is given.
  const draft = (await ctx.store.get("mandate-draft")) || {};
  const cccd = field("mandate-cccd", tr("cccd"), { inputmode: "numeric", autocomplete: "off", maxlength: "12", required: true }, tr("cccdHint"));
  const procedures = field("mandate-procedures", tr("procedures"), { autocomplete: "off", maxlength: "400" }, tr("proceduresHint"));
  const until = field("mandate-until", tr("until"), { inputmode: "numeric", placeholder: "DD/MM/YYYY", maxlength: "10", required: true }, tr("untilHint"));
  cccd.input.value = draft.cccd || "";
  procedures.input.value = draft.procedures || "";
  until.input.value = draft.until || "";
  const choices = (name, legend) => {
    const boxes = Object.keys(types).filter((id) => id !== "other").map((id) => {
      const box = el("input", { type: "checkbox", name, value: id, id: `${name}-${id}` });
      box.checked = (draft[name] || []).includes(id);
      return el("p", { class: "check" }, box, el("label", { for: box.id }, typeName(id)));
    });
    return el("fieldset", { id: name }, el("legend", {}, legend), boxes);
  };
  const documents = choices("mandate-documents", tr("documents"));
  const credentials = choices("mandate-credentials", tr("credentials"));
  const checked = (set) => [...set.querySelectorAll("input:checked")].map((box) => box.value);
  const submit = el("button", { type: "submit", class: "primary" }, tr("submit"));
  const form = el("form", { novalidate: true, id: "mandate-form" }, cccd.wrap, documents, credentials, procedures.wrap, until.wrap, el("p", { class: "actions" }, submit));
  form.addEventListener("input", () =>
    ctx.store.set("mandate-draft", {
      cccd: cccd.input.value,
      procedures: procedures.input.value,
      until: until.input.value,
      "mandate-documents": checked(documents),
      "mandate-credentials": checked(credentials),
    }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const number = cccd.input.value.replace(/\s/g, "");
    const validUntil = untilInstant(until.input.value);
    const scope = {
      documents: checked(documents),
      procedures: procedures.input.value.split(",").map((code) => code.trim()).filter(Boolean),
      credentials: checked(credentials),
    };
    if (!/^\d{12}$/.test(number)) return say("error", tr("badCccd")), cccd.input.focus();
    if (!scope.documents.length && !scope.procedures.length && !scope.credentials.length) return say("error", tr("badScope"));
    if (!validUntil) return say("error", tr("badUntil")), until.input.focus();
    if (!ctx.online()) return say("warn", tr("offline"));
    submit.disabled = true;
    say("info", tr("working"));
    try {
      const made = await ctx.api.post("/v1/me/mandates", { delegate_cccd: number, scope, valid_until: validUntil });
      await ctx.store.del("mandate-draft");
      form.reset();
      say("ok", tr("done", { name: made.delegate_name }));
      await load();
    } catch (error) {
      say("error", error.detail || error.title || String(error));
    } finally {
      submit.disabled = false;
    }
  });

  root.append(
    heading(tr("title")),
    el("p", {}, tr("intro")),
    status,
    el("h2", {}, tr("granted")),
    granted,
    el("h2", {}, tr("held")),
    held,
    el("h2", {}, tr("grantTitle")),
    form,
  );
  try {
    await load();
  } catch (error) {
    say("error", error.detail || error.title || String(error));
  }
}
