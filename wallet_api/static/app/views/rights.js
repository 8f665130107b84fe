// The citizen's rights requests (docs/rights.md): deletion of what an agency received under a
// consent, and correction of a credential's claim. Lists both with their status (open, overdue,
// answered, refused), the due date and the agency's answer; a deletion attestation is checked here,
// on this device, against the agency's keys in the service-signed trust list (as `wallet-mobile
// rights deletion list` does), and shown as deleted only when it verifies. Asking a deletion is
// offered for each consent under which the agency actually received data; a correction is asked
// from a certificate's page (views/credentials.js). The wording is the phone client's
// (mobile_stub/cli_rights_requests.py; a test holds the two together).
import { el, field, heading, notice } from "../lib/dom.js";
import { catalog } from "../lib/catalog.js";
import { JwsError, verifyWithJwks } from "../lib/jws.js";
import { serviceKeys } from "./log.js";

const ATTESTATION_TYP = "deletion-attestation+jwt";
const TRUST_TYP = "trust-list+jwt";
const PAGE = 50;
const DEADLINE_MS = 10_000;

export const texts = {
  vi: {
    title: "Yêu cầu xoá và sửa dữ liệu",
    intro: "Bạn có quyền yêu cầu cơ quan xoá dữ liệu của bạn mà cơ quan đã nhận, và yêu cầu cơ quan cấp sửa thông tin sai trong chứng nhận. Cơ quan phải trả lời đúng hạn; mọi bước đều được ghi vào nhật ký của bạn.",
    loading: "Đang tải các yêu cầu…",
    deletions: "Yêu cầu xoá dữ liệu",
    corrections: "Yêu cầu sửa thông tin",
    noDeletions: "Chưa có yêu cầu xoá nào",
    noCorrections: "Chưa có yêu cầu sửa nào",
    correctionHint: "Để yêu cầu sửa, mở một chứng nhận trong mục Chứng nhận và chọn “Yêu cầu sửa thông tin”.",
    toCredentials: "Đến mục Chứng nhận",
    status: {
      open: "đang chờ trả lời",
      overdue: "QUÁ HẠN, đã báo đơn vị vận hành",
      answered: "đã trả lời",
      refused: "bị từ chối",
    },
    stateLabel: "Tình trạng",
    agency: "Cơ quan",
    procedure: "Thủ tục",
    caseNumber: "Hồ sơ số",
    askedAt: "Ngày yêu cầu",
    due: "Hạn trả lời",
    answeredAt: "Ngày trả lời",
    note: "Ghi chú của bạn",
    auto: "ví tự hỏi: hết hạn lưu giữ",
    legalBasis: "Căn cứ pháp lý",
    reason: "Lý do",
    claim: "Thông tin sai",
    proposed: "Thông tin đúng",
    reissued: "Đã cấp lại (bản cũ đã thu hồi)",
    deleted: "✓ Đã xoá (chữ ký hợp lệ): {what}",
    deletedWhen: "lúc {when}; các bản sao: {copies}",
    notVerified: "✗ Xác nhận xoá KHÔNG kiểm chứng được",
    notVerifiedText: "Đừng coi dữ liệu là đã xoá: chữ ký của cơ quan không khớp với khoá cơ quan đã đăng ký.",
    askTitle: "Yêu cầu cơ quan xoá dữ liệu đã nhận",
    askIntro: "Những cơ quan dưới đây đã lấy dữ liệu của bạn theo sự đồng ý của bạn. Bạn có thể yêu cầu họ xoá những gì đã nhận.",
    askNone: "Không có cơ quan nào đã nhận dữ liệu của bạn mà chưa được yêu cầu xoá.",
    pulled: "Đã lấy {uses} lần",
    askNote: "Ghi chú cho cơ quan (không bắt buộc)",
    ask: "Yêu cầu {agency} xoá dữ liệu đã nhận",
    asked: "Đã gửi yêu cầu xoá tới {agency}. Hạn trả lời: {due}",
    offline: "Cần kết nối mạng. Những gì bạn đã điền vẫn được giữ.",
    error: "Không thực hiện được: {message}",
  },
  en: {
    title: "Deletion and correction requests",
    intro: "You may ask an agency to delete the data of yours it received, and ask an issuer to correct wrong information in a certificate. Agencies must answer in time; every step is recorded in your log.",
    loading: "Loading the requests…",
    deletions: "Deletion requests",
    corrections: "Correction requests",
    noDeletions: "No deletion requests",
    noCorrections: "No correction requests",
    correctionHint: "To ask for a correction, open a certificate under Certificates and choose “Ask for a correction”.",
    toCredentials: "Go to Certificates",
    status: {
      open: "waiting for an answer",
      overdue: "OVERDUE, escalated to the operator",
      answered: "answered",
      refused: "refused",
    },
    stateLabel: "Status",
    agency: "Agency",
    procedure: "Procedure",
    caseNumber: "Case number",
    askedAt: "Asked on",
    due: "Answer due",
    answeredAt: "Answered on",
    note: "Your note",
    auto: "asked by the wallet: retention passed",
    legalBasis: "Legal basis",
    reason: "Reason",
    claim: "Wrong information",
    proposed: "What is right",
    reissued: "Re-issued (old one revoked)",
    deleted: "✓ Deleted (signature valid): {what}",
    deletedWhen: "at {when}; copies: {copies}",
    notVerified: "✗ Deletion attestation does NOT verify",
    notVerifiedText: "Do not take the data as deleted: the agency's signature does not match the keys it registered.",
    askTitle: "Ask an agency to delete what it received",
    askIntro: "The agencies below fetched data of yours under your consent. You may ask them to delete what they received.",
    askNone: "No agency received data of yours that you have not yet asked to delete.",
    pulled: "Fetched {uses} times",
    askNote: "A note for the agency (optional)",
    ask: "Ask {agency} to delete what it received",
    asked: "Deletion asked of {agency}. Answer due: {due}",
    offline: "This needs the network. What you typed is kept.",
    error: "That did not work: {message}",
  },
};

