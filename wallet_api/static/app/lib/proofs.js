// The citizen's access log checked in the browser, exactly as the phone checks it
// (crypto/transparency, mobile_stub/log_check.py): RFC 9162 Merkle proofs over SHA-256 and
// ES256-signed tree heads. Pure functions (WebCrypto for hashes and signatures, no I/O).
//
// Leaf hash H(0x00 || data), node hash H(0x01 || left || right), MTH({}) = H(). A tree head is a
// compact JWS of typ "wallet-sth+jwt": sub (the citizen), tree_size, root_hash (hex), iat. Every
// failure is one opaque LogInconsistent: the citizen is told the log cannot be trusted.

import { JwsError, sha256, utf8, verifyWithJwks } from "./jws.js";

export const TREE_HEAD_TYP = "wallet-sth+jwt";
export const HASH_SIZE = 32;
export const MAX_PROOF_HASHES = 128;
export const ENTRY_VERSION = 1;
const HEX_HASH = /^[0-9a-f]{64}$/;
const MAX_ENTRY = 16 * 1024;
const MAX_TEXT = 512;
// Every AccessAction of crypto/transparency/entry.py (tests/e2e/test_app_log.py keeps the two in step).
const ACTIONS = new Set([
  "read", "issue", "revoke", "verify", "lookup", "request-paused", "incident", "device-add", "device-revoke",
  "recovery-start", "recovery-cancel", "recovery-complete", "recovery-expire", "credential-reissue", "mandate-grant", "mandate-end",
  "decide", "present", "visit", "deletion-asked", "deletion-auto-asked", "deletion-attested", "deletion-refused",
  "correction-asked", "correction-reissued", "correction-refused", "request-overdue", "enrol-attempt",
  "card-issue", "card-refused",
]);
const TEXT_FIELDS = ["agency_id", "agency_name", "resource_id", "resource_type", "purpose", "procedure_code"];
const REQUIRED = [...TEXT_FIELDS, "action", "consent_id", "at", "v"];
const OPTIONAL = ["case_number"];

export class LogInconsistent extends Error {
  constructor(reason) {
    super(reason || "the access log failed verification");
    this.name = "LogInconsistent";
    this.reason = reason;
  }
}

function fail(reason) {
  throw new LogInconsistent(reason);
}

// -- hashes ----------------------------------------------------------------------------------

export function hexToBytes(hex) {
  if (typeof hex !== "string" || !HEX_HASH.test(hex)) fail("a hash is not a hex SHA-256");
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export async function leafHash(data) {
  return sha256(concat(Uint8Array.of(0), data));
}

export async function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

export const EMPTY_ROOT_HEX = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

function equal(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function requireHashes(...hashes) {
  for (const h of hashes) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) fail("a hash is not 32 bytes");
  }
}

function requireCount(value) {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    fail("a size, index or time is not a non-negative integer");
  }
  return value;
}

// Sizes stay below 2**53, so halving with Math.floor is exact where `>>` would wrap at 2**31.
const half = (n) => Math.floor(n / 2);
const odd = (n) => n % 2 === 1;

function isPowerOfTwo(n) {
  while (n > 1 && !odd(n)) n = half(n);
  return n === 1;
}

