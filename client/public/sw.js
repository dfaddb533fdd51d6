/*
 * Beacon field-unit service worker (registered by /unit/ with scope /unit/).
 *
 * Caches the app shell only: the page's HTML, its hashed scripts and styles, the manifest and
 * the icons, so the page opens with no signal and then says honestly that it is offline.
 * API responses, feeds and the WebSocket are never cached: live data is only ever live.
 *
 * - navigations to /unit/…: network first (a new build arrives at once), cached shell offline;
 * - /assets/… (content-hashed, immutable): cache first;
 * - manifest and icons: cache, refreshed in the background.
 */
const CACHE_PREFIX = 'beacon-unit-';
const SHELL_CACHE = `${CACHE_PREFIX}shell-v1`;
const SHELL_URL = '/unit/';
const STATIC_FILES = [
  '/manifest.webmanifest',
  '/icons/unit.svg',
  '/icons/unit-maskable.svg',
  '/icons/unit-192.png',
  '/icons/unit-512.png',
];
/** Never through the cache, whatever the page asks. */
const LIVE_ONLY = /^\/(api|ws|health|metrics|openapi\.json)(\/|$)/;

/** Script, style and preload URLs a built page refers to. */
function assetsOf(html) {
  const found = new Set();
  for (const m of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) found.add(m[1]);
  return [...found];
}

/** Stores the shell page and what it needs; drops assets of older builds. */
async function storeShell(cache, response) {
  const html = await response.clone().text();
  const assets = assetsOf(html);
  await cache.put(SHELL_URL, response);
  await Promise.all(assets.map(async (url) => {
    if (!(await cache.match(url))) await cache.add(url);
  }));
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (path.startsWith('/assets/') && !assets.includes(path)) await cache.delete(request);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    const page = await fetch(SHELL_URL, { cache: 'no-cache' });
    if (!page.ok) throw new Error(`shell fetch failed: ${page.status}`);
    await storeShell(cache, page);
    await Promise.all(STATIC_FILES.map((url) => cache.add(url).catch(() => undefined)));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith(CACHE_PREFIX) && key !== SHELL_CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

async function navigate(request, event) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) event.waitUntil(storeShell(cache, response.clone()).catch(() => undefined));
    return response;
  } catch (err) {
    const cached = await cache.match(SHELL_URL);
    if (cached) return cached;
    throw err;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function staleWhileRevalidate(request, event) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(request);
  const fresh = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(request, response.clone());
    return response;
  });
  if (cached) {
    event.waitUntil(fresh.catch(() => undefined));
    return cached;
  }
  return fresh;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || LIVE_ONLY.test(url.pathname)) return;
  if (request.mode === 'navigate' && url.pathname.startsWith('/unit')) {
    event.respondWith(navigate(request, event));
  } else if (url.pathname.startsWith('/assets/') && !url.pathname.endsWith('.map')) {
    event.respondWith(cacheFirst(request));
  } else if (STATIC_FILES.includes(url.pathname)) {
    event.respondWith(staleWhileRevalidate(request, event));
  }
});
