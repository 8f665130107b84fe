// The app's service worker: keeps the shell so the app opens with no network (the identity QR and
// the last document list come from IndexedDB). Page and files: served from the cache at once and
// refreshed in the background; the /v1 API is never cached here.
const VERSION = "app-1";
const SHELL = [
  "/app",
  "/app/app.js",
  "/app/app.css",
  "/app/lib/dom.js",
  "/app/lib/catalog.js",
  "/app/lib/scan.js",
  "/app/manifest.webmanifest",
  "/app/icons/icon.svg",
  "/app/icons/icon-192.png",
  "/app/vendor/qrcode.mjs",
  "/app/views/home.js",
  "/app/views/enrol.js",
  "/app/views/documents.js",
  "/app/views/credentials.js",
  "/app/views/identity.js",
  "/app/views/devices.js",
  "/app/views/settings.js",
  "/app/views/mandates.js",
  "/app/views/recover.js",
  "/app/views/rights.js",
  // the consents, log and presentation views (another part of the app); missing files are skipped
  "/app/views/consents.js",
  "/app/views/log.js",
  "/app/views/present.js",
  "/app/lib/proofs.js",
  "/app/lib/jws.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(VERSION);
      await Promise.all(
        SHELL.map(async (path) => {
          try {
            const response = await fetch(path, { cache: "no-cache" });
            if (response.ok) await cache.put(path, response);
          } catch (_) {
            /* offline while installing: the next visit fills it */
          }
        }),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== VERSION) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!(url.pathname === "/app" || url.pathname.startsWith("/app/")) || url.pathname === "/app/sw.js") return;
  const key = url.pathname; // the page's query (?lang=en) does not make another copy
  event.respondWith(
    (async () => {
      const cache = await caches.open(VERSION);
      const cached = await cache.match(key);
      const fresh = fetch(url.href, { cache: "no-cache" })
        .then(async (response) => {
          if (response.ok) await cache.put(key, response.clone());
          return response;
        })
        .catch(() => null);
      if (cached) {
        event.waitUntil(fresh);
        return cached;
      }
      const response = await fresh;
      return response || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
    })(),
  );
});
