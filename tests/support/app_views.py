"""Run one of the citizen app's views in Chromium with a small test ``ctx`` (the contract of
docs/app.md), independently of the shell: a real non-extractable WebCrypto P-256 key made in the
page, enrolment and login over the real API, every call a real ``fetch`` with a fresh DPoP proof
signed in the page (so ``page.route`` can intercept it), an in-memory store, announcements
recorded in ``window.announced``.

The journey test (tests/e2e/test_app_journey.py) runs the views inside the real shell instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

HARNESS = r"""
async () => {
  const J = await import("/static/app/lib/jws.js");
  const keys = await crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
  const pub = await crypto.subtle.exportKey("jwk", keys.publicKey);
  const jwk = { kty: "EC", crv: "P-256", x: pub.x, y: pub.y };
  const state = { token: null, citizen: null };
  const rand = () => J.b64urlEncode(crypto.getRandomValues(new Uint8Array(16)));
  const now = () => Math.floor(Date.now() / 1000);
  window.announced = [];

  async function dpop(method, url, token) {
    const claims = { jti: rand(), htm: method, htu: url, iat: now() };
    if (token) claims.ath = J.b64urlEncode(await J.sha256(J.utf8(token)));
    return J.signJws(keys.privateKey, claims, { typ: "dpop+jwt", extra: { jwk } });
  }

  async function problem(response) {
    let data = {};
    try { data = await response.json(); } catch (_) { data = {}; }
    const error = new Error(data.title || String(response.status));
    Object.assign(error, { name: "ApiError", status: response.status, code: data.code, title: data.title,
      detail: data.detail, problem: data });
    return error;
  }

  async function enrol(cccd, fullName, dob) {
    const r = await fetch("/v1/citizens", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ cccd, full_name: fullName, date_of_birth: dob, device_jwk: jwk }) });
    if (!r.ok) throw await problem(r);
    return (await r.json()).citizen_id;
  }

  async function login(citizenId) {
    const url = location.origin + "/v1/token";
    const assertion = await J.signJws(keys.privateKey, { iss: citizenId, sub: citizenId, aud: url,
      iat: now(), exp: now() + 60, jti: rand() }, { typ: "client-assertion+jwt" });
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id: citizenId,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion });
    const r = await fetch(url, { method: "POST", body: form, headers: { DPoP: await dpop("POST", url) } });
    if (!r.ok) throw await problem(r);
    state.token = (await r.json()).access_token;
    state.citizen = await call("GET", "/v1/me");
    return state.citizen;
  }

  async function call(method, path, query, body, lang) {
    const qs = query && Object.keys(query).length ? "?" + new URLSearchParams(query) : "";
    const headers = { Authorization: "DPoP " + state.token,
      DPoP: await dpop(method, location.origin + path, state.token), "Accept-Language": lang || "vi" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const sent = body === undefined ? undefined : JSON.stringify(body);
    const r = await fetch(path + qs, { method, headers, body: sent });
    if (!r.ok) throw await problem(r);
    return r.status === 204 ? null : r.json();
  }

  function ctx(lang) {
    const store = window.testStore || (window.testStore = new Map());
    const fmt = (value, time) => {
      const d = typeof value === "number" ? new Date(value * 1000) : new Date(value);
      const options = { day: lang === "en" ? "numeric" : "2-digit", month: lang === "en" ? "long" : "2-digit",
        year: "numeric", timeZone: "Asia/Ho_Chi_Minh" };
      if (time) Object.assign(options, { hour: "2-digit", minute: "2-digit" });
      return d.toLocaleString(lang === "en" ? "en-GB" : "vi-VN", options);
    };
    return {
      lang,
      t(texts, key, vars) {
        let s = (texts[lang] || texts.vi)[key];
        for (const [k, v] of Object.entries(vars || {})) s = s.split("{" + k + "}").join(String(v));
        return s;
      },
      api: {
        get: (path, query) => call("GET", path, query, undefined, lang),
        post: (path, body) => call("POST", path, undefined, body, lang),
        del: (path) => call("DELETE", path, undefined, undefined, lang),
      },
      store: {
        get: async (k) => (store.has(k) ? structuredClone(store.get(k)) : undefined),
        set: async (k, v) => { store.set(k, structuredClone(v)); },
        del: async (k) => { store.delete(k); },
      },
      announce(message, assertive) { window.announced.push(message); },
      formatDate: (v) => fmt(v, false),
      formatDateTime: (v) => fmt(v, true),
      online: () => navigator.onLine,
      navigate(hash) { location.hash = hash; },
      citizen: state.citizen,
      deviceKey: { privateKey: keys.privateKey, publicKey: keys.publicKey, jwk },
    };
  }

  // Render view `name` into a fresh <main> (the shell's job), replacing the previous one.
  async function show(name, lang) {
    const view = await import("/static/app/views/" + name + ".js");
    document.documentElement.lang = lang;
    document.body.replaceChildren();
    const main = document.createElement("main");
    main.id = "view";
    document.body.append(main);
    await view.render(main, ctx(lang));
    return true;
  }

  window.harness = { keys, jwk, enrol, login, call, ctx, show, state };
}
"""


@contextmanager
def chromium_page(browser: Any, base_url: str) -> Iterator[Any]:
    """A page in a fresh profile of ``browser`` (the ``app_browser`` fixture of
    tests/support/app_browser.py) on the service's origin, ``window.harness`` loaded, no citizen yet."""
    context = browser.new_context(viewport={"width": 360, "height": 640})
    try:
        page = context.new_page()
        page.goto(base_url + "/health")
        page.evaluate(HARNESS)
        yield page
    finally:
        context.close()


def enrol(page: Any, cccd: str, name: str, dob: str) -> str:
    """Enrol and log in with the page's own key; the citizen id."""
    citizen_id: str = page.evaluate(
        """async (a) => {
            const id = await window.harness.enrol(a.cccd, a.name, a.dob);
            await window.harness.login(id);
            return id;
        }""",
        {"cccd": cccd, "name": name, "dob": dob},
    )
    return citizen_id


def show(page: Any, view: str, lang: str = "vi") -> None:
    """Render ``view`` (``log``, ``consents``, ``present``) in the page."""
    page.evaluate("(a) => window.harness.show(a.view, a.lang)", {"view": view, "lang": lang})


def stored(page: Any, key: str) -> Any:
    """What the view kept in the test store under ``key``."""
    return page.evaluate("(k) => (window.testStore && window.testStore.get(k)) || null", key)
