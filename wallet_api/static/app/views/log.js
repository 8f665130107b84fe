// The access log: who did what with the citizen's data, in plain words, every entry proved in the
// browser. The last signed head this browser accepted is kept (ctx.store, per citizen); a new page
// is shown only if its head is signed by the service, extends the accepted one (consistency
// proof), and each entry is in the tree (inclusion proof over the exact bytes received, worded
// here). Any failure shows a warning and leaves the accepted head where it was.

import { checkPage, headRecord, LogInconsistent, verifyHeadConsistency, verifyTreeHead } from "../lib/proofs.js";

export const PAGE = 20;
const JWKS_PATH = "/.well-known/jwks.json";
const DEADLINE_MS = 15000;

export const texts = {
  vi: {
    title: "Nhật ký truy cập",
    intro: "Ai đã xem, cấp hoặc kiểm tra dữ liệu của bạn. Mỗi dòng được kiểm chứng ngay trên máy này.",
    loading: "Đang tải và kiểm chứng nhật ký…",
    verified: "Đã kiểm chứng nhật ký: {size} mục (lần trước: {before})",
    empty: "Chưa có ai truy cập dữ liệu của bạn",
    older: "Xem các mục cũ hơn",
    warning: "CẢNH BÁO: nhật ký truy cập đã bị sửa hoặc xoá",
    warningDetail:
      "Nhật ký máy chủ gửi không khớp với bản đã kiểm chứng trước đây trên máy này. " +
      "Các mục không kiểm chứng được sẽ không được hiển thị. Hãy báo cho đơn vị vận hành ví.",
    retry: "Thử lại",
    offline: "Cần kết nối mạng để xem nhật ký truy cập",
    error: "Không tải được nhật ký: {message}",
    entries: "Các lần truy cập, mới nhất trước",
  },
  en: {
    title: "Access log",
    intro: "Who read, issued or checked your data. Every line is verified on this device.",
    loading: "Loading and verifying the log…",
    verified: "Log verified: {size} entries (last time: {before})",
    empty: "Nobody has accessed your data",
    older: "Show older entries",
    warning: "WARNING: the access log was tampered with",
    warningDetail:
      "The log the server sent does not match what this device verified before. " +
      "Entries that cannot be verified are not shown. Please tell the wallet's operator.",
    retry: "Try again",
    offline: "You need a network connection to see the access log",
    error: "The log could not be loaded: {message}",
    entries: "Accesses, newest first",
  },
};

// -- wording: the same sentences as wallet-mobile log (crypto/transparency/wording.py) ----------

