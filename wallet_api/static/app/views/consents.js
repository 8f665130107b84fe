// Consents: agencies' requests for the citizen's data, in plain words (who asks, why, for which
// procedure and case, exactly which data, for how long and how many times); approve all or part
// (choosing which credential when several fit, never a revoked or expired one by default), deny,
// later revoke. The decision is signed on this device with its key; the service's receipt is
// checked against the service's published key before it is shown.

import { b64urlEncode, JwsError, signJws, verifyWithJwks } from "../lib/jws.js";
import { serviceKeys } from "./log.js";

const DECISION_TYP = "consent-decision+jwt";
const RECEIPT_TYP = "consent-receipt+jwt";
const PAGE = 50;

export const texts = {
  vi: {
    title: "Yêu cầu chia sẻ dữ liệu",
    intro: "Cơ quan nhà nước xin xem dữ liệu trong ví của bạn. Bạn quyết định chia sẻ gì, và có thể rút lại bất cứ lúc nào.",
    pending: "Đang chờ bạn quyết định",
    decided: "Đã quyết định",
    none: "Không có yêu cầu nào đang chờ",
    noneDecided: "Chưa có yêu cầu nào đã quyết định",
    loading: "Đang tải các yêu cầu…",
    asks: "{agency} xin xem dữ liệu của bạn",
    agency: "Cơ quan",
    purpose: "Để làm gì",
    procedure: "Thủ tục",
    caseNumber: "Hồ sơ số",
    validUntil: "Được dùng đến",
    uses: "Số lần được lấy",
    usesValue: "tối đa {max} lần (đã lấy {uses} lần)",
    retention: "Cơ quan lưu giữ",
    retentionValue: "{days} ngày",
    state: "Tình trạng",
    asked: "Dữ liệu được xin",
    share: "Chia sẻ: {type}",
    onlyThese: "Chỉ những thông tin sau (bỏ chọn thông tin bạn không muốn chia sẻ):",
    whole: "Toàn bộ giấy tờ",
    always: "Luôn kèm theo: {labels}",
    which: "Dùng giấy tờ nào",
    nothing: "Trong ví không có giấy tờ phù hợp còn hiệu lực",
    issued: "do cơ quan cấp",
    uploaded: "bạn tự tải lên",
    added: "thêm ngày {date}",
    invalidChosen: "Giấy tờ này {status}: cơ quan có thể không chấp nhận",
    approve: "Đồng ý chia sẻ phần đã chọn",
    deny: "Từ chối",
    revoke: "Rút lại sự đồng ý",
    receipt: "Xem biên nhận",
    nothingChosen: "Bạn chưa chọn dữ liệu nào để chia sẻ",
    approved: "Đã đồng ý chia sẻ. Biên nhận đã được kiểm chứng.",
    denied: "Đã từ chối yêu cầu. Biên nhận đã được kiểm chứng.",
    revoked: "Đã rút lại sự đồng ý. Biên nhận đã được kiểm chứng.",
    offline: "Cần kết nối mạng để gửi quyết định; lựa chọn của bạn vẫn được giữ",
    error: "Không thực hiện được: {message}",
    noKey: "Không tìm thấy khoá của thiết bị này",
    receiptTitle: "Biên nhận",
    receiptValid: "✔ Biên nhận có chữ ký hợp lệ của dịch vụ ví",
    receiptInvalid: "⚠ Biên nhận không kiểm chứng được: đừng tin nội dung của nó",
    shared: "Đã chia sẻ",
    sharedNothing: "Không chia sẻ gì",
    decidedAt: "Ngày quyết định",
    close: "Đóng",
    askDeletion: "Yêu cầu cơ quan xoá dữ liệu đã nhận",
    states: {
      pending: "chờ quyết định", approved: "đã đồng ý", denied: "đã từ chối", revoked: "đã rút lại",
      closed: "đã đóng hồ sơ", expired: "hết hạn", used_up: "đã dùng hết lượt",
    },
    status: { valid: "còn hiệu lực", revoked: "ĐÃ BỊ THU HỒI", suspended: "ĐANG TẠM DỪNG", expired: "ĐÃ HẾT HẠN", unknown: "không rõ trạng thái" },
    actingTitle: "Yêu cầu chia sẻ dữ liệu của {name}",
    acting: "Bạn đang làm thay {name} (theo uỷ quyền). Đây là các yêu cầu gửi {name} cho những thủ tục bạn được uỷ quyền trả lời; mỗi quyết định của bạn được ghi vào nhật ký của {name} và biên nhận ghi tên cả hai người.",
    stopActing: "Quay về yêu cầu của tôi",
    actingIntro: "Cơ quan nhà nước xin xem dữ liệu trong ví của {name}. Bạn quyết định thay {name} chia sẻ gì.",
    noProcedures: "Uỷ quyền của {name} không bao gồm việc trả lời yêu cầu chia sẻ dữ liệu.",
    asksFor: "{agency} xin xem dữ liệu của {name}",
    decidedBy: "Người quyết định",
    byDelegate: "người được uỷ quyền, thay người có dữ liệu",
  },
  en: {
    title: "Requests for your data",
    intro: "Government agencies ask to see data in your wallet. You decide what to share, and you can withdraw at any time.",
    pending: "Waiting for your decision",
    decided: "Decided",
    none: "No requests waiting",
    noneDecided: "No decided requests yet",
    loading: "Loading the requests…",
    asks: "{agency} asks to see your data",
    agency: "Agency",
    purpose: "Why",
    procedure: "Procedure",
    caseNumber: "Case number",
    validUntil: "Can be used until",
    uses: "Times it may be fetched",
    usesValue: "at most {max} (fetched {uses})",
    retention: "The agency keeps it for",
    retentionValue: "{days} days",
    state: "State",
    asked: "Data asked for",
    share: "Share: {type}",
    onlyThese: "Only this information (untick what you do not want to share):",
    whole: "The whole document",
    always: "Always included: {labels}",
    which: "Which document to use",
    nothing: "Nothing valid in your wallet matches",
    issued: "issued by an agency",
    uploaded: "uploaded by you",
    added: "added {date}",
    invalidChosen: "This document is {status}: the agency may not accept it",
    approve: "Share what is selected",
    deny: "Deny",
    revoke: "Withdraw consent",
    receipt: "Show receipt",
    nothingChosen: "You have not selected anything to share",
    approved: "Shared. The receipt was verified.",
    denied: "Request denied. The receipt was verified.",
    revoked: "Consent withdrawn. The receipt was verified.",
    offline: "You need a network connection to send your decision; your choices are kept",
    error: "That did not work: {message}",
    noKey: "This device's key was not found",
    receiptTitle: "Receipt",
    receiptValid: "✔ The receipt carries a valid signature of the wallet service",
    receiptInvalid: "⚠ The receipt does not verify: do not trust what it says",
    shared: "Shared",
    sharedNothing: "Nothing shared",
    decidedAt: "Decided on",
    close: "Close",
    askDeletion: "Ask the agency to delete what it received",
    states: {
      pending: "pending", approved: "approved", denied: "denied", revoked: "withdrawn",
      closed: "case closed", expired: "expired", used_up: "used up",
    },
    status: { valid: "valid", revoked: "REVOKED", suspended: "SUSPENDED", expired: "EXPIRED", unknown: "status unknown" },
    actingTitle: "Requests for {name}'s data",
    acting: "You are acting for {name} (under a mandate). These are the requests to {name} for the procedures you may answer; each decision you make is recorded in {name}'s access log and the receipt names you both.",
    stopActing: "Back to my requests",
    actingIntro: "Government agencies ask to see data in {name}'s wallet. You decide for {name} what to share.",
    noProcedures: "{name}'s mandate does not cover answering requests to share data.",
    asksFor: "{agency} asks to see {name}'s data",
    decidedBy: "Decided by",
    byDelegate: "a delegate, for the person whose data it is",
  },
};

