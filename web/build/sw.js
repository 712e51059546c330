// Keyholder's service worker (the build writes in VERSION and SHELL; see web/build/pwa.ts).
// - The app shell (index.html, the hashed scripts and styles, icons, manifest) is cached at install, so the app opens
//   without a connection and says it is offline; pages are asked of the network first, the shell is the fallback.
// - API answers are never cached: they are personal and must be current.
// - Web Push: shows the notification the server sent and opens its screen when tapped.
const VERSION = '__VERSION__';
const SHELL = ['__SHELL__'];
const CACHE = `keyholder-shell-${VERSION}`;
const NOT_THE_APP = ['/api/', '/healthz', '/openapi.json', '/docs', '/.well-known/', '/metrics', '/mediamtx/'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith('keyholder-') && k !== CACHE).map((k) => caches.delete(k))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || NOT_THE_APP.some((p) => url.pathname.startsWith(p))) return;
  if (request.mode === 'navigate') {
    event.respondWith(fetch(request).catch(() => caches.open(CACHE).then((cache) => cache.match('/'))));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(
      caches.open(CACHE).then((cache) => cache.match(url.pathname).then((hit) => hit || fetch(request))),
    );
  }
});

self.addEventListener('push', (event) => {
  let notice;
  try {
    notice = event.data.json();
  } catch {
    notice = { title: 'Keyholder', body: event.data ? event.data.text() : '', url: '/messages' };
  }
  event.waitUntil(
    self.registration.showNotification(notice.title || 'Keyholder', {
      body: notice.body || '',
      tag: notice.tag,
      icon: '/icons/icon-192.png',
      badge: '/icons/favicon-32.png',
      data: { url: notice.url || '/messages' },
    }),
  );
});

/** Shows `url` in the app: in an open window (which the app navigates itself), else in a new one. */
async function openScreen(url) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
  if (open) {
    open.postMessage({ type: 'open', url });
    return open.focus().catch(() => open);
  }
  return self.clients.openWindow(url);
}
self.openScreen = openScreen;

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = event.notification.data && event.notification.data.url;
  event.waitUntil(openScreen(typeof url === 'string' && url.startsWith('/') ? url : '/messages'));
});