const VERBS = {
  read: ["đã xem", "read"],
  issue: ["đã cấp", "issued"],
  revoke: ["đã thay đổi trạng thái", "changed the status of"],
  verify: ["đã kiểm tra", "verified"],
  lookup: ["đã tra cứu", "looked up"],
  "request-paused": ["đã bị chặn khi xin", "was blocked asking for"],
  incident: ["đã thông báo", "reported"],
  "credential-reissue": ["đã cấp lại", "re-issued"],
  decide: ["đã trả lời", "answered"],
  present: ["đã xuất trình", "presented"],
  visit: ["đã mở tại quầy một cửa", "opened at the one-stop counter"],
};
const ON_BEHALF = "mandate:"; // agency_id prefix: a delegate did it for you (agency_name: the delegate)
const ACTING_FOR = "acting-for:"; // agency_id prefix: you did it for someone (agency_name: them)
// The purpose names "delegate → represented"; who did it, agency_name.
const MANDATE_EVENTS = {
  "mandate-grant": ["{actor} đã lập uỷ quyền: {subject}", "{actor} granted a mandate: {subject}"],
  "mandate-end": ["{actor} đã chấm dứt uỷ quyền: {subject}", "{actor} ended a mandate: {subject}"],
};
// The subject device's name is the entry's purpose; who did it, its agency_name.
const DEVICE_EVENTS = {
  "device-add": [
    'Thiết bị mới "{subject}" đã được thêm vào ví của bạn, do thiết bị "{actor}" phê duyệt',
    'New device "{subject}" was added to your wallet, approved by device "{actor}"',
  ],
  "device-revoke": [
    'Thiết bị "{subject}" đã bị thu hồi khỏi ví của bạn, bởi thiết bị "{actor}"',
    'Device "{subject}" was revoked from your wallet by device "{actor}"',
  ],
  "recovery-start": [
    'Yêu cầu khôi phục ví cho thiết bị mới "{subject}" đã bắt đầu, xác minh bởi {actor}; ' +
      "nếu không phải bạn, hãy huỷ trên thiết bị bạn còn giữ",
    'A recovery of your wallet for new device "{subject}" was started, vouched for by {actor}; ' +
      "if it was not you, cancel it on a device you still hold",
  ],
  "recovery-cancel": [
    'Yêu cầu khôi phục ví cho thiết bị "{subject}" đã bị huỷ bởi thiết bị "{actor}"',
    'The recovery of your wallet for device "{subject}" was cancelled by device "{actor}"',
  ],
  "recovery-complete": [
    'Khôi phục ví đã hoàn tất: thiết bị "{subject}" thay thế mọi thiết bị cũ (xác minh bởi {actor})',
    'The recovery of your wallet completed: device "{subject}" replaced every earlier device ' +
      "(vouched for by {actor})",
  ],
  "recovery-expire": [
    'Yêu cầu khôi phục ví cho thiết bị "{subject}" đã hết hạn vì thiết bị đó không quay lại ' +
      "sau thời gian chờ; ví của bạn không thay đổi",
    'The recovery of your wallet for device "{subject}" expired: that device never came back after ' +
      "the cooling-off; your wallet is unchanged",
  ],
  "enrol-attempt": [
    'Một thiết bị lạ (khoá "{subject}") đã thử đăng ký ví mới bằng số CCCD của bạn; ví của bạn ' +
      "không thay đổi. Nếu đó là bạn, hãy ghép thiết bị đó từ thiết bị này",
    'A device unknown to your wallet (key "{subject}") tried to enrol a new wallet with your CCCD; ' +
      "your wallet is unchanged. If it was you, pair that device from this one",
  ],
  "card-issue": [
    "{actor} đã cấp thẻ ví cho bạn ({subject}); mọi thẻ cũ không còn dùng được",
    "{actor} issued you a wallet card ({subject}); every earlier card no longer works",
  ],
  "card-refused": [
    "{actor} đã thử cấp thẻ ví cho số CCCD của bạn tại quầy nhưng mã PIN không khớp; ví và thẻ " +
      "của bạn không thay đổi",
    "{actor} tried to issue a wallet card for your CCCD at the counter but the PIN did not match; " +
      "your wallet and card are unchanged",
  ],
};
// The citizen's requests to an agency: {agency}, {what_*} (the type, lower case), {why} (the purpose).
const REQUEST_EVENTS = {
  "deletion-asked": [
    "Bạn đã yêu cầu {agency} xoá dữ liệu của bạn mà cơ quan đã nhận{procedure_vi}",
    "You asked {agency} to delete the data of yours it received{procedure_en}",
  ],
  "deletion-auto-asked": [
    "Ví đã tự động yêu cầu {agency} xoá dữ liệu của bạn vì thời hạn lưu giữ cơ quan đã cam kết " + "đã hết{procedure_vi}",
    "The wallet asked {agency} to delete your data: the retention it promised has passed{procedure_en}",
  ],
  "deletion-attested": [
    "{agency} đã xác nhận có chữ ký rằng đã xoá dữ liệu của bạn{procedure_vi}",
    "{agency} attested, signed, that it deleted your data{procedure_en}",
  ],
  "deletion-refused": [
    "{agency} đã từ chối xoá dữ liệu của bạn{procedure_vi}, căn cứ pháp lý: {why}",
    "{agency} refused to delete your data{procedure_en}, legal basis: {why}",
  ],
  "correction-asked": [
    "Bạn đã yêu cầu {agency} sửa thông tin trong {what_vi} của bạn ({why})",
    "You asked {agency} to correct your {what_en} ({why})",
  ],
  "correction-reissued": [
    "{agency} đã sửa và cấp lại {what_vi} của bạn; bản cũ đã bị thu hồi",
    "{agency} corrected and re-issued your {what_en}; the old one is revoked",
  ],
  "correction-refused": [
    "{agency} đã từ chối sửa {what_vi} của bạn, lý do: {why}",
    "{agency} refused to correct your {what_en}, reason: {why}",
  ],
  "request-overdue": [
    "{agency} chưa trả lời {what_vi} của bạn đúng hạn; đơn vị vận hành ví đã được báo",
    "{agency} has not answered your {what_en} in time; the wallet's operator was told",
  ],
};
// What the log names that is not a document type of the catalog.
const OWN_NAMES = {
  "device-key": ["Khoá thiết bị", "Device key"],
  device: ["Thiết bị", "Device"],
  consent: ["Yêu cầu đồng ý", "Consent request"],
  documents: ["Danh sách giấy tờ", "Document list"],
  visit: ["Phiên làm việc", "Visit"],
  presentation: ["Bản trình bày giấy tờ", "Presented credential"],
  "consent-request": ["Sự đồng ý (bạn đã tạm dừng các yêu cầu này)", "Consent (you paused such requests)"],
  incident: ["Sự cố lộ lọt dữ liệu", "Data breach"],
  "deletion-request": ["Yêu cầu xoá dữ liệu", "Deletion request"],
  "correction-request": ["Yêu cầu sửa thông tin", "Correction request"],
};
const NO_PROCEDURE = "-";

