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
};
const DEVICE_EVENTS = {
  "device-add": [
    'Thiết bị mới "{subject}" đã được thêm vào ví của bạn, do thiết bị "{actor}" phê duyệt',
    'New device "{subject}" was added to your wallet, approved by device "{actor}"',
  ],
  "device-revoke": [
    'Thiết bị "{subject}" đã bị thu hồi khỏi ví của bạn, bởi thiết bị "{actor}"',
    'Device "{subject}" was revoked from your wallet by device "{actor}"',
  ],
};
const OWN_NAMES = {
  "device-key": ["Khoá thiết bị", "Device key"],
  device: ["Thiết bị", "Device"],
  presentation: ["Bản trình bày giấy tờ", "Presented credential"],
  "consent-request": ["Sự đồng ý (bạn đã tạm dừng các yêu cầu này)", "Consent (you paused such requests)"],
  incident: ["Sự cố lộ lọt dữ liệu", "Data breach"],
};
const NO_PROCEDURE = "-";

const lowerFirst = (text) => text.slice(0, 1).toLowerCase() + text.slice(1);
const pad = (n, width = 2) => String(n).padStart(width, "0");

function partition(text, separator) {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + separator.length)];
}

// Vietnam time (UTC+7), as the phone words it: [" lúc HH:MM ngày DD/MM/YYYY", " at HH:MM on YYYY-MM-DD"].
function when(at) {
  const d = new Date((at + 7 * 3600) * 1000);
  const hm = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  const [y, m, day] = [pad(d.getUTCFullYear(), 4), pad(d.getUTCMonth() + 1), pad(d.getUTCDate())];
  return [` lúc ${hm} ngày ${day}/${m}/${y}`, ` at ${hm} on ${y}-${m}-${day}`];
}

// A verified entry as [Vietnamese, English]; `typeNames` / `procedureNames`: [vi, en] or null.
export function describe(entry, typeNames, procedureNames) {
  const [atVi, atEn] = when(entry.at);
  let vi;
  let en;
  if (entry.action in DEVICE_EVENTS) {
    [vi, en] = DEVICE_EVENTS[entry.action].map((t) =>
      t.replace("{subject}", entry.purpose).replace("{actor}", entry.agency_name));
  } else {
    const [verbVi, verbEn] = VERBS[entry.action];
    const names = typeNames || OWN_NAMES[entry.resource_type] || null;
    const [typeVi, typeEn] = names ? [lowerFirst(names[0]), lowerFirst(names[1])] : [entry.resource_type, entry.resource_type];
    vi = `${entry.agency_name} ${verbVi} ${typeVi} của bạn`;
    en = `${entry.agency_name} ${verbEn} your ${typeEn}`;
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
