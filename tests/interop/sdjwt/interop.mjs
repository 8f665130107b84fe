// The independent side of the SD-JWT interop tests: the OpenWallet Foundation's @sd-jwt packages.
// Usage: node interop.mjs <verify|issue|present|status>  with a JSON request on stdin;
// prints a JSON answer ({"ok": true, ...} or {"ok": false, "error": "..."}) on stdout.
import { ES256, digest, generateSalt } from "@sd-jwt/crypto-nodejs";
import { getListFromStatusListJWT } from "@sd-jwt/jwt-status-list";
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";

const hasher = async (data, alg) => digest(data, alg);

async function instance(request) {
  const config = { hasher, hashAlg: "sha-256", saltGenerator: generateSalt, signAlg: ES256.alg, kbSignAlg: ES256.alg };
  if (request.issuer_private_jwk) config.signer = await ES256.getSigner(request.issuer_private_jwk);
  if (request.issuer_jwk) config.verifier = await ES256.getVerifier(request.issuer_jwk);
  if (request.holder_private_jwk) config.kbSigner = await ES256.getSigner(request.holder_private_jwk);
  config.kbVerifier = async (data, signature, payload) =>
    (await ES256.getVerifier(payload.cnf.jwk))(data, signature);
  if (request.status_list_jwt) {
    config.statusListFetcher = async () => request.status_list_jwt;
    config.statusVerifier = await ES256.getVerifier(request.service_jwk);
  }
  return new SDJwtVcInstance(config);
}

const commands = {
  async verify(request) {
    const sdjwt = await instance(request);
    const options = { currentDate: request.now };
    if (request.nonce) options.keyBindingNonce = request.nonce;
    const result = await sdjwt.verify(request.sd_jwt, options);
    const claims = await sdjwt.getClaims(request.sd_jwt);
    return { payload: result.payload, claims, kb: result.kb ? result.kb.payload : null };
  },
  async issue(request) {
    const sdjwt = await instance(request);
    const header = { kid: request.kid };
    return { sd_jwt: await sdjwt.issue(request.payload, request.frame, { header }) };
  },
  async present(request) {
    const sdjwt = await instance(request);
    const kb = { payload: { iat: request.iat, aud: request.aud, nonce: request.nonce } };
    return { presentation: await sdjwt.present(request.sd_jwt, request.frame, { kb }) };
  },
  async status(request) {
    const list = getListFromStatusListJWT(request.status_list_jwt);
    return { value: list.getStatus(request.idx), size: list.statusList.length, bits: list.getBitsPerStatus() };
  },
};

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
try {
  const answer = await commands[process.argv[2]](request);
  process.stdout.write(JSON.stringify({ ok: true, ...answer }));
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, error: String(error && error.message || error) }));
}