const lowerFirst = (text) => text.slice(0, 1).toLowerCase() + text.slice(1);
const pad = (n, width = 2) => String(n).padStart(width, "0");

function partition(text, separator) {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + separator.length)];
}

const fill = (template, fields) => template.replace(/\{(\w+)\}/g, (match, name) => (name in fields ? String(fields[name]) : match));

// Vietnam time (UTC+7), as the phone words it: [" lúc HH:MM ngày DD/MM/YYYY", " at HH:MM on YYYY-MM-DD"].
function when(at) {
  const d = new Date((at + 7 * 3600) * 1000);
  const hm = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  const [y, m, day] = [pad(d.getUTCFullYear(), 4), pad(d.getUTCMonth() + 1), pad(d.getUTCDate())];
  return [` lúc ${hm} ngày ${day}/${m}/${y}`, ` at ${hm} on ${y}-${m}-${day}`];
}

function typeWords(entry, typeNames) {
  const names = typeNames || OWN_NAMES[entry.resource_type] || null;
  return names ? [lowerFirst(names[0]), lowerFirst(names[1])] : [entry.resource_type, entry.resource_type];
}

// Events whose subject is a fixed "Vietnamese / English" phrase (wording.py _BILINGUAL_SUBJECT).
const BILINGUAL_SUBJECT = new Set(["card-issue"]);