// -- pure helpers (exported for tests) -------------------------------------------------------

// The candidates an item may be answered with: credentials first; only credentials when claims
// were asked (a whole document would be too much).
export function candidatesOf(item) {
  const all = [...(item.candidates || [])].sort((a, b) => (a.kind === "credential" ? 0 : 1) - (b.kind === "credential" ? 0 : 1));
  return item.claims ? all.filter((c) => c.kind === "credential") : all;
}

// The default answer: the first VALID candidate (never a revoked, suspended or expired one).
export function defaultCandidate(item) {
  return candidatesOf(item).find((c) => (c.status || "valid") === "valid") || null;
}

// The decision's items from the citizen's choices: [{item, kind, id, claims?}].
export function decisionItems(consent, choices) {
  const out = [];
  for (const item of consent.items) {
    const choice = choices[item.index];
    if (!choice || !choice.share || !choice.candidate) continue;
    const entry = { item: item.index, kind: choice.candidate.kind, id: choice.candidate.id };
    if (choice.candidate.kind === "credential" && item.claims && choice.claims) {
      const all = item.claims.map((c) => c.name);
      if (choice.claims.length !== all.length) entry.claims = all.filter((n) => choice.claims.includes(n));
    }
    out.push(entry);
  }
  return out;
}

function sameJson(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson(a[k], b[k]));
}

