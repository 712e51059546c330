/// <reference types="vite/client" />
// Registers the service worker (web/build/sw.js) that caches the app shell and receives push notifications.
// Only in the built app: the dev server's modules change on every edit.
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => {
      // Without it the app still works online; nothing for the person to do.
    });
  });
}