// A verified entry as [Vietnamese, English]; `typeNames` / `procedureNames`: [vi, en] or null.
// The same sentences as crypto/transparency/wording.py `describe`.
export function describe(entry, typeNames, procedureNames) {
  const [atVi, atEn] = when(entry.at);
  let vi;
  let en;
  const events = DEVICE_EVENTS[entry.action] || MANDATE_EVENTS[entry.action];
  if (events) {
    // A card event's subject is a fixed "vi / en" phrase: each sentence takes its own half.
    const split = BILINGUAL_SUBJECT.has(entry.action) && entry.purpose.includes(" / ");
    const halves = split ? [entry.purpose.slice(0, entry.purpose.indexOf(" / ")),
      entry.purpose.slice(entry.purpose.indexOf(" / ") + 3)] : [entry.purpose, entry.purpose];
    [vi, en] = events.map((t, i) => fill(t, { subject: halves[i], actor: entry.agency_name }));
  } else if (REQUEST_EVENTS[entry.action]) {
    const [whatVi, whatEn] = typeWords(entry, typeNames);
    let procedureVi = "";
    let procedureEn = "";
    if (entry.procedure_code !== NO_PROCEDURE) {
      procedureVi = ` cho thủ tục ${entry.procedure_code}` + (procedureNames ? ` ${procedureNames[0]}` : "");
      procedureEn = ` for procedure ${entry.procedure_code}` + (procedureNames ? ` ${procedureNames[1]}` : "");
      if (entry.case_number) {
        procedureVi += `, hồ sơ số ${entry.case_number}`;
        procedureEn += `, case ${entry.case_number}`;
      }
    }
    const fields = { agency: entry.agency_name, what_vi: whatVi, what_en: whatEn, why: entry.purpose, procedure_vi: procedureVi, procedure_en: procedureEn };
    [vi, en] = REQUEST_EVENTS[entry.action].map((t) => fill(t, fields));
  } else {
    const [verbVi, verbEn] = VERBS[entry.action] || [entry.action, entry.action];
    const [typeVi, typeEn] = typeWords(entry, typeNames);
    if (String(entry.agency_id).startsWith(ACTING_FOR)) {
      vi = `Bạn ${verbVi} ${typeVi} của ${entry.agency_name} (theo uỷ quyền)`;
      en = `You ${verbEn} the ${typeEn} of ${entry.agency_name} (under a mandate)`;
    } else {
      vi = `${entry.agency_name} ${verbVi} ${typeVi} của bạn`;
      en = `${entry.agency_name} ${verbEn} your ${typeEn}`;
    }
    if (String(entry.agency_id).startsWith(ON_BEHALF)) {
      vi += " thay bạn (theo uỷ quyền)";
      en += " for you (under a mandate)";
    }
    if (entry.procedure_code !== NO_PROCEDURE) {
      vi += ` cho thủ tục ${entry.procedure_code}` + (procedureNames ? ` ${procedureNames[0]}` : "");
      en += ` for procedure ${entry.procedure_code}` + (procedureNames ? ` ${procedureNames[1]}` : "");
      if (entry.case_number) {
        vi += `, hồ sơ số ${entry.case_number}`;
        en += `, case ${entry.case_number}`;
      }
      vi += ` (mục đích: ${entry.purpose})`;
      en += ` (purpose: ${entry.purpose})`;
    } else if (entry.action === "lookup" && entry.purpose) {
      const [whyVi, whyEn] = partition(entry.purpose, " / ");
      vi += ` (${lowerFirst(whyVi)})`;
      en += ` (${lowerFirst(whyEn || whyVi)})`;
      if (entry.case_number) {
        vi += `, hồ sơ số ${entry.case_number}`;
        en += `, case ${entry.case_number}`;
      }
    } else if (entry.action === "incident") {
      const [titleVi, titleEn] = partition(entry.purpose, " / ");
      vi = `${entry.agency_name} ${verbVi} một sự cố lộ lọt dữ liệu liên quan đến bạn: ${titleVi}`;
      en = `${entry.agency_name} ${verbEn} a data breach affecting you: ${titleEn || titleVi}`;
    }
  }
  return [(vi + atVi).normalize("NFC"), (en + atEn).normalize("NFC")];
}

// -- fetching and checking -------------------------------------------------------------------

export const headKey = (citizenId) => "log.head." + citizenId;

function citizenIdOf(ctx) {
  const me = ctx.citizen || {};
  return String(me.citizen_id || me.id || "");
}

export async function serviceKeys() {
  const response = await fetch(JWKS_PATH, { signal: AbortSignal.timeout(DEADLINE_MS), cache: "no-store" });
  if (!response.ok) throw new Error("jwks " + response.status);
  return response.json();
}

// One checked range [start, start + limit) of the log; the new head is accepted only after every
// check passed. The tamper cases throw LogInconsistent.
export async function loadChecked(ctx, { start, limit, jwks }) {
  const citizenId = citizenIdOf(ctx);
  const accepted = (await ctx.store.get(headKey(citizenId))) || null;
  const query = { start, limit };
  if (accepted && accepted.size > 0) query.since = accepted.size;
  let page;
  try {
    page = await ctx.api.get("/v1/me/log", query);
  } catch (exc) {
    if (exc && (exc.code === "access_log_corrupted" || (query.since !== undefined && exc.code === "invalid_request"))) {
      throw new LogInconsistent("the server refused the log or the accepted head: " + exc.code);
    }
    throw exc;
  }
  const checked = await checkPage(page, { jwks, citizenId, accepted, start, limit });
  await ctx.store.set(headKey(citizenId), headRecord(checked.head));
  return { ...checked, before: accepted ? accepted.size : 0 };
}

// The current size, from a signed head (only to choose where the newest page starts).
async function currentSize(ctx, jwks) {
  const citizenId = citizenIdOf(ctx);
  const data = await ctx.api.get("/v1/me/log/head");
  const head = await verifyTreeHead(String((data && data.tree_head) || ""), jwks, citizenId);
  const accepted = await ctx.store.get(headKey(citizenId));
  if (accepted && head.size < accepted.size) throw new LogInconsistent("the log shrank");
  return head.size;
}

