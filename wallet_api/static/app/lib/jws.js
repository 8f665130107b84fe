// Compact JWS (RFC 7515) with ES256 only, verified and signed with WebCrypto. Pure functions.
//
// The same strict form the service holds tokens to (crypto/jose.py): three canonical base64url
// segments, a JSON-object header whose "alg" is ES256 and nothing else (no "none", no HMAC, no RSA,
// whatever the key), no "crit", the expected "typ", a 64-byte r||s signature. A failure is always
// one opaque JwsError: the caller words it for the citizen.

export const ALGORITHM = "ES256";
export const MAX_JWS_LENGTH = 256 * 1024;
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const B64URL = /^[A-Za-z0-9_-]*$/;
const EC_PARAMS = { name: "ECDSA", namedCurve: "P-256" };
const SIGN_PARAMS = { name: "ECDSA", hash: "SHA-256" };

export class JwsError extends Error {
  constructor(reason) {
    super(reason || "invalid signature");
    this.name = "JwsError";
    this.reason = reason || "invalid";
  }
}

// -- base64url -----------------------------------------------------------------------------

export function b64urlEncode(bytes) {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = "";
  for (let i = 0; i < data.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, data.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// Decode canonical unpadded base64url only (as the service does): anything else is refused,
// so one token never has two spellings.
export function b64urlDecode(text) {
  if (typeof text !== "string" || !B64URL.test(text) || text.length % 4 === 1) {
    throw new JwsError("not base64url");
  }
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  let binary;
  try {
    binary = atob(padded);
  } catch (_) {
    throw new JwsError("not base64url");
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  if (b64urlEncode(out) !== text) throw new JwsError("not canonical base64url");
  return out;
}

export function utf8(text) {
  return new TextEncoder().encode(text);
}

function jsonObject(bytes) {
  let value;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (_) {
    throw new JwsError("not JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new JwsError("not a JSON object");
  }
  return value;
}

// -- keys ----------------------------------------------------------------------------------

// A P-256 public key for ES256 from a JWK ({kty, crv, x, y}); private or other keys refused.
export async function importPublicJwk(jwk) {
  if (!jwk || typeof jwk !== "object" || "d" in jwk) throw new JwsError("not a public JWK");
  if (jwk.kty !== "EC" || jwk.crv !== "P-256") throw new JwsError("not an EC P-256 key");
  if ((jwk.alg ?? ALGORITHM) !== ALGORITHM || (jwk.use ?? "sig") !== "sig") {
    throw new JwsError("not an ES256 signing key");
  }
  if (typeof jwk.x !== "string" || typeof jwk.y !== "string" || jwk.x.length !== 43 || jwk.y.length !== 43) {
    throw new JwsError("bad coordinates");
  }
  b64urlDecode(jwk.x);
  b64urlDecode(jwk.y);
  try {
    return await crypto.subtle.importKey(
      "jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true }, EC_PARAMS, false, ["verify"],
    );
  } catch (_) {
    throw new JwsError("key not on the curve");
  }
}

// The JWK of `jwks` ({keys: [...]}) whose "kid" is `kid`; JwsError if none.
export function keyByKid(jwks, kid) {
  const keys = jwks && Array.isArray(jwks.keys) ? jwks.keys : [];
  const found = keys.find((k) => k && typeof k === "object" && typeof kid === "string" && k.kid === kid);
  if (!found) throw new JwsError("unknown key");
  return found;
}

// -- parse, verify, sign -------------------------------------------------------------------

// Split and decode a compact JWS, checking its form and nothing else (NOT verified).
export function parseCompact(token) {
  if (typeof token !== "string" || token.length > MAX_JWS_LENGTH || !COMPACT.test(token)) {
    throw new JwsError("not a compact JWS");
  }
  const [h, p, s] = token.split(".");
  return {
    header: jsonObject(b64urlDecode(h)),
    payload: b64urlDecode(p),
    signature: b64urlDecode(s),
    signingInput: utf8(h + "." + p),
  };
}

export function unverifiedHeader(token) {
  return parseCompact(token).header;
}

// The claims of `token` if `key` (a CryptoKey or a public JWK) signed it with ES256, and its header
// "typ" is `typ` (when given). Times are not checked here: callers check against their own clock.
export async function verifyJws(token, key, { typ } = {}) {
  const parsed = parseCompact(token);
  const header = parsed.header;
  if (header.alg !== ALGORITHM || "crit" in header || parsed.signature.length !== 64) {
    throw new JwsError("algorithm not allowed");
  }
  if (typ !== undefined && typ !== null && header.typ !== typ) throw new JwsError("wrong type");
  const cryptoKey = key instanceof CryptoKey ? key : await importPublicJwk(key);
  if (cryptoKey.type !== "public" || cryptoKey.algorithm.name !== "ECDSA" || cryptoKey.algorithm.namedCurve !== "P-256") {
    throw new JwsError("not a P-256 public key");
  }
  let valid = false;
  try {
    valid = await crypto.subtle.verify(SIGN_PARAMS, cryptoKey, parsed.signature, parsed.signingInput);
  } catch (_) {
    valid = false;
  }
  if (!valid) throw new JwsError("bad signature");
  return { header, claims: jsonObject(parsed.payload) };
}

// Verify with the key of `jwks` that the token's header names by "kid".
export async function verifyWithJwks(token, jwks, { typ } = {}) {
  const kid = unverifiedHeader(token).kid;
  return verifyJws(token, keyByKid(jwks, kid), { typ });
}

// A compact ES256 JWS of `claims` signed by `privateKey` (a WebCrypto ECDSA P-256 key; it may be
// non-extractable: only its signature leaves it). Header: alg, typ, then `extra` (jwk, kid...).
export async function signJws(privateKey, claims, { typ, extra = {} } = {}) {
  for (const name of ["alg", "typ", "crit"]) {
    if (name in extra) throw new JwsError("reserved header");
  }
  const header = { alg: ALGORITHM, typ, ...extra };
  const input = b64urlEncode(utf8(JSON.stringify(header))) + "." + b64urlEncode(utf8(JSON.stringify(claims)));
  const signature = new Uint8Array(await crypto.subtle.sign(SIGN_PARAMS, privateKey, utf8(input)));
  return input + "." + b64urlEncode(signature);
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}
