// Scrapbook's service worker: keeps the app shell for offline starts, and receives "Share → Scrapbook".
import { saveShare } from '/js/shared-files.js';

const SHELL_CACHE = 'scrapbook-shell-v1';
const SHELL = [
  '/', '/offline.html', '/manifest.webmanifest', '/favicon.svg', '/icons/icon-192.png', '/icons/icon-512.png',
  '/css/app.css',
  '/js/albums.js', '/js/app.js', '/js/api.js', '/js/share-dialog.js', '/js/events.js', '/js/photos.js', '/js/projector.js', '/js/shared-files.js',
  '/js/thumbhash.js', '/js/ui.js', '/js/uploader.js', '/js/viewer.js', '/js/webhooks.js',
  '/js/pages/wall.js', '/js/pages/upload.js', '/js/pages/mine.js', '/js/pages/albums.js', '/js/pages/album.js', '/js/pages/admin.js',
];
/** The client-side pages: offline, each is the cached shell, which then says what it cannot do. */
const PAGES = new Set(['/', '/upload', '/mine', '/albums', '/admin', '/projector']);
const ALBUM_PAGE = /^\/albums\/[0-9a-f-]{36}$/i;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name !== SHELL_CACHE).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === 'POST' && url.pathname === '/share-target') {
    event.respondWith(receiveShare(request));
    return;
  }
  // The API, the event stream, media and the API description always go to the network, never to a cache.
  if (request.method !== 'GET' || /^\/(api|media|openapi)\//.test(url.pathname)) return;
  if (request.mode === 'navigate') {
    event.respondWith(fetch(request).catch(() => offlinePage(url.pathname)));
    return;
  }
  if (SHELL.includes(url.pathname)) event.respondWith(fromCacheThenRefresh(request));
});

/** The shell's files from the cache at once, refreshed from the network for next time (the server revalidates by ETag). */
async function fromCacheThenRefresh(request) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  const fresh = fetch(request).then((response) => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  });
  if (cached) {
    fresh.catch(() => {});
    return cached;
  }
  return fresh;
}

async function offlinePage(path) {
  const cache = await caches.open(SHELL_CACHE);
  const clean = path.replace(/\/+$/, '') || '/';
  const page = PAGES.has(clean) || ALBUM_PAGE.test(clean) ? await cache.match('/') : null;
  return page ?? (await cache.match('/offline.html')) ?? new Response('Offline', { status: 503, headers: { 'Content-Type': 'text/plain' } });
}

/** Keeps the shared files for the upload page and sends the browser there; nothing shared is lost if it is not a photo. */
async function receiveShare(request) {
  try {
    const form = await request.formData();
    const files = form.getAll('file').filter((value) => value instanceof File && value.size > 0);
    const id = await saveShare({
      files,
      title: String(form.get('title') ?? ''),
      text: String(form.get('text') ?? ''),
      url: String(form.get('url') ?? ''),
    });
    return Response.redirect(`/upload?share=${encodeURIComponent(id)}`, 303);
  } catch {
    return Response.redirect('/upload?share=failed', 303);
  }
}
