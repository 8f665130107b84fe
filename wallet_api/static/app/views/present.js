// Presenting a credential at a counter: the citizen picks a credential and the claims to show, types
// the 8-digit code the verifier's page shows, and this device builds the presentation itself —
// only the chosen disclosures, bound to that code and counter by a key-binding token signed with
// the device key (the same as `wallet-mobile present-qr`, crypto.sdjwt.present). The QR payload is
// qr/format.md's presentation code (WP1), or a one-time reference (WR1) when too big for a QR.

import { b64urlDecode, b64urlEncode, sha256, signJws, utf8 } from "../lib/jws.js";
import qrcode from "../vendor/qrcode.mjs";
import { readQr, scanCamera } from "../lib/scan.js";

const KB_TYP = "kb+jwt";
const MAGIC_PRESENTATION = "WP1";
const MAGIC_REFERENCE = "WR1";
const FLAG_TEXT = 0;
const FLAG_DEFLATE = 1;
const FLAG_PACKED = 2;
// Level M, byte mode, version 27. The phone client stops at version 25 because it compresses with
// a preset dictionary (qr/_wire.py); the browser's DEFLATE has none, so the same presentation
// needs a version or two more. A screen shows version 27 sharply; a bigger one is parked instead.
const MAX_QR_BYTES = 1125;
const PACKABLE = /^[A-Za-z0-9_.~-]+$/;
const NONCE = /^[0-9]{8}$/;

export const texts = {
  vi: {
    title: "Trình bày giấy tờ",
    intro: "Người kiểm tra sẽ cho bạn xem một mã gồm 8 chữ số. Chọn giấy tờ, chọn những thông tin muốn cho xem, nhập mã đó rồi đưa mã QR cho họ quét.",
    credential: "Giấy tờ",
    noCredentials: "Ví chưa có giấy tờ nào do cơ quan cấp",
    claims: "Thông tin cho xem",
    always: "luôn hiển thị",
    nonce: "Mã kiểm tra (8 chữ số)",
    nonceHint: "Mã hiện trên màn hình của người kiểm tra, ví dụ 1234 5678",
    audience: "Nơi kiểm tra",
    audienceHint: "Để nguyên nếu người kiểm tra dùng trang kiểm tra của dịch vụ ví",
    make: "Tạo mã QR",
    badNonce: "Mã kiểm tra phải gồm đúng 8 chữ số",
    noClaims: "Hãy chọn ít nhất một thông tin để cho xem",
    otherDevice: "Giấy tờ này gắn với thiết bị khác; chỉ thiết bị đó trình bày được, hoặc xin cơ quan cấp lại",
    notValid: "Giấy tờ này {status}: người kiểm tra sẽ không chấp nhận",
    ready: "Mã QR đã sẵn sàng: đưa cho người kiểm tra quét",
    parked: "Giấy tờ quá lớn cho một mã QR: mã này là một đường dẫn dùng một lần",
    alt: "Mã QR trình bày {type}: {claims}",
    offline: "Cần kết nối mạng để tải giấy tờ",
    error: "Không tạo được mã: {message}",
    issuer: "cấp bởi {name}",
    statuses: { revoked: "đã bị thu hồi", suspended: "đang tạm dừng", expired: "đã hết hạn" },
    scan: "Quét mã QR của quầy",
    scanStop: "Dừng quét",
    scanHint: "Đưa mã QR trên màn hình của người kiểm tra vào khung hình.",
    scanPhoto: "Hoặc chọn ảnh chụp mã QR của quầy",
    scanNone: "Không đọc được mã kiểm tra trong ảnh. Hãy thử lại hoặc nhập mã.",
    noCamera: "Không dùng được máy ảnh. Hãy nhập mã hoặc chọn ảnh chụp mã QR của quầy.",
    scanned: "Đã đọc mã kiểm tra: {code}",
  },
  en: {
    title: "Present a document",
    intro: "The verifier shows you an 8-digit code. Choose a document and what to show, type the code, then let them scan the QR code.",
    credential: "Document",
    noCredentials: "Your wallet holds no document issued by an agency yet",
    claims: "Information to show",
    always: "always shown",
    nonce: "Check code (8 digits)",
    nonceHint: "The code on the verifier's screen, e.g. 1234 5678",
    audience: "Where it is checked",
    audienceHint: "Leave as is if the verifier uses the wallet service's check page",
    make: "Make the QR code",
    badNonce: "The check code must be exactly 8 digits",
    noClaims: "Choose at least one piece of information to show",
    otherDevice: "This document is bound to another device's key; only that device can present it, or ask the issuer to re-issue it",
    notValid: "This document is {status}: the verifier will not accept it",
    ready: "The QR code is ready: let the verifier scan it",
    parked: "The document is too big for one QR code: this code is a one-time link",
    alt: "QR code presenting {type}: {claims}",
    offline: "You need a network connection to load your documents",
    error: "The code could not be made: {message}",
    issuer: "issued by {name}",
    statuses: { revoked: "revoked", suspended: "suspended", expired: "expired" },
    scan: "Scan the counter's QR code",
    scanStop: "Stop scanning",
    scanHint: "Hold the QR code on the verifier's screen in front of the camera.",
    scanPhoto: "Or choose a photo of the counter's QR code",
    scanNone: "No check code could be read in the picture. Try again or type the code.",
    noCamera: "The camera cannot be used. Type the code or choose a photo of the counter's QR code.",
    scanned: "Check code read: {code}",
  },
};

