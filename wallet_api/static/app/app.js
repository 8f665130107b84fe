// The citizen's app: boot, router, device key + DPoP, API client, store, i18n (docs/app.md).
//
// The device key is an ECDSA P-256 key made by WebCrypto with extractable=false and kept in
// IndexedDB: the browser signs with it but never hands its private part to any script, ours
// included. Every /v1 call carries a fresh DPoP proof (RFC 9449) made with it; logging in is an
// RFC 7523 client assertion signed with it, exactly as the phone client (mobile_stub) does.

const DB_NAME = "citizen-wallet";
const DB_STORE = "kv";
const REFRESH_MARGIN = 10; // seconds: log in again rather than send a token about to lapse
const VIEWS = ["home", "documents", "credentials", "consents", "log", "identity", "present", "devices", "mandates", "rights", "settings", "enrol", "recover"];
const NAV = ["home", "documents", "credentials", "identity", "consents", "rights", "log", "devices", "settings"];

// ---------------------------------------------------------------------------------------------
// Store: one IndexedDB object store of structured-cloneable values (CryptoKey objects included).

let dbPromise = null;

function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(DB_STORE);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }
  return dbPromise;
}

async function tx(mode, action) {
  const database = await db();
  return new Promise((resolve, reject) => {
    const transaction = database.transaction(DB_STORE, mode);
    const request = action(transaction.objectStore(DB_STORE));
    transaction.oncomplete = () => resolve(request.result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

export const store = {
  get: (key) => tx("readonly", (s) => s.get(key)),
  set: (key, value) => tx("readwrite", (s) => s.put(value, key)),
  del: (key) => tx("readwrite", (s) => s.delete(key)),
};

// ---------------------------------------------------------------------------------------------
// Encoding and JOSE, with WebCrypto only.

const encoder = new TextEncoder();

export function b64url(bytes) {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = "";
  for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function b64urlDecode(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const binary = atob(padded);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) out[i] = binary.charCodeAt(i);
  return out;
}

function b64urlJson(value) {
  return b64url(encoder.encode(JSON.stringify(value)));
}

async function sha256(text) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

function randomId() {
  return b64url(crypto.getRandomValues(new Uint8Array(16)));
}

/** RFC 7638 thumbprint of a public EC JWK. */
export async function thumbprint(jwk) {
  return b64url(await sha256(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })));
}

/** A compact ES256 JWS signed by the device key (WebCrypto's signature is already r||s). */
export async function signJws(header, claims) {
  const device = await deviceKey();
  const input = b64urlJson({ alg: "ES256", ...header }) + "." + b64urlJson(claims);
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, device.privateKey, encoder.encode(input));
  return input + "." + b64url(signature);
}

/** The claims of a compact JWS, NOT verified (for showing what the service sent). */
export function jwsClaims(token) {
  return JSON.parse(new TextDecoder().decode(b64urlDecode(token.split(".")[1])));
}

// ---------------------------------------------------------------------------------------------
// The device key: made once, non-extractable, kept in IndexedDB.

let devicePromise = null;

export function deviceKey() {
  if (!devicePromise) {
    devicePromise = (async () => {
      const kept = await store.get("device");
      if (kept && kept.privateKey) return kept;
      const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
      const full = await crypto.subtle.exportKey("jwk", pair.publicKey);
      const jwk = { kty: full.kty, crv: full.crv, x: full.x, y: full.y };
      const device = { privateKey: pair.privateKey, publicKey: pair.publicKey, jwk, jkt: await thumbprint(jwk), created: Date.now() };
      await store.set("device", device);
      return device;
    })();
    devicePromise.catch(() => {
      devicePromise = null;
    });
  }
  return devicePromise;
}

function now() {
  return Math.floor(Date.now() / 1000);
}

async function dpopProof(method, url, token) {
  const device = await deviceKey();
  const target = new URL(url, location.origin);
  const claims = { jti: randomId(), htm: method, htu: target.origin + target.pathname, iat: now() };
  if (token) claims.ath = b64url(await sha256(token));
  return signJws({ typ: "dpop+jwt", jwk: device.jwk }, claims);
}

// ---------------------------------------------------------------------------------------------
// API client.

export class ApiError extends Error {
  constructor(status, code, title, detail, problem) {
    super(detail || title || code);
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
    this.problem = problem;
  }
}

const shellTexts = {
  vi: {
    appName: "Ví dữ liệu công dân",
    skip: "Bỏ qua, đến nội dung chính",
    switchLang: "English",
    switchLangLabel: "Switch to English",
    navLabel: "Các mục chính",
    home: "Trang chính",
    documents: "Giấy tờ",
    credentials: "Chứng nhận",
    identity: "Mã QR của tôi",
    consents: "Yêu cầu chia sẻ",
    log: "Nhật ký truy cập",
    present: "Trình mã",
    devices: "Thiết bị",
    mandates: "Uỷ quyền",
    rights: "Xoá và sửa dữ liệu",
    settings: "Cài đặt",
    offline: "Bạn đang ngoại tuyến. Những gì cần mạng sẽ chờ đến khi có mạng.",
    online: "Đã có mạng trở lại.",
    network: "Không kết nối được với máy chủ. Vui lòng thử lại khi có mạng.",
    notReady: "Phần này chưa có trong phiên bản này.",
    loading: "Đang tải…",
    failed: "Không mở được trang này. Vui lòng tải lại.",
    enrolNotConfirmed: "Không đăng ký được thiết bị này. Nếu số CCCD này đã có ví, hãy thêm thiết bị này từ thiết bị cũ (Thiết bị → Thêm thiết bị) thay vì đăng ký lại.",
    sessionLost: "Thiết bị này không còn đăng nhập được vào ví (có thể đã bị gỡ khỏi ví). Hãy đăng xuất trên thiết bị này trong Cài đặt, rồi ghép lại từ một thiết bị khác của bạn.",
  },
  en: {
    appName: "Citizen data wallet",
    skip: "Skip to main content",
    switchLang: "Tiếng Việt",
    switchLangLabel: "Chuyển sang tiếng Việt",
    navLabel: "Main sections",
    home: "Home",
    documents: "Documents",
    credentials: "Certificates",
    identity: "My QR code",
    consents: "Sharing requests",
    log: "Access log",
    present: "Show a code",
    devices: "Devices",
    mandates: "Mandates",
    rights: "Delete or correct data",
    settings: "Settings",
    offline: "You are offline. Anything that needs the network will wait until you are back online.",
    online: "You are back online.",
    network: "Could not reach the service. Please try again when you are online.",
    notReady: "This part is not in this version yet.",
    loading: "Loading…",
    failed: "This page could not be opened. Please reload.",
    enrolNotConfirmed: "This device could not be enrolled. If this CCCD number already has a wallet, add this device from your old one (Devices → Add a device) instead of enrolling again.",
    sessionLost: "This device can no longer sign in to the wallet (it may have been removed from it). Sign out on this device in Settings, then pair it again from another of your devices.",
  },
};

let lang = "vi";
let session = null; // {citizen_id, origin, token, expires_at}

function networkError() {
  const t = shellTexts[lang];
  return new ApiError(0, "network", t.network, t.network, null);
}

async function problemFrom(response) {
  let problem = null;
  try {
    if ((response.headers.get("content-type") || "").includes("json")) problem = await response.json();
  } catch (_) {
    problem = null;
  }
  const p = problem || {};
  return new ApiError(response.status, p.code || "http_" + response.status, p.title || response.statusText, p.detail || p.title || "", problem);
}

async function login() {
  if (!session || !session.citizen_id) throw new ApiError(401, "not_enrolled", "", "", null);
  const url = location.origin + "/v1/token";
  const iat = now();
  const assertion = await signJws(
    { typ: "client-assertion+jwt" },
    { iss: session.citizen_id, sub: session.citizen_id, aud: url, iat, exp: iat + 60, jti: randomId() },
  );
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: assertion,
    client_id: session.citizen_id,
  });
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { DPoP: await dpopProof("POST", url), "Accept-Language": lang, "Content-Type": "application/x-www-form-urlencoded" },
      body: form,
      credentials: "omit",
      cache: "no-store",
    });
  } catch (_) {
    throw networkError();
  }
  if (!response.ok) throw await problemFrom(response);
  const data = await response.json();
  if (typeof data.access_token !== "string" || String(data.token_type).toLowerCase() !== "dpop") {
    throw new ApiError(200, "bad_response", "", "not a DPoP token", data);
  }
  session = { ...session, token: data.access_token, expires_at: iat + Number(data.expires_in || 0) };
  await store.set("session", session);
}