function shiftToSetBit(fn, sn) {
  while (fn && !odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  return [fn, sn];
}

// RFC 9162 §2.1.3.2: the root that `proof` leads to from `leaf` at `index` in a tree of `size`.
export async function rootFromInclusionProof(leaf, index, size, proof) {
  requireHashes(leaf, ...proof);
  if (!(index >= 0 && index < size)) fail("leaf index outside the tree");
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) fail("inclusion proof too long");
    if (odd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      if (!odd(fn)) [fn, sn] = shiftToSetBit(fn, sn);
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail("inclusion proof too short");
  return r;
}

export async function verifyInclusion(leaf, index, size, proof, root) {
  requireHashes(root);
  if (!equal(await rootFromInclusionProof(leaf, index, size, proof), root)) {
    fail("inclusion proof does not lead to the root");
  }
}

// RFC 9162 §2.1.4.2, with the service's extensions: equal sizes need an empty proof and equal
// roots; size 0 (root H()) is a prefix of every tree, with an empty proof.
export async function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  requireHashes(firstRoot, secondRoot, ...proof);
  if (!(first >= 0 && first <= second)) fail("the log shrank");
  if (first === second || first === 0) {
    const expected = first === second ? secondRoot : hexToBytes(EMPTY_ROOT_HEX);
    if (proof.length || !equal(firstRoot, expected)) fail("trivial consistency proof does not hold");
    return;
  }
  if (!proof.length) fail("empty consistency proof");
  const path = [...proof];
  if (isPowerOfTwo(first)) path.unshift(firstRoot);
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) fail("consistency proof too long");
    if (odd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (!odd(fn)) [fn, sn] = shiftToSetBit(fn, sn);
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail("consistency proof too short");
  if (!(equal(fr, firstRoot) && equal(sr, secondRoot))) fail("consistency proof does not lead to both roots");
}

// -- wire forms ------------------------------------------------------------------------------

function hashList(value) {
  if (!Array.isArray(value) || value.length > MAX_PROOF_HASHES) fail("proof hashes are not a bounded list");
  return value.map(hexToBytes);
}

export function inclusionFromJson(data) {
  if (!data || typeof data !== "object" || Array.isArray(data)) fail("inclusion proof is not an object");
  return { index: requireCount(data.index), treeSize: requireCount(data.tree_size), hashes: hashList(data.hashes) };
}

export function consistencyFromJson(data) {
  if (!data || typeof data !== "object" || Array.isArray(data)) fail("consistency proof is not an object");
  return { first: requireCount(data.first), second: requireCount(data.second), hashes: hashList(data.hashes) };
}

// A head as kept in the store: plain data (structured-clone friendly).
export function headRecord(head) {
  return { citizenId: head.citizenId, size: head.size, rootHash: head.rootHash, timestamp: head.timestamp, token: head.token };
}

// -- tree heads ------------------------------------------------------------------------------

// The head signed in `token` by a key of the service's `jwks` for `citizenId`'s log.
export async function verifyTreeHead(token, jwks, citizenId) {
  let claims;
  try {
    ({ claims } = await verifyWithJwks(token, jwks, { typ: TREE_HEAD_TYP }));
  } catch (exc) {
    if (exc instanceof JwsError) fail("tree head signature is not valid");
    throw exc;
  }
  if (typeof claims.sub !== "string" || !claims.sub) fail("tree head names no citizen");
  if (typeof claims.root_hash !== "string" || !HEX_HASH.test(claims.root_hash)) fail("tree head root is not a hex SHA-256");
  const head = {
    citizenId: claims.sub,
    size: requireCount(claims.tree_size),
    rootHash: claims.root_hash,
    timestamp: requireCount(claims.iat),
    token,
  };
  if (head.citizenId !== citizenId) fail("tree head is for another citizen's log");
  if (head.size === 0 && head.rootHash !== EMPTY_ROOT_HEX) fail("empty tree head with a root other than H()");
  return head;
}

// That `next` extends `old` (both verified heads): the same log, no entry removed or changed.
export async function verifyHeadConsistency(old, next, proofJson) {
  if (old.citizenId !== next.citizenId) fail("tree heads of different logs");
  if (next.size < old.size) fail("the log shrank");
  if (old.size === next.size) {
    if (old.rootHash !== next.rootHash) fail("the same size with another root: history rewritten");
    return;
  }
  const proof = consistencyFromJson(proofJson);
  if (proof.first !== old.size || proof.second !== next.size) fail("consistency proof is for other tree sizes");
  await verifyConsistency(old.size, next.size, hexToBytes(old.rootHash), hexToBytes(next.rootHash), proof.hashes);
}

// -- entries ---------------------------------------------------------------------------------

function canonical(value) {
  // Python's json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) for an object
  // of strings, integers and null: JSON.stringify writes strings and numbers the same way.
  const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return "{" + keys.map((k) => JSON.stringify(k) + ":" + JSON.stringify(value[k])).join(",") + "}";
}

