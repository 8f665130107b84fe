// The document-type catalog (names of kinds of documents, labels of their details) and the
// registered agencies, as the service's public trust list carries them. Kept in IndexedDB, so the
// names still show with no network. Used for display only: nothing here is trusted for a decision.
import { jwsClaims } from "../app.js";

const FALLBACK = { other: { name_vi: "Giấy tờ khác", name_en: "Other document", claims: {} } };
let loaded = null;

async function trustList(ctx) {
  if (!loaded) {
    loaded = (async () => {
      try {
        const response = await fetch("/v1/trust-list", { credentials: "omit" });
        if (!response.ok) throw new Error(String(response.status));
        const claims = jwsClaims((await response.text()).trim());
        const kept = { document_types: claims.document_types || {}, agencies: (claims.agencies || []).map((a) => ({ id: a.id, name: a.name })) };
        await ctx.store.set("trust-list", kept);
        return kept;
      } catch (_) {
        loaded = null;
        return (await ctx.store.get("trust-list")) || { document_types: FALLBACK, agencies: [] };
      }
    })();
  }
  return loaded;
}

/** {type_id: {name_vi, name_en, vct, claims: {name: [vi, en]}}} */
export async function catalog(ctx) {
  const list = await trustList(ctx);
  return Object.keys(list.document_types).length ? list.document_types : FALLBACK;
}

/** An agency's name from its id (null when unknown). */
export async function agencyName(ctx, id) {
  const list = await trustList(ctx);
  const found = list.agencies.find((a) => a.id === id);
  return found ? found.name : null;
}