// The receipt's claims if `answer.receipt_jws` is signed by a key of `jwks` (ES256, typ
// consent-receipt+jwt), is about `consentId`, and says exactly what `answer.receipt` says.
export async function verifyReceipt(answer, jwks, consentId) {
  if (!answer || typeof answer.receipt_jws !== "string") throw new JwsError("no receipt");
  const { claims } = await verifyWithJwks(answer.receipt_jws, jwks, { typ: RECEIPT_TYP });
  if (claims.receipt_id !== consentId) throw new JwsError("a receipt of another consent");
  const body = answer.receipt || {};
  for (const key of Object.keys(body)) {
    if (!sameJson(body[key], claims[key])) throw new JwsError("the receipt differs from what was signed");
  }
  return claims;
}

// -- device key and service keys -------------------------------------------------------------

async function deviceKey(ctx) {
  let key = ctx.deviceKey;
  if (!key) key = (await import("../app.js")).deviceKey; // the shell's key (views run inside it)
  if (typeof key === "function") key = await key();
  if (key && key.privateKey) key = key.privateKey;
  if (!(key instanceof CryptoKey)) throw new Error("no device key");
  return key;
}

function randomId() {
  return b64urlEncode(crypto.getRandomValues(new Uint8Array(16)));
}

// -- DOM -------------------------------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function facts(rows) {
  const dl = el("dl", { class: "claims" });
  for (const [term, value] of rows) {
    if (value === undefined || value === null || value === "") continue;
    dl.append(el("dt", { text: term }), el("dd", { text: String(value) }));
  }
  return dl;
}