function tokenFresh() {
  return session && session.token && now() < session.expires_at - REFRESH_MARGIN;
}

function urlOf(path, query) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
  }
  return url.toString();
}

/** One authenticated request: fresh token (logging in again when it lapsed), DPoP proof, and a
 * second try after logging in again if the service answers 401 (a token it no longer knows). */
async function authed(method, path, { query, body, headers, raw } = {}) {
  const url = urlOf(path, query);
  if (!tokenFresh()) await login();
  for (let attempt = 0; ; attempt += 1) {
    let response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          Authorization: "DPoP " + session.token,
          DPoP: await dpopProof(method, url, session.token),
          "Accept-Language": lang,
          ...(headers || {}),
        },
        body,
        credentials: "omit",
        cache: "no-store",
      });
    } catch (_) {
      throw networkError();
    }
    if (response.status === 401 && attempt === 0) {
      await login();
      continue;
    }
    if (!response.ok) throw await problemFrom(response);
    if (raw) return response;
    if (response.status === 204) return null;
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }
}

function nameFrom(disposition) {
  if (!disposition) return null;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1]);
    } catch (_) {
      return null;
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1] : null;
}

/** The calls a delegate makes for someone else: the same client, every request naming the mandate
 * (`Wallet-Mandate`); the service decides what the mandate covers (docs/mandates.md). */