// -- the presentation (pure, exported for tests) ---------------------------------------------

function decodeJson(segment) {
  return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(b64urlDecode(segment)));
}

async function digest(text) {
  return b64urlEncode(await sha256(utf8(text)));
}

// `<jwt>~<d1>~…~` cut apart; the issuer's payload decoded (NOT verified: the verifier does that).
export function splitSdJwt(text) {
  if (typeof text !== "string" || !text.endsWith("~")) throw new Error("not an SD-JWT without key binding");
  const parts = text.split("~");
  const jwt = parts[0];
  const disclosures = parts.slice(1, -1);
  return { jwt, disclosures, payload: decodeJson(jwt.split(".")[1]) };
}

function digestsIn(value, into) {
  if (Array.isArray(value)) {
    for (const v of value) {
      if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof v["..."] === "string") into.add(v["..."]);
      else digestsIn(v, into);
    }
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "_sd" && Array.isArray(v)) v.forEach((d) => typeof d === "string" && into.add(d));
      else digestsIn(v, into);
    }
  }
}

// The disclosures that reveal each chosen top-level claim whole (and any nested in it).
export async function chooseDisclosures(disclosures, names) {
  const byDigest = new Map();
  for (const raw of disclosures) byDigest.set(await digest(raw), { raw, value: decodeJson(raw) });
  const chosen = new Set();
  const pending = [];
  for (const { raw, value } of byDigest.values()) {
    if (Array.isArray(value) && value.length === 3 && names.includes(value[1])) {
      chosen.add(raw);
      pending.push(value[2]);
    }
  }
  while (pending.length) {
    const found = new Set();
    digestsIn(pending.pop(), found);
    for (const d of found) {
      const hit = byDigest.get(d);
      if (hit && !chosen.has(hit.raw)) {
        chosen.add(hit.raw);
        pending.push(hit.value.length === 3 ? hit.value[2] : hit.value[1]);
      }
    }
  }
  return disclosures.filter((d) => chosen.has(d)); // in the credential's order
}

// An SD-JWT+KB revealing `names`, bound to `nonce` and `audience`, signed by `privateKey`.
export async function present(sdJwt, names, { privateKey, nonce, audience, now }) {
  const { jwt, disclosures } = splitSdJwt(sdJwt);
  const kept = await chooseDisclosures(disclosures, names);
  const presented = [jwt, ...kept, ""].join("~");
  const claims = { iat: now, aud: audience, nonce, sd_hash: await digest(presented) };
  return presented + (await signJws(privateKey, claims, { typ: KB_TYP }));
}

// Whether the credential's holder key (cnf.jwk) is this device's public JWK.
export function boundTo(sdJwt, jwk) {
  const cnf = splitSdJwt(sdJwt).payload.cnf;
  const key = cnf && cnf.jwk;
  return Boolean(key && jwk && key.x === jwk.x && key.y === jwk.y);
}

