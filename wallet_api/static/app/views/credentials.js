// Certificates issued to the citizen by agencies: who issued each, until when it is valid, whether
// it was revoked or suspended (said plainly), and every detail with the label verifiers show. A
// detail that is wrong can be disputed here: its issuer then corrects and re-issues, or refuses
// (docs/rights.md; the requests are followed in views/rights.js).
import { el, field, heading, notice } from "../lib/dom.js";

export const texts = {
  vi: {
    title: "Chứng nhận của tôi",
    intro: "Giấy tờ điện tử do cơ quan nhà nước cấp vào ví của bạn.",
    empty: "Bạn chưa có chứng nhận nào.",
    issuer: "Cơ quan cấp: {name}",
    validity: "Cấp ngày {from}, hiệu lực đến {until}",
    valid: "Còn hiệu lực",
    revoked: "Đã bị thu hồi — không còn giá trị",
    suspended: "Đang bị tạm dừng — tạm thời không dùng được",
    expired: "Đã hết hạn",
    unknown: "Chưa rõ tình trạng",
    reissue: "Chứng nhận này gắn với một thiết bị đã bị gỡ khỏi ví. Hãy đề nghị cơ quan cấp lại.",
    details: "Xem chi tiết",
    hide: "Ẩn chi tiết",
    detailsOf: "Chi tiết {name}",
    more: "Xem thêm",
    offline: "Bạn đang ngoại tuyến. Đây là danh sách lưu lúc {when}.",
    offlineNone: "Bạn đang ngoại tuyến và chưa có danh sách nào được lưu trên thiết bị này.",
    needsNetwork: "Việc này cần có mạng. Vui lòng thử lại khi có mạng.",
    count: "Có {count} chứng nhận.",
    correct: "Yêu cầu sửa thông tin",
    correctLabel: "Yêu cầu sửa thông tin trong {name}",
    correctClaim: "Thông tin nào sai?",
    correctValue: "Thông tin đúng là",
    correctNote: "Ghi chú cho cơ quan cấp (không bắt buộc)",
    correctSend: "Gửi yêu cầu sửa",
    correctEmpty: "Hãy nhập thông tin đúng.",
    correctAsked: "Đã gửi yêu cầu sửa tới {agency}. Hạn trả lời: {due}",
    correctFollow: "Theo dõi các yêu cầu",
    correctFailed: "Không gửi được yêu cầu sửa: {message}",
  },
  en: {
    title: "My certificates",
    intro: "Digital documents that government agencies issued into your wallet.",
    empty: "You have no certificates yet.",
    issuer: "Issued by: {name}",
    validity: "Issued {from}, valid until {until}",
    valid: "Valid",
    revoked: "Revoked — no longer valid",
    suspended: "Suspended — cannot be used for now",
    expired: "Expired",
    unknown: "Status not known",
    reissue: "This certificate is tied to a device removed from your wallet. Ask the agency to issue it again.",
    details: "Show details",
    hide: "Hide details",
    detailsOf: "Details of {name}",
    more: "Show more",
    offline: "You are offline. This is the list as it was on {when}.",
    offlineNone: "You are offline and no list has been saved on this device yet.",
    needsNetwork: "This needs the network. Please try again when you are online.",
    count: "{count} certificates.",
    correct: "Ask for a correction",
    correctLabel: "Ask for a correction of {name}",
    correctClaim: "Which information is wrong?",
    correctValue: "What is right",
    correctNote: "A note for the issuer (optional)",
    correctSend: "Send the correction request",
    correctEmpty: "Please type what is right.",
    correctAsked: "Correction asked of {agency}. Answer due: {due}",
    correctFollow: "Follow your requests",
    correctFailed: "The correction request was not sent: {message}",
  },
};

const PAGE = 20;

function statusOf(cred) {
  if (cred.status === "revoked" || cred.status === "suspended") return cred.status;
  if (cred.expires_at && new Date(cred.expires_at).getTime() < Date.now()) return "expired";
  return cred.status === "valid" ? "valid" : "unknown";
}

/** The list without the full signed text (only what the screen shows is kept offline). */
function slim(cred) {
  const { sd_jwt: _omit, ...rest } = cred;
  return rest;
}