// The service's current signed head, checked against the head this browser accepted before (a
// consistency proof) and then kept: what a device vouches for when it approves a pairing (the
// phone's `remembered_sth`). `head.token` is the signed head. LogInconsistent on any failure.
export async function latestVerifiedHead(ctx) {
  const jwks = await serviceKeys();
  const citizenId = citizenIdOf(ctx);
  const data = await ctx.api.get("/v1/me/log/head");
  const head = await verifyTreeHead(String((data && data.tree_head) || ""), jwks, citizenId);
  const accepted = (await ctx.store.get(headKey(citizenId))) || null;
  if (accepted && accepted.size > 0) {
    if (head.size < accepted.size) throw new LogInconsistent("the log shrank");
    const proof = head.size > accepted.size
      ? await ctx.api.get("/v1/me/log/proofs/consistency", { first: accepted.size, second: head.size })
      : null;
    await verifyHeadConsistency(accepted, head, proof);
  }
  await ctx.store.set(headKey(citizenId), headRecord(head));
  return head;
}

/** A new device's starting point: the head the approving device signed over when pairing, checked
 * (the service's signature, this citizen's log) and kept as the accepted head, so the log view
 * proves every later head consistent with it instead of trusting the first one it sees. */
export async function acceptPairedHead(ctx, token, citizenId) {
  const head = await verifyTreeHead(String(token || ""), await serviceKeys(), citizenId);
  await ctx.store.set(headKey(citizenId), headRecord(head));
  return head;
}

// -- the view --------------------------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

export async function render(root, ctx) {
  const t = (key, vars) => ctx.t(texts, key, vars);
  const status = el("p", { class: "meta", id: "log-status" });
  const warning = el("div", { class: "notice error", id: "log-warning", role: "alert", hidden: "" });
  const list = el("ol", { class: "cards", id: "log-entries", "aria-label": t("entries") });
  const more = el("button", { type: "button", id: "log-older", class: "secondary", text: t("older"), hidden: "" });
  const retry = el("button", { type: "button", id: "log-retry", text: t("retry"), hidden: "" });
  root.append(el("h1", { text: t("title"), tabindex: "-1" }), el("p", { text: t("intro") }), status, warning, list, more, retry);

  let jwks = null;
  let nextEnd = 0; // entries [0, nextEnd) are still to show, newest first

  function showWarning(reason) {
    warning.replaceChildren(
      el("p", { text: "⚠ " + t("warning") }),
      el("p", { text: t("warningDetail") }),
    );
    warning.hidden = false;
    more.hidden = true;
    retry.hidden = false;
    status.textContent = "";
    ctx.announce(t("warning"), true);
    if (reason) console.warn("access log rejected:", reason);
  }

  function showEntries(entries) {
    for (const item of [...entries].reverse()) {
      const [vi, en] = describe(item.entry, item.typeNames, item.procedureNames);
      list.append(el("li", { class: "card", "data-index": String(item.index), text: ctx.lang === "en" ? en : vi }));
    }
  }

  async function loadRange(end, first) {
    const start = Math.max(0, end - PAGE);
    const checked = await loadChecked(ctx, { start, limit: end - start, jwks });
    showEntries(checked.entries);
    nextEnd = start;
    more.hidden = nextEnd === 0;
    if (first) {
      const message = checked.head.size === 0
        ? t("empty")
        : t("verified", { size: checked.head.size, before: checked.before });
      status.textContent = message;
      ctx.announce(message);
    }
  }

  async function guarded(step) {
    more.disabled = true;
    try {
      await step();
    } catch (exc) {
      if (exc instanceof LogInconsistent) {
        showWarning(exc.reason);
      } else {
        const message = t("error", { message: (exc && (exc.detail || exc.title || exc.message)) || "" });
        status.textContent = message;
        retry.hidden = false;
        ctx.announce(message, true);
      }
    } finally {
      more.disabled = false;
    }
  }

  async function start() {
    warning.hidden = true;
    retry.hidden = true;
    list.replaceChildren();
    if (!ctx.online()) {
      status.textContent = t("offline");
      retry.hidden = false;
      ctx.announce(t("offline"));
      return;
    }
    status.textContent = t("loading");
    await guarded(async () => {
      jwks = await serviceKeys();
      const size = await currentSize(ctx, jwks);
      if (size === 0) {
        await loadChecked(ctx, { start: 0, limit: 1, jwks });
        status.textContent = t("empty");
        ctx.announce(t("empty"));
        return;
      }
      await loadRange(size, true);
    });
  }

  more.addEventListener("click", () => guarded(() => loadRange(nextEnd, false)));
  retry.addEventListener("click", start);
  await start();
}