function mandateApi(mandateId) {
  const headers = { "Wallet-Mandate": mandateId };
  return {
    get: (path, query) => authed("GET", path, { query, headers }),
    post: (path, body) =>
      authed("POST", path, body === undefined ? { headers } : { body: JSON.stringify(body), headers: { ...headers, "Content-Type": "application/json" } }),
    async bytes(path, query) {
      const response = await authed("GET", path, { query, headers, raw: true });
      const blob = await response.blob();
      return { blob, type: response.headers.get("content-type") || blob.type, name: nameFrom(response.headers.get("content-disposition")) };
    },
  };
}

let acting = null; // {mandate_id, name, documents, procedures}: whom this browser acts for, if anyone

/** Act for the represented citizen of a held mandate (the documents and consents views then show
 * theirs, within the mandate's document types and procedures). */
export async function actFor(mandate) {
  acting = {
    mandate_id: mandate.mandate_id,
    name: mandate.represented_name,
    documents: [...mandate.scope.documents],
    procedures: [...mandate.scope.procedures],
  };
  await store.set("acting", acting);
}

/** Back to one's own wallet. */
export async function stopActing() {
  acting = null;
  await store.del("acting");
}

export const api = {
  get: (path, query) => authed("GET", path, { query }),
  post: (path, body) =>
    authed("POST", path, body === undefined ? {} : { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } }),
  del: (path) => authed("DELETE", path),
  async bytes(path, query) {
    const response = await authed("GET", path, { query, raw: true });
    const blob = await response.blob();
    return { blob, type: response.headers.get("content-type") || blob.type, name: nameFrom(response.headers.get("content-disposition")) };
  },
  /** Upload a File/Blob as the raw body with progress (XMLHttpRequest: fetch has no upload progress).
   * onProgress(sentBytes, totalBytes). Resolves to the parsed JSON answer. */
  async upload(path, query, file, onProgress) {
    const url = urlOf(path, query);
    for (let attempt = 0; ; attempt += 1) {
      if (!tokenFresh()) await login();
      const proof = await dpopProof("POST", url, session.token);
      const result = await new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open("POST", url);
        xhr.setRequestHeader("Authorization", "DPoP " + session.token);
        xhr.setRequestHeader("DPoP", proof);
        xhr.setRequestHeader("Accept-Language", lang);
        xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
        xhr.upload.onprogress = (event) => onProgress && onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
        xhr.onload = () => resolve(xhr);
        xhr.onerror = () => reject(networkError());
        xhr.onabort = () => reject(networkError());
        xhr.send(file);
      });
      if (result.status === 401 && attempt === 0) {
        session = { ...session, token: null };
        continue;
      }
      let data = null;
      try {
        data = result.responseText ? JSON.parse(result.responseText) : null;
      } catch (_) {
        data = null;
      }
      if (result.status < 200 || result.status >= 300) {
        const p = data || {};
        throw new ApiError(result.status, p.code || "http_" + result.status, p.title || "", p.detail || p.title || "", data);
      }
      return data;
    }
  },
  /** A call without a token (enrolment, a new device's pairing): JSON in, JSON out; with a DPoP proof
   * when `proof` is true. */
  async open(method, path, body, { proof = false } = {}) {
    const url = urlOf(path);
    const headers = { "Accept-Language": lang };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (proof) headers.DPoP = await dpopProof(method, url);
    let response;
    try {
      response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "omit", cache: "no-store" });
    } catch (_) {
      throw networkError();
    }
    if (!response.ok) throw await problemFrom(response);
    return response.status === 204 ? null : response.json();
  },
};