// -- the deletion attestation, checked on this device ------------------------------------------

/** The agencies of the service-signed trust list ({id: entry with jwks}), or null if it cannot be
 * read and verified. */
export async function signedAgencies() {
  try {
    const [jwks, response] = await Promise.all([
      serviceKeys(),
      fetch("/v1/trust-list", { credentials: "omit", cache: "no-store", signal: AbortSignal.timeout(DEADLINE_MS) }),
    ]);
    if (!response.ok) return null;
    const { claims } = await verifyWithJwks((await response.text()).trim(), jwks, { typ: TRUST_TYP });
    return Object.fromEntries((claims.agencies || []).map((a) => [a.id, a]));
  } catch (_) {
    return null; // not verified (a bad signature, no network, no keys): nothing is shown as deleted
  }
}

/** The attestation's claims if a key the agency registered signed it (ES256, its typ) and it names
 * this very request, consent and agency; else null (never shown as deleted). */
export async function checkAttestation(item, agencies) {
  const agency = agencies && agencies[item.agency_id];
  if (typeof item.attestation !== "string" || !agency || !agency.jwks) return null;
  try {
    const { claims } = await verifyWithJwks(item.attestation, agency.jwks, { typ: ATTESTATION_TYP });
    const same = claims.request_id === item.id && claims.consent_id === item.consent_id && claims.iss === item.agency_id;
    return same ? claims : null;
  } catch (error) {
    if (error instanceof JwsError) return null;
    throw error;
  }
}

// -- the view -------------------------------------------------------------------------------------

function facts(rows) {
  const dl = el("dl", { class: "claims" });
  for (const [term, value] of rows) {
    if (value === undefined || value === null || value === "") continue;
    dl.append(el("dt", {}, term), el("dd", {}, String(value)));
  }
  return dl;
}