async function deflateRaw(bytes) {
  if (typeof CompressionStream === "undefined") return null;
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function withMagic(magic, flag, body) {
  const head = utf8(magic);
  const out = new Uint8Array(head.length + (flag === null ? 0 : 1) + body.length);
  out.set(head, 0);
  if (flag !== null) out[head.length] = flag;
  out.set(body, out.length - body.length);
  return out;
}

function cborHead(major, length) {
  if (length < 24) return [(major << 5) | length];
  if (length < 0x100) return [(major << 5) | 24, length];
  if (length < 0x10000) return [(major << 5) | 25, length >> 8, length & 0xff];
  return [(major << 5) | 26, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff];
}

// qr/_wire.py pack_segments: canonical CBOR [separators, [bytes of each base64url run]], or null
// when the text is not base64url runs split by "." and "~" (then it would not round-trip).
export function packSegments(text) {
  if (!PACKABLE.test(text)) return null;
  const runs = text.split(/[.~]/);
  const separators = text.replace(/[^.~]/g, "");
  const out = [0x82, ...cborHead(3, separators.length), ...utf8(separators), ...cborHead(4, runs.length)];
  for (const run of runs) {
    let bytes;
    try {
      bytes = b64urlDecode(run);
    } catch (_) {
      return null;
    }
    out.push(...cborHead(2, bytes.length), ...bytes);
  }
  return new Uint8Array(out);
}

// The QR payload of a presentation text: the shortest of the text, its DEFLATE and the DEFLATE of
// its packed runs; null if even that is too big for a QR code (the caller parks it instead).
export async function presentationPayload(text) {
  const raw = utf8(text);
  const candidates = [withMagic(MAGIC_PRESENTATION, FLAG_TEXT, raw)];
  const packed = await deflateRaw(raw);
  if (packed) candidates.push(withMagic(MAGIC_PRESENTATION, FLAG_DEFLATE, packed));
  const segments = packSegments(text);
  const squeezed = segments && (await deflateRaw(segments));
  if (squeezed) candidates.push(withMagic(MAGIC_PRESENTATION, FLAG_PACKED, squeezed));
  const best = candidates.reduce((a, b) => (b.length < a.length ? b : a));
  return best.length <= MAX_QR_BYTES ? best : null;
}

export function referencePayload(url) {
  return withMagic(MAGIC_REFERENCE, null, utf8(url));
}

// -- drawing ---------------------------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// A canvas of the QR symbol of `bytes`: byte mode, level M, 4-module quiet zone.
export function drawQr(bytes, label) {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  const code = qrcode(0, "M");
  code.addData(binary, "Byte");
  code.make();
  const modules = code.getModuleCount();
  const border = 4;
  const scale = Math.max(3, Math.floor(1200 / (modules + 2 * border)));
  const size = (modules + 2 * border) * scale;
  const canvas = el("canvas", { width: size, height: size, role: "img", "aria-label": label, id: "present-qr", class: "qr" });
  const g = canvas.getContext("2d");
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, size, size);
  g.fillStyle = "#000000";
  for (let y = 0; y < modules; y += 1) {
    for (let x = 0; x < modules; x += 1) {
      if (code.isDark(y, x)) g.fillRect((x + border) * scale, (y + border) * scale, scale, scale);
    }
  }
  return canvas;
}

async function device(ctx) {
  let key = ctx.deviceKey;
  if (!key) key = (await import("../app.js")).deviceKey;
  if (typeof key === "function") key = await key();
  return key; // {privateKey, jwk, ...}
}

// -- the view --------------------------------------------------------------------------------