// ---------------------------------------------------------------------------------------------
// Account: enrol, forget.

/** Enrol this browser's key for a citizen; then log in. Names are NFC-normalised (Vietnamese
 * diacritics typed on different keyboards compare equal). */
export async function enrol({ cccd, fullName, dateOfBirth }) {
  const device = await deviceKey();
  const body = {
    cccd: cccd.trim(),
    full_name: fullName.trim().normalize("NFC"),
    date_of_birth: dateOfBirth.trim(),
    device_jwk: device.jwk,
  };
  const answer = await api.open("POST", "/v1/citizens", body);
  try {
    await joined(answer.citizen_id);
  } catch (error) {
    // The service answers alike whether or not the CCCD has a wallet (it reveals nothing to
    // anyone who asks); logging in is how this device learns it got none.
    if (!(error instanceof ApiError) || error.code !== "invalid_client") throw error;
    session = null;
    ctx.citizen = null;
    await store.del("session");
    const text = shellTexts[lang].enrolNotConfirmed;
    throw new ApiError(error.status, "enrolment_not_confirmed", text, text, null);
  }
  recoveryCode = answer.recovery_code || null; // shown once on the home view, never stored
  return answer.citizen_id;
}

let recoveryCode = null;

/** A recovery code to show once on the home view (the one a completed recovery answered with). */
export function keepRecoveryCodeOnce(code) {
  recoveryCode = code || null;
}

/** The recovery code enrolment answered with (dev mode), once: the next call returns null. */
export function takeRecoveryCode() {
  const code = recoveryCode;
  recoveryCode = null;
  return code;
}

/** This browser now belongs to `citizenId`'s wallet (enrolled, or a pairing approved): log in. */
export async function joined(citizenId) {
  session = { citizen_id: citizenId, origin: location.origin, token: null, expires_at: 0 };
  await store.set("session", session);
  await login();
  ctx.citizen = await api.get("/v1/me");
  await store.set("profile", ctx.citizen);
}

/** Forget the wallet on this browser (after erasure or when this device was revoked). The key
 * stays: it is this device's, and can join a wallet again by pairing. */
export async function forget() {
  session = null;
  ctx.citizen = null;
  acting = null;
  for (const key of ["session", "profile", "identity-batch", "documents-cache", "credentials-cache", "acting"]) await store.del(key);
}