export async function render(root, ctx) {
  const tr = (key, vars) => ctx.t(texts, key, vars);
  const words = texts[ctx.lang] || texts.vi;
  const statusWord = (s) => words.status[s] || s;
  const types = await catalog(ctx);
  const claimLabel = (name) => {
    for (const entry of Object.values(types)) {
      const label = entry.claims && entry.claims[name];
      if (label) return ctx.lang === "en" ? label[1] : label[0];
    }
    return name;
  };
  const status = el("div", { id: "rights-status" });
  const deletions = el("ul", { class: "cards", id: "deletions" });
  const corrections = el("ul", { class: "cards", id: "corrections" });
  const askList = el("ul", { class: "cards", id: "deletion-ask" });
  const say = (kind, message) => {
    status.replaceChildren(notice(kind, message));
    ctx.announce(message, kind === "error");
  };
  const problem = (error) => error.detail || error.title || String(error);
  const drafts = (await ctx.store.get("rights.drafts")) || {}; // notes typed, kept until sent

  root.append(
    heading(tr("title")),
    el("p", {}, tr("intro")),
    status,
    el("section", { "aria-labelledby": "deletions-title" }, el("h2", { id: "deletions-title" }, tr("deletions")), deletions),
    el("section", { "aria-labelledby": "corrections-title" },
      el("h2", { id: "corrections-title" }, tr("corrections")),
      corrections,
      el("p", { class: "meta" }, tr("correctionHint")),
      el("p", { class: "actions" }, el("a", { href: "#/credentials", class: "button" }, tr("toCredentials")))),
    el("section", { "aria-labelledby": "ask-title" },
      el("h2", { id: "ask-title" }, tr("askTitle")), el("p", {}, tr("askIntro")), askList),
  );

  async function deletionCard(item, agencies) {
    const card = el("li", { class: "card", dataset: { request: item.id, status: item.status } },
      el("h3", {}, item.agency_name),
      el("p", {}, el("span", { class: "badge " + (item.status === "answered" ? "valid" : item.status === "open" ? "" : "revoked") }, statusWord(item.status)),
        item.origin === "retention" ? ` (${tr("auto")})` : ""),
      facts([
        [tr("procedure"), item.procedure_code],
        [tr("caseNumber"), item.case_number],
        [tr("askedAt"), ctx.formatDateTime(item.created_at)],
        [tr("due"), ctx.formatDateTime(item.due_at)],
        [tr("answeredAt"), item.answered_at ? ctx.formatDateTime(item.answered_at) : ""],
        [tr("note"), item.note],
        [tr("legalBasis"), item.refusal],
      ]));
    if (item.attestation) {
      const claims = await checkAttestation(item, agencies);
      if (claims) {
        const when = ctx.formatDateTime(new Date(Number(claims.deleted_at) * 1000).toISOString());
        card.append(el("div", { class: "notice ok attestation", dataset: { verified: "true" } },
          el("p", {}, tr("deleted", { what: String(claims.what || "") })),
          el("p", {}, tr("deletedWhen", { when, copies: (claims.copies || []).map(String).join(", ") }))));
      } else {
        card.append(el("div", { class: "notice error attestation", dataset: { verified: "false" } },
          el("p", {}, tr("notVerified")), el("p", {}, tr("notVerifiedText"))));
      }
    }
    return card;
  }

  function correctionCard(item) {
    return el("li", { class: "card", dataset: { request: item.id, status: item.status } },
      el("h3", {}, item.agency_name),
      el("p", {}, el("span", { class: "badge " + (item.status === "answered" ? "valid" : item.status === "open" ? "" : "revoked") }, statusWord(item.status))),
      facts([
        [tr("claim"), claimLabel(item.claim)],
        [tr("proposed"), item.proposed],
        [tr("askedAt"), ctx.formatDateTime(item.created_at)],
        [tr("due"), ctx.formatDateTime(item.due_at)],
        [tr("answeredAt"), item.answered_at ? ctx.formatDateTime(item.answered_at) : ""],
        [tr("note"), item.note],
        [tr("reason"), item.refusal],
      ]),
      item.reissued_credential_id ? el("p", { class: "notice ok" }, tr("reissued")) : null);
  }

  function askCard(consent) {
    const id = "ask-" + consent.id;
    const note = field(id + "-note", tr("askNote"), { tag: "textarea", maxlength: "1000", rows: "2" });
    note.input.value = drafts[consent.id] || "";
    note.input.addEventListener("input", () => {
      drafts[consent.id] = note.input.value;
      ctx.store.set("rights.drafts", drafts);
    });
    const send = el("button", { type: "button", class: "primary", dataset: { askDeletion: consent.id } }, tr("ask", { agency: consent.agency_name }));
    send.addEventListener("click", async () => {
      if (!ctx.online()) return say("warn", tr("offline"));
      send.disabled = true;
      try {
        const text = note.input.value.trim();
        const made = await ctx.api.post(`/v1/me/consents/${encodeURIComponent(consent.id)}/deletion-requests`, text ? { note: text } : {});
        delete drafts[consent.id];
        await ctx.store.set("rights.drafts", drafts);
        await load();
        say("ok", tr("asked", { agency: made.agency_name, due: ctx.formatDateTime(made.due_at) }));
      } catch (error) {
        send.disabled = false;
        say("error", tr("error", { message: problem(error) }));
      }
    });
    return el("li", { class: "card", dataset: { consent: consent.id } },
      el("h3", {}, consent.agency_name),
      facts([
        [tr("procedure"), `${consent.procedure_name} (${consent.procedure_code})`],
        [tr("caseNumber"), consent.case_number],
      ]),
      el("p", { class: "meta" }, tr("pulled", { uses: consent.uses })),
      note.wrap,
      el("p", { class: "actions" }, send));
  }

  async function consentsPulled() {
    const out = [];
    let cursor = null;
    do {
      const page = await ctx.api.get("/v1/me/consents", cursor ? { limit: PAGE, cursor } : { limit: PAGE });
      out.push(...(page.items || []));
      cursor = page.next_cursor;
    } while (cursor && out.length < 500);
    return out.filter((c) => Number(c.uses) > 0);
  }

  async function load() {
    const [asked, fixes, pulled] = await Promise.all([
      ctx.api.get("/v1/me/deletion-requests"),
      ctx.api.get("/v1/me/corrections"),
      consentsPulled(),
    ]);
    const agencies = asked.items.some((i) => i.attestation) ? await signedAgencies() : null;
    const deletionCards = await Promise.all(asked.items.map((i) => deletionCard(i, agencies)));
    deletions.replaceChildren(...(deletionCards.length ? deletionCards : [el("li", {}, tr("noDeletions"))]));
    corrections.replaceChildren(...(fixes.items.length ? fixes.items.map(correctionCard) : [el("li", {}, tr("noCorrections"))]));
    const already = new Set(asked.items.map((i) => i.consent_id));
    const open = pulled.filter((c) => !already.has(c.id));
    askList.replaceChildren(...(open.length ? open.map(askCard) : [el("li", {}, tr("askNone"))]));
  }

  status.replaceChildren(notice("info", tr("loading")));
  try {
    await load();
    status.replaceChildren();
  } catch (error) {
    say(error.code === "network" ? "warn" : "error", error.code === "network" ? tr("offline") : tr("error", { message: problem(error) }));
  }
}