export async function render(root, ctx) {
  const t = (key, vars) => ctx.t(texts, key, vars);
  const words = texts[ctx.lang] || texts.vi;
  const stateWord = (s) => words.states[s] || s;
  const statusWord = (s) => words.status[s || "valid"] || s;
  // Acting for someone under a mandate: their requests for the procedures it covers, every call
  // naming the mandate (ctx.actingApi); the decision is signed with this device's key and names the
  // delegate and the mandate (`act`). Nothing of theirs is kept on this device, not even drafts.
  const acting = ctx.acting || null;
  const api = acting ? ctx.actingApi : ctx.api;
  const heading = el("h1", { text: acting ? t("actingTitle", { name: acting.name }) : t("title"), tabindex: "-1" });
  const status = el("p", { id: "consents-status", class: "meta" });
  const pendingList = el("div", { id: "consents-pending", class: "cards" });
  const decidedList = el("div", { id: "consents-decided", class: "cards" });
  let banner = null;
  if (acting) {
    const back = el("button", { type: "button", id: "stop-acting", text: t("stopActing") });
    back.addEventListener("click", async () => {
      const app = await import("../app.js");
      await app.stopActing();
      await app.refresh();
    });
    banner = el("section", { class: "notice warn", id: "acting-banner", "aria-label": t("acting", { name: acting.name }) },
      el("p", { text: t("acting", { name: acting.name }) }), el("p", { class: "actions" }, back));
  }
  root.append(...[
    heading,
    banner || el("p", { text: t("intro") }),
    acting ? el("p", { text: t("actingIntro", { name: acting.name }) }) : null,
    status,
    el("h2", { text: t("pending") }),
    pendingList,
    el("h2", { text: t("decided") }),
    decidedList,
  ].filter(Boolean));
  if (acting && !(acting.procedures || []).length) {
    status.textContent = t("noProcedures", { name: acting.name });
    ctx.announce(status.textContent, true);
    return;
  }
  let jwks = null;
  // choices kept across reloads/offline (only one's own: nothing of someone acted for is stored)
  const drafts = acting ? {} : (await ctx.store.get("consents.drafts")) || {};
  const keepDrafts = async () => { if (!acting) await ctx.store.set("consents.drafts", drafts); };

  async function keys() {
    jwks = jwks || (await serviceKeys());
    return jwks;
  }

  function failed(exc) {
    const message = exc && exc.message === "no device key"
      ? t("noKey")
      : t("error", { message: (exc && (exc.detail || exc.title || exc.message)) || "" });
    status.textContent = message;
    ctx.announce(message, true);
  }

  async function receiptBox(consent, answer, container) {
    let claims = null;
    try {
      claims = await verifyReceipt(answer, await keys(), consent.id);
    } catch (exc) {
      if (!(exc instanceof JwsError)) throw exc;
    }
    const box = el("section", { class: "receipt", "aria-label": t("receiptTitle") });
    box.append(el("h4", { text: t("receiptTitle") }));
    box.append(el("p", { class: claims ? "notice ok" : "notice error", text: claims ? t("receiptValid") : t("receiptInvalid") }));
    if (claims) {
      const typeNames = Object.fromEntries(consent.items.map((i) => [i.type, i.type_name]));
      const labels = {};
      for (const item of consent.items) for (const c of [...(item.claims || []), ...(item.always_shared || [])]) labels[c.name] = c.label;
      const shared = (claims.approved || []).map((a) =>
        (typeNames[a.type] || a.type) + ": " + (a.claims ? a.claims.map((n) => labels[n] || n).join(", ") : t("whole")));
      box.append(facts([
        [t("agency"), claims.pii_controller && claims.pii_controller.name],
        [t("purpose"), claims.purpose && claims.purpose.description],
        [t("caseNumber"), claims.purpose && claims.purpose.case_number],
        [t("state"), stateWord(claims.state)],
        [t("decidedAt"), claims.consent_given_at ? ctx.formatDateTime(claims.consent_given_at) : ""],
        [t("decidedBy"), claims.delegate ? t("byDelegate") : ""],
        [t("shared"), shared.length ? shared.join("; ") : t("sharedNothing")],
      ]));
    }
    container.querySelectorAll("section.receipt").forEach((old) => old.remove());
    container.append(box);
    return claims;
  }

  async function decide(consent, card, decision, items) {
    if (!ctx.online()) {
      status.textContent = t("offline");
      ctx.announce(t("offline"), true);
      return;
    }
    card.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    try {
      const claims = { consent_id: consent.id, decision, items, iat: Math.floor(Date.now() / 1000), jti: randomId() };
      if (acting) claims.act = { sub: ctx.citizenId, mandate_id: acting.mandate_id }; // RFC 8693 actor
      const token = await signJws(await deviceKey(ctx), claims, { typ: DECISION_TYP });
      const answer = await api.post("/v1/me/consents/" + encodeURIComponent(consent.id) + "/decision", { decision: token });
      delete drafts[consent.id];
      await keepDrafts();
      await refresh();
      const verified = await showReceiptFor(consent, answer);
      const message = verified ? t(decision === "approve" ? "approved" : "denied") : t("receiptInvalid");
      status.textContent = message;
      ctx.announce(message, !verified);
    } catch (exc) {
      failed(exc);
    } finally {
      card.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    }
  }

  async function showReceiptFor(consent, answer) {
    const card = root.querySelector(`[data-consent="${CSS.escape(consent.id)}"]`);
    return card ? receiptBox(consent, answer, card) : null;
  }

  function pendingCard(consent) {
    const id = "c-" + consent.id;
    const card = el("article", { class: "card consent", "data-consent": consent.id, "aria-labelledby": id + "-h" });
    const asks = acting ? t("asksFor", { agency: consent.agency_name, name: acting.name }) : t("asks", { agency: consent.agency_name });
    card.append(el("h3", { id: id + "-h", text: asks }));
    card.append(facts([
      [t("agency"), consent.agency_name],
      [t("purpose"), consent.purpose],
      [t("procedure"), `${consent.procedure_name} (${consent.procedure_code})`],
      [t("caseNumber"), consent.case_number],
      [t("validUntil"), ctx.formatDateTime(consent.valid_until)],
      [t("uses"), t("usesValue", { max: consent.max_uses, uses: consent.uses })],
      [t("retention"), t("retentionValue", { days: consent.retention_days })],
    ]));
    const draft = drafts[consent.id] || {};
    const choices = {};
    const save = () => { drafts[consent.id] = choices; keepDrafts(); };
    card.append(el("h4", { text: t("asked") }));
    for (const item of consent.items) {
      const itemId = `${id}-i${item.index}`;
      const options = candidatesOf(item);
      const fallback = defaultCandidate(item);
      const kept = draft[item.index];
      const choice = {
        share: kept ? kept.share : fallback !== null,
        candidate: (kept && options.find((c) => c.id === kept.candidateId)) || fallback,
        claims: kept && kept.claims ? kept.claims : item.claims ? item.claims.map((c) => c.name) : null,
      };
      const record = () => {
        choices[item.index] = { ...choice, candidateId: choice.candidate ? choice.candidate.id : null };
        save();
      };
      choices[item.index] = choice;
      const box = el("fieldset", { class: "item", id: itemId });
      box.append(el("legend", { text: item.type_name }));
      const toggle = el("input", { type: "checkbox", id: itemId + "-share", checked: choice.share, disabled: !options.length });
      toggle.addEventListener("change", () => { choice.share = toggle.checked; record(); });
      box.append(el("div", { class: "check" }, toggle, el("label", { for: itemId + "-share", text: t("share", { type: item.type_name }) })));
      if (item.claims) {
        box.append(el("p", { text: t("onlyThese") }));
        const list = el("ul", { class: "claims" });
        for (const claim of item.claims) {
          const box2 = el("input", { type: "checkbox", id: `${itemId}-${claim.name}`, checked: choice.claims.includes(claim.name), "data-claim": claim.name });
          box2.addEventListener("change", () => {
            choice.claims = item.claims.map((c) => c.name).filter((n) =>
              n === claim.name ? box2.checked : choice.claims.includes(n));
            record();
          });
          list.append(el("li", { class: "check" }, box2, el("label", { for: `${itemId}-${claim.name}`, text: claim.label })));
        }
        box.append(list);
      } else {
        box.append(el("p", { text: t("whole") }));
      }
      if (item.always_shared && item.always_shared.length) {
        box.append(el("p", { class: "meta", text: t("always", { labels: item.always_shared.map((c) => c.label).join(", ") }) }));
      }
      if (!options.length || !fallback) box.append(el("p", { class: "notice warn", text: t("nothing") }));
      if (options.length) {
        const group = el("fieldset", { class: "which" }, el("legend", { text: t("which") }));
        const warn = el("p", { class: "notice warn", hidden: true });
        const showWarn = () => {
          const s = choice.candidate ? choice.candidate.status || "valid" : "valid";
          warn.hidden = s === "valid";
          warn.textContent = s === "valid" ? "" : t("invalidChosen", { status: statusWord(s).toLowerCase() });
        };
        options.forEach((cand, n) => {
          const radioId = `${itemId}-c${n}`;
          const radio = el("input", { type: "radio", name: itemId + "-which", id: radioId, value: cand.id,
            checked: choice.candidate && choice.candidate.id === cand.id });
          radio.addEventListener("change", () => { if (radio.checked) { choice.candidate = cand; showWarn(); record(); } });
          const bits = [cand.label, t(cand.provenance === "issued" ? "issued" : "uploaded"),
            t("added", { date: ctx.formatDate(cand.created_at) }), statusWord(cand.status)];
          group.append(el("div", { class: "check" + ((cand.status || "valid") === "valid" ? "" : " invalid") }, radio,
            el("label", { for: radioId, text: bits.join(" · ") })));
        });
        group.append(warn);
        showWarn();
        box.append(group);
      }
      card.append(box);
    }
    const approve = el("button", { type: "button", class: "primary", "data-action": "approve", text: t("approve") });
    const deny = el("button", { type: "button", class: "secondary", "data-action": "deny", text: t("deny") });
    approve.addEventListener("click", () => {
      const items = decisionItems(consent, choices);
      if (!items.length) {
        status.textContent = t("nothingChosen");
        ctx.announce(t("nothingChosen"), true);
        return;
      }
      decide(consent, card, "approve", items);
    });
    deny.addEventListener("click", () => decide(consent, card, "deny", []));
    card.append(el("div", { class: "actions" }, approve, deny));
    return card;
  }

  function decidedCard(consent) {
    const id = "c-" + consent.id;
    const card = el("article", { class: "card consent", "data-consent": consent.id, "aria-labelledby": id + "-h" });
    card.append(el("h3", { id: id + "-h", text: `${consent.agency_name}: ${stateWord(consent.state)}` }));
    const shared = consent.approved.map((a) =>
      a.type_name + ": " + (a.claims ? a.claims.map((c) => c.label).join(", ") : t("whole")));
    card.append(facts([
      [t("purpose"), consent.purpose],
      [t("procedure"), `${consent.procedure_name} (${consent.procedure_code})`],
      [t("caseNumber"), consent.case_number],
      [t("state"), stateWord(consent.state)],
      [t("decidedAt"), consent.decided_at ? ctx.formatDateTime(consent.decided_at) : ""],
      [t("validUntil"), ctx.formatDateTime(consent.valid_until)],
      [t("uses"), t("usesValue", { max: consent.max_uses, uses: consent.uses })],
      [t("shared"), shared.length ? shared.join("; ") : t("sharedNothing")],
    ]));
    const actions = el("div", { class: "actions" });
    const receipt = el("button", { type: "button", class: "secondary", "data-action": "receipt", text: t("receipt") });
    receipt.addEventListener("click", async () => {
      try {
        const answer = await api.get("/v1/me/consents/" + encodeURIComponent(consent.id) + "/receipt");
        const verified = await receiptBox(consent, answer, card);
        ctx.announce(verified ? t("receiptValid") : t("receiptInvalid"), !verified);
      } catch (exc) {
        failed(exc);
      }
    });
    actions.append(receipt);
    if (!acting && Number(consent.uses) > 0) { // the agency received data: it may be asked to delete it
      actions.append(el("a", { href: "#/rights", class: "button", "data-action": "ask-deletion", text: t("askDeletion") }));
    }
    if (consent.state === "approved" && !acting) { // withdrawing is the owner's alone
      const revoke = el("button", { type: "button", class: "danger", "data-action": "revoke", text: t("revoke") });
      revoke.addEventListener("click", async () => {
        if (!ctx.online()) {
          status.textContent = t("offline");
          ctx.announce(t("offline"), true);
          return;
        }
        try {
          const answer = await ctx.api.post("/v1/me/consents/" + encodeURIComponent(consent.id) + "/revoke");
          await refresh();
          const verified = await showReceiptFor(consent, answer);
          const message = verified ? t("revoked") : t("receiptInvalid");
          status.textContent = message;
          ctx.announce(message, !verified);
        } catch (exc) {
          failed(exc);
        }
      });
      actions.append(revoke);
    }
    card.append(actions);
    return card;
  }

  async function all() {
    const out = [];
    let cursor = null;
    do {
      const query = { limit: PAGE };
      if (cursor) query.cursor = cursor;
      const page = await api.get("/v1/me/consents", query);
      out.push(...(page.items || []));
      cursor = page.next_cursor;
    } while (cursor && out.length < 500);
    return out;
  }

  async function refresh() {
    const consents = await all();
    const pending = consents.filter((c) => c.state === "pending");
    const decided = consents.filter((c) => c.state !== "pending");
    pendingList.replaceChildren(...(pending.length ? pending.map(pendingCard) : [el("p", { text: t("none") })]));
    decidedList.replaceChildren(...(decided.length ? decided.map(decidedCard) : [el("p", { text: t("noneDecided") })]));
    return pending.length;
  }

  status.textContent = t("loading");
  try {
    await refresh();
    status.textContent = "";
  } catch (exc) {
    failed(exc);
  }
}