export function enrolled() {
  return Boolean(session && session.citizen_id);
}

// ---------------------------------------------------------------------------------------------
// i18n and formatting.

const MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return new Date(value * 1000);
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (dateOnly) return new Date(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3]));
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

const pad = (n) => String(n).padStart(2, "0");

export function formatDate(value) {
  const d = toDate(value);
  if (!d) return "";
  if (lang === "vi") return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()}`;
  return `${d.getDate()} ${MONTHS_EN[d.getMonth()]} ${d.getFullYear()}`;
}

export function formatTime(value) {
  const d = toDate(value);
  return d ? `${pad(d.getHours())}:${pad(d.getMinutes())}` : "";
}

export function formatDateTime(value) {
  const d = toDate(value);
  if (!d) return "";
  return `${formatDate(value)}${lang === "vi" ? " lúc " : ", "}${formatTime(value)}`;
}

export function t(texts, key, vars) {
  const table = (texts && (texts[lang] || texts.vi)) || {};
  let text = table[key];
  if (text === undefined) text = (texts && texts.vi && texts.vi[key]) || key;
  if (vars) text = text.replace(/\{(\w+)\}/g, (match, name) => (name in vars ? String(vars[name]) : match));
  return text;
}

// ---------------------------------------------------------------------------------------------
// The shell: live region, navigation, router.

function announce(message, assertive = false) {
  const region = document.getElementById(assertive ? "announce-assertive" : "announce");
  region.textContent = "";
  // A new text node after a tick, so the same message said twice is read twice.
  setTimeout(() => {
    region.textContent = message;
  }, 50);
}

function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

export const ctx = {
  get lang() {
    return lang;
  },
  t: (texts, key, vars) => t(texts, key, vars),
  api,
  store,
  announce,
  formatDate,
  formatDateTime,
  online: () => navigator.onLine !== false,
  navigate,
  deviceKey, // this browser's device key: {privateKey (non-extractable), jwk, jkt}
  citizen: null,
  /** This browser's citizen id (the delegate's own id when acting for someone), or null. */
  get citizenId() {
    return session ? session.citizen_id : null;
  },
  /** {mandate_id, name, documents, procedures} while acting for someone under a mandate, else null. */
  get acting() {
    return acting;
  },
  /** get/post/bytes for the person acted for (every call names the mandate), or null. */
  get actingApi() {
    return acting ? mandateApi(acting.mandate_id) : null;
  },
};

function renderShell() {
  const texts = shellTexts[lang];
  document.documentElement.lang = lang;
  document.title = texts.appName;
  document.getElementById("skip").textContent = texts.skip;
  document.getElementById("app-name").textContent = texts.appName;
  const switcher = document.getElementById("lang-switch");
  switcher.textContent = texts.switchLang;
  switcher.setAttribute("lang", lang === "vi" ? "en" : "vi");
  switcher.setAttribute("aria-label", texts.switchLangLabel);
  const nav = document.getElementById("nav");
  nav.setAttribute("aria-label", texts.navLabel);
  const list = document.createElement("ul");
  for (const name of NAV) {
    const link = document.createElement("a");
    link.href = "#/" + (name === "home" ? "" : name);
    link.textContent = texts[name];
    link.dataset.view = name;
    const item = document.createElement("li");
    item.append(link);
    list.append(item);
  }
  nav.replaceChildren(list);
  nav.hidden = !enrolled();
  updateOffline(false);
}

function updateOffline(say) {
  const banner = document.getElementById("offline");
  const offline = !ctx.online();
  banner.hidden = !offline;
  banner.textContent = shellTexts[lang].offline;
  document.documentElement.classList.toggle("is-offline", offline);
  if (say) announce(offline ? shellTexts[lang].offline : shellTexts[lang].online);
}

function currentView() {
  const name = (location.hash.replace(/^#\/?/, "").split(/[/?]/)[0] || "home").toLowerCase();
  return VIEWS.includes(name) ? name : "home";
}

let routing = 0;

async function route() {
  const ticket = ++routing;
  let name = currentView();
  if (!enrolled() && name !== "settings" && name !== "devices" && name !== "recover") name = "enrol";
  if (enrolled() && (name === "enrol" || name === "recover")) name = "home"; // one wallet per device key
  const main = document.getElementById("main");
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.view === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  delete document.documentElement.dataset.ready;
  const root = document.createElement("div");
  root.className = "view view-" + name;
  main.replaceChildren(root);
  main.setAttribute("aria-busy", "true");
  try {
    let view;
    try {
      view = await import(`./views/${name}.js`);
    } catch (error) {
      if (ticket !== routing) return;
      root.append(Object.assign(document.createElement("h1"), { textContent: shellTexts[lang][name] || name, tabIndex: -1 }));
      root.append(Object.assign(document.createElement("p"), { textContent: ctx.online() ? shellTexts[lang].notReady : shellTexts[lang].network }));
      return;
    }
    if (ticket !== routing) return;
    document.title = `${t(view.texts, "title")} — ${shellTexts[lang].appName}`;
    await view.render(root, ctx);
  } catch (error) {
    if (ticket !== routing) return;
    const lost = error instanceof ApiError && error.code === "invalid_client" && enrolled();
    // A device removed from the wallet (or a wallet erased) can no longer log in: say so, and
    // point to settings, where this browser can sign out and later be paired again.
    const message = lost ? shellTexts[lang].sessionLost : error instanceof ApiError ? error.detail || error.title : shellTexts[lang].failed;
    root.append(Object.assign(document.createElement("p"), { className: "notice error", textContent: message }));
    if (lost) {
      const link = Object.assign(document.createElement("a"), { href: "#/settings", className: "button", textContent: shellTexts[lang].settings });
      root.append(link);
    }
    announce(message, true);
    console.error(error);
  } finally {
    if (ticket === routing) {
      main.removeAttribute("aria-busy");
      const title = root.querySelector("h1");
      if (title && booted) title.focus({ preventScroll: false });
      booted = true;
      document.documentElement.dataset.view = name;
      document.documentElement.dataset.ready = "1";
    }
  }
}

let booted = false;

async function setLang(next) {
  lang = next === "en" ? "en" : "vi";
  await store.set("lang", lang);
  renderShell();
  await route();
}

/** Re-render the shell and current view (after enrolment, after a language change). */
export async function refresh() {
  renderShell();
  await route();
}

async function boot() {
  const asked = new URLSearchParams(location.search).get("lang");
  const kept = await store.get("lang").catch(() => null);
  lang = asked === "en" || asked === "vi" ? asked : kept === "en" ? "en" : "vi";
  if (asked) await store.set("lang", lang);
  session = (await store.get("session")) || null;
  if (session && session.origin && session.origin !== location.origin) session = null;
  ctx.citizen = (await store.get("profile")) || null;
  acting = session ? (await store.get("acting").catch(() => null)) || null : null;
  if (acting) acting = { documents: [], procedures: [], ...acting }; // kept by an earlier version
  renderShell();
  document.getElementById("lang-switch").addEventListener("click", () => setLang(lang === "vi" ? "en" : "vi"));
  window.addEventListener("hashchange", () => route());
  window.addEventListener("online", () => updateOffline(true));
  window.addEventListener("offline", () => updateOffline(true));
  deviceKey().catch((error) => console.error(error)); // made early: the first tap need not wait for it
  await route();
  if (enrolled() && ctx.online()) {
    api
      .get("/v1/me")
      .then(async (profile) => {
        const before = JSON.stringify((ctx.citizen || {}).pending_recovery || null);
        ctx.citizen = profile;
        await store.set("profile", profile);
        // a recovery started or ended since the kept profile: the home view announces it now
        if (JSON.stringify(profile.pending_recovery || null) !== before && currentView() === "home") await route();
      })
      .catch(() => {});
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app" }).catch((error) => console.warn("service worker", error));
  }
}

boot();