export async function render(root, ctx) {
  const tr = (key, vars) => ctx.t(texts, key, vars);
  const state = { items: [], cursor: null };
  const list = el("ul", { class: "cards", id: "credentials" });
  const status = el("div", { id: "credentials-status" });
  const count = el("p", { class: "meta", role: "status", id: "credentials-count" });
  const more = el("button", { type: "button", id: "more", hidden: true }, tr("more"));

  function card(cred, index) {
    const kind = statusOf(cred);
    const detailsId = `cred-details-${index}`;
    const toggle = el("button", { type: "button", "aria-expanded": "false", "aria-controls": detailsId }, tr("details"));
    const claims = el(
      "dl",
      { class: "claims", id: detailsId, hidden: true, "aria-label": tr("detailsOf", { name: cred.type_name }) },
      (cred.claims || []).map((c) => [el("dt", {}, ctx.lang === "en" ? c.label_en : c.label_vi), el("dd", {}, ctx.lang === "en" ? c.value_en : c.value_vi)]),
    );
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      toggle.textContent = open ? tr("details") : tr("hide");
      claims.hidden = open;
    });
    const fix = correction(cred, index);
    return el(
      "li",
      { class: "card credential", dataset: { id: cred.id, status: kind } },
      el("h2", {}, cred.type_name),
      el("p", {}, el("span", { class: "badge " + kind }, tr(kind))),
      el("p", {}, tr("issuer", { name: cred.issuer_name || cred.issuer })),
      el("p", { class: "meta" }, tr("validity", { from: ctx.formatDate(cred.issued_at), until: ctx.formatDate(cred.expires_at) })),
      cred.needs_reissue ? el("p", { class: "notice warn" }, tr("reissue")) : null,
      el("p", { class: "actions" }, toggle, fix.toggle),
      claims,
      fix.form,
    );
  }

  /** The correction form of one credential: which labelled claim is wrong, what is right, a note. */
  function correction(cred, index) {
    const formId = `correct-${index}`;
    const labelled = cred.claims || [];
    const toggle = el("button", { type: "button", "aria-expanded": "false", "aria-controls": formId, dataset: { correct: cred.id },
      "aria-label": tr("correctLabel", { name: cred.type_name }) }, tr("correct"));
    if (!labelled.length) toggle.hidden = true;
    const claim = el("select", { id: `${formId}-claim`, name: "claim" },
      labelled.map((c) => el("option", { value: c.key }, `${ctx.lang === "en" ? c.label_en : c.label_vi}: ${ctx.lang === "en" ? c.value_en : c.value_vi}`)));
    const value = field(`${formId}-value`, tr("correctValue"), { maxlength: "500", autocomplete: "off", required: true });
    const note = field(`${formId}-note`, tr("correctNote"), { tag: "textarea", maxlength: "1000", rows: "2" });
    const result = el("div", { class: "correct-status" });
    const send = el("button", { type: "submit", class: "primary" }, tr("correctSend"));
    const form = el("form", { id: formId, class: "correction", novalidate: true, hidden: true },
      el("p", { class: "field" }, el("label", { for: claim.id }, tr("correctClaim")), claim),
      value.wrap, note.wrap, el("p", { class: "actions" }, send), result);
    const say = (kind, message, ...more) => {
      result.replaceChildren(notice(kind, message), ...more);
      ctx.announce(message, kind === "error" || kind === "warn");
    };
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      form.hidden = open;
      if (!open) claim.focus();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const proposed = value.input.value.trim().normalize("NFC");
      if (!proposed) {
        say("error", tr("correctEmpty"));
        value.input.focus();
        return;
      }
      if (!ctx.online()) return say("warn", tr("needsNetwork")); // what was typed stays
      send.disabled = true;
      try {
        const text = note.input.value.trim().normalize("NFC");
        const body = { claim: claim.value, proposed, ...(text ? { note: text } : {}) };
        const made = await ctx.api.post(`/v1/me/credentials/${encodeURIComponent(cred.id)}/corrections`, body);
        value.input.value = "";
        note.input.value = "";
        say("ok", tr("correctAsked", { agency: made.agency_name, due: ctx.formatDateTime(made.due_at) }),
          el("p", { class: "actions" }, el("a", { href: "#/rights", class: "button" }, tr("correctFollow"))));
      } catch (error) {
        say("error", tr("correctFailed", { message: error.detail || error.title || String(error) }));
      } finally {
        send.disabled = false;
      }
    });
    return { toggle, form };
  }

  function draw() {
    list.replaceChildren(...state.items.map(card));
    count.textContent = state.items.length ? tr("count", { count: state.items.length }) : tr("empty");
    more.hidden = !state.cursor;
  }

  async function loadPage() {
    const page = await ctx.api.get("/v1/me/credentials", { limit: PAGE, cursor: state.cursor });
    state.items.push(...page.items.map(slim));
    state.cursor = page.next_cursor || null;
    await ctx.store.set("credentials-cache", { items: state.items.slice(0, 200), at: Date.now() });
  }

  more.addEventListener("click", async () => {
    if (!ctx.online()) {
      status.replaceChildren(notice("warn", tr("needsNetwork")));
      ctx.announce(tr("needsNetwork"), true);
      return;
    }
    try {
      await loadPage();
      draw();
    } catch (error) {
      const message = error.detail || error.title || String(error);
      status.replaceChildren(notice("error", message));
      ctx.announce(message, true);
    }
  });

  root.append(heading(tr("title")), el("p", {}, tr("intro")), status, count, list, el("p", { class: "actions" }, more));
  try {
    await loadPage();
  } catch (error) {
    if (error.code !== "network") throw error;
    const cached = await ctx.store.get("credentials-cache");
    state.items = cached ? cached.items : [];
    status.replaceChildren(notice("warn", cached ? tr("offline", { when: ctx.formatDateTime(new Date(cached.at).toISOString()) }) : tr("offlineNone")));
  }
  draw();
}
