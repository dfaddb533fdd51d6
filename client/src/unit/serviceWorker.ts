/**
 * Registers /sw.js for the field-unit page only (scope /unit/), so the page opens even with no
 * signal. The worker caches the app shell, never API responses.
 */

/** Registers the service worker once the page has loaded (no-op where unsupported). */
export function registerShellCache(): void {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/unit/' }).catch((err: unknown) => {
      console.warn('service worker not registered', err);
    });
  });
}