function isText(value) {
  return typeof value === "string" && value.length > 0 && [...value].length <= MAX_TEXT;
}

// The entry encoded by `data`, which must be its canonical JSON (so two byte strings never show
// as one entry); LogInconsistent otherwise.
export function parseEntry(data) {
  if (typeof data !== "string" || data.length > MAX_ENTRY) fail("entry is too long");
  let obj;
  try {
    obj = JSON.parse(data);
  } catch (_) {
    fail("entry is not JSON");
  }
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) fail("entry is not an object");
  const keys = Object.keys(obj);
  if (!REQUIRED.every((k) => keys.includes(k)) || !keys.every((k) => REQUIRED.includes(k) || OPTIONAL.includes(k))) {
    fail("entry has unexpected fields");
  }
  if (obj.v !== ENTRY_VERSION || !ACTIONS.has(obj.action)) fail("entry has an unknown version or action");
  for (const name of TEXT_FIELDS) if (!isText(obj[name])) fail("entry field is not text");
  for (const name of ["consent_id", "case_number"]) {
    if (obj[name] !== null && obj[name] !== undefined && !isText(obj[name])) fail("entry field is not text");
  }
  if ("case_number" in obj && obj.case_number === null) fail("entry is not in canonical form");
  if (typeof obj.at !== "number" || !Number.isSafeInteger(obj.at) || obj.at < 0) fail("entry time is not a count");
  if (canonical(obj) !== data) fail("entry is not in canonical form");
  return obj;
}

// The entry whose canonical JSON `data` is leaf `index` of the tree `head` signs.
export async function verifyEntry(head, index, data, proofJson) {
  const proof = inclusionFromJson(proofJson);
  if (proof.index !== index || proof.treeSize !== head.size) fail("inclusion proof is for another leaf or tree size");
  if (typeof data !== "string") fail("entry is not text");
  await verifyInclusion(await leafHash(utf8(data)), index, head.size, proof.hashes, hexToBytes(head.rootHash));
  return parseEntry(data);
}

// -- a page of the log -----------------------------------------------------------------------

// Check one page of GET /v1/me/log (asked with `since` = accepted.size when a head was accepted):
// the head's signature, that it extends `accepted` (or is the first), that the page holds exactly
// the entries [start, min(start + limit, size)) and that each is in the tree. Returns the new head
// (to accept only now) and the entries, each {index, entry, typeNames, procedureNames}.
export async function checkPage(page, { jwks, citizenId, accepted, start, limit }) {
  try {
    if (!page || typeof page !== "object") fail("page is not an object");
    const head = await verifyTreeHead(String(page.tree_head ?? ""), jwks, citizenId);
    if (page.tree_size !== head.size) fail("page size differs from its signed head");
    if (accepted && accepted.size > 0) await verifyHeadConsistency(accepted, head, page.consistency);
    else if (accepted && accepted.citizenId !== head.citizenId) fail("tree heads of different logs");
    const raw = Array.isArray(page.entries) ? page.entries : fail("entries are not a list");
    const end = Math.min(start + limit, head.size);
    const expected = [];
    for (let i = start; i < end; i++) expected.push(i);
    if (raw.length !== expected.length || raw.some((item, n) => !item || item.index !== expected[n])) {
      fail("entries are missing or out of order");
    }
    const entries = [];
    for (const item of raw) {
      const entry = await verifyEntry(head, item.index, item.data, item.inclusion);
      entries.push({ index: item.index, entry, typeNames: pair(item.type_names), procedureNames: pair(item.procedure_names) });
    }
    return { head, entries };
  } catch (exc) {
    // A page shaped wrongly is as untrustworthy as a failed proof: report it, never crash.
    if (exc instanceof LogInconsistent) throw exc;
    throw new LogInconsistent(String((exc && exc.message) || exc));
  }
}

// Names the server sent next to a proved entry (words only: ids and codes come from the proof).
function pair(names) {
  return Array.isArray(names) && names.length === 2 && names.every((n) => typeof n === "string") ? names : null;
}