export async function render(root, ctx) {
  const t = (key, vars) => ctx.t(texts, key, vars);
  const words = texts[ctx.lang] || texts.vi;
  const status = el("div", { id: "present-status" });
  const form = el("form", { id: "present-form", novalidate: true });
  const qrBox = el("div", { id: "present-qr-box", class: "qr-box" });
  root.append(el("h1", { text: t("title"), tabindex: "-1" }), el("p", { text: t("intro") }), status, form, qrBox);

  function say(kind, message, assertive) {
    status.replaceChildren(el("p", { class: "notice " + kind, text: message }));
    ctx.announce(message, assertive);
  }

  let credentials = [];
  try {
    const page = await ctx.api.get("/v1/me/credentials", { limit: 100 });
    credentials = (page.items || []).filter((c) => typeof c.sd_jwt === "string");
  } catch (exc) {
    say("error", exc && exc.code === "network" ? t("offline") : t("error", { message: exc.detail || exc.title || exc.message }), true);
    return;
  }
  if (!credentials.length) {
    say("warn", t("noCredentials"));
    return;
  }
  const draft = (await ctx.store.get("present.draft")) || {};

  const select = el("select", { id: "present-credential", name: "credential" });
  for (const c of credentials) {
    const label = `${c.type_name || c.type} — ${t("issuer", { name: c.issuer_name || c.issuer })}`;
    const option = el("option", { value: c.id, text: label });
    if (draft.credential === c.id) option.selected = true;
    select.append(option);
  }
  const claimsBox = el("fieldset", { id: "present-claims", class: "claims" });
  const nonce = el("input", { id: "present-nonce", name: "nonce", inputmode: "numeric", autocomplete: "off", "aria-describedby": "present-nonce-hint", value: draft.nonce || "" });
  const audience = el("input", { id: "present-audience", name: "audience", type: "url", "aria-describedby": "present-audience-hint", value: location.origin + "/verify" });
  const warn = el("p", { id: "present-warning", class: "notice warn", hidden: true });
  // Another counter than this service's /verify: a button (a 44 px target) shows the field.
  const audienceField = el("p", { class: "field", id: "present-audience-field", hidden: true },
    el("label", { for: "present-audience", text: t("audience") }),
    el("span", { id: "present-audience-hint", class: "hint", text: t("audienceHint") }), audience);
  const otherPlace = el("button", { type: "button", id: "present-other-place", "aria-expanded": "false",
    "aria-controls": "present-audience-field", text: t("audience") });
  otherPlace.addEventListener("click", () => {
    const open = audienceField.hidden;
    audienceField.hidden = !open;
    otherPlace.setAttribute("aria-expanded", String(open));
    if (open) audience.focus();
  });
  // The counter's code read from its QR ({"nonce": "12345678"} on /verify), by camera or photo.
  const video = el("video", { id: "present-scan-video", hidden: true, "aria-hidden": "true", muted: true, playsinline: true });
  const scanButton = el("button", { type: "button", id: "present-scan", text: t("scan") });
  const photo = el("input", { type: "file", id: "present-scan-photo", accept: "image/*", capture: "environment" });
  let scanning = null;
  const stopScan = () => {
    if (scanning) scanning.stop();
    scanning = null;
    video.hidden = true;
    scanButton.textContent = t("scan");
  };
  const scanned = (bytes) => {
    stopScan();
    let code = null;
    try {
      const data = JSON.parse(new TextDecoder().decode(bytes));
      if (data && typeof data.nonce === "string" && NONCE.test(data.nonce)) code = data.nonce;
    } catch (_) {
      code = null;
    }
    if (!code) return say("error", t("scanNone"), true);
    nonce.value = code.slice(0, 4) + " " + code.slice(4);
    nonce.removeAttribute("aria-invalid");
    saveDraft();
    say("ok", t("scanned", { code: nonce.value }));
    nonce.focus();
  };
  scanButton.addEventListener("click", async () => {
    if (scanning) return stopScan();
    try {
      video.hidden = false;
      scanButton.textContent = t("scanStop");
      say("info", t("scanHint"));
      scanning = await scanCamera(video, scanned);
    } catch (_) {
      stopScan();
      say("error", t("noCamera"), true);
    }
  });
  photo.addEventListener("change", async () => {
    const file = photo.files[0];
    if (!file) return;
    const bytes = await readQr(file).catch(() => null);
    photo.value = "";
    if (bytes) scanned(bytes);
    else say("error", t("scanNone"), true);
  });
  form.append(
    el("p", { class: "field" }, el("label", { for: "present-credential", text: t("credential") }), select),
    warn,
    claimsBox,
    el("p", { class: "field" }, el("label", { for: "present-nonce", text: t("nonce") }),
      el("span", { id: "present-nonce-hint", class: "hint", text: t("nonceHint") }), nonce),
    el("p", { class: "actions" }, scanButton),
    video,
    el("p", { class: "field" }, el("label", { for: "present-scan-photo", text: t("scanPhoto") }), photo),
    el("p", { class: "actions" }, otherPlace),
    audienceField,
    el("p", { class: "actions" }, el("button", { type: "submit", class: "primary", id: "present-make", text: t("make") })),
  );

  const current = () => credentials.find((c) => c.id === select.value) || credentials[0];
  function saveDraft() {
    ctx.store.set("present.draft", { credential: select.value, nonce: nonce.value, claims: chosenNames() });
  }
  function chosenNames() {
    return [...claimsBox.querySelectorAll("input[data-claim]:checked:not([disabled])")].map((i) => i.dataset.claim);
  }

  async function showClaims() {
    const cred = current();
    const { disclosures } = splitSdJwt(cred.sd_jwt);
    const disclosable = new Set();
    for (const d of disclosures) {
      try {
        const v = decodeJson(d);
        if (Array.isArray(v) && v.length === 3) disclosable.add(v[1]);
      } catch (_) { /* not a claim we can offer */ }
    }
    const kept = draft.credential === cred.id && Array.isArray(draft.claims) ? draft.claims : null;
    claimsBox.replaceChildren(el("legend", { text: t("claims") }));
    for (const claim of cred.claims || []) {
      const id = "present-claim-" + claim.key;
      const open = disclosable.has(claim.key);
      const box = el("input", { type: "checkbox", id, "data-claim": claim.key, checked: open ? (kept ? kept.includes(claim.key) : true) : true, disabled: !open });
      box.addEventListener("change", saveDraft);
      const label = ctx.lang === "en" ? claim.label_en : claim.label_vi;
      const value = ctx.lang === "en" ? claim.value_en : claim.value_vi;
      claimsBox.append(el("div", { class: "check" }, box,
        el("label", { for: id, text: `${label}: ${value}` + (open ? "" : ` (${t("always")})`) })));
    }
    const s = cred.status || "valid";
    const problems = [];
    if (s !== "valid") problems.push(t("notValid", { status: words.statuses[s] || s }));
    const dev = await device(ctx);
    if (!boundTo(cred.sd_jwt, dev && dev.jwk)) problems.push(t("otherDevice"));
    warn.textContent = problems.join(" ");
    warn.hidden = !problems.length;
  }

  select.addEventListener("change", async () => { qrBox.replaceChildren(); await showClaims(); saveDraft(); });
  nonce.addEventListener("input", saveDraft);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    qrBox.replaceChildren();
    const code = nonce.value.replace(/\s+/g, "");
    if (!NONCE.test(code)) {
      nonce.setAttribute("aria-invalid", "true");
      say("error", t("badNonce"), true);
      nonce.focus();
      return;
    }
    nonce.removeAttribute("aria-invalid");
    const names = chosenNames();
    if (!names.length) {
      say("error", t("noClaims"), true);
      return;
    }
    const cred = current();
    try {
      const dev = await device(ctx);
      if (!boundTo(cred.sd_jwt, dev && dev.jwk)) {
        say("error", t("otherDevice"), true);
        return;
      }
      const text = await present(cred.sd_jwt, names, {
        privateKey: dev.privateKey, nonce: code, audience: audience.value.trim(), now: Math.floor(Date.now() / 1000),
      });
      let bytes = await presentationPayload(text);
      let message = t("ready");
      if (!bytes) {
        const parked = await ctx.api.post("/v1/me/presentations", { presentation: text });
        bytes = referencePayload(String(parked.url));
        message = t("parked") + ". " + t("ready");
      }
      const labels = (cred.claims || []).filter((c) => names.includes(c.key)).map((c) => (ctx.lang === "en" ? c.label_en : c.label_vi));
      qrBox.replaceChildren(drawQr(bytes, t("alt", { type: cred.type_name || cred.type, claims: labels.join(", ") })));
      qrBox.dataset.payload = b64urlEncode(bytes);
      say("ok", message);
    } catch (exc) {
      say("error", t("error", { message: (exc && (exc.detail || exc.title || exc.message)) || "" }), true);
    }
  });

  await showClaims();
}
