// Picks the page for the path the gateway served index.html for.
import { markNavigation } from './ui.js';

const pages = {
  '/': () => import('./pages/wall.js'),
  '/projector': () => import('./pages/wall.js'),
  '/upload': () => import('./pages/upload.js'),
  '/mine': () => import('./pages/mine.js'),
  '/albums': () => import('./pages/albums.js'),
  '/admin': () => import('./pages/admin.js'),
  '/devices': () => import('./pages/devices.js'),
  '/pair': () => import('./pages/pair.js'),
};
/** One album's page: the gateway serves index.html for /albums/{guid}. */
const ALBUM = /^\/albums\/[^/]+$/;

const path = location.pathname.replace(/\/+$/, '') || '/';
const load = pages[path] ?? (ALBUM.test(path) ? () => import('./pages/album.js') : pages['/']);
markNavigation(path === '/projector' ? '/' : ALBUM.test(path) ? '/albums' : path === '/pair' ? '/devices' : path);
load().then((page) => page.start(document.getElementById('main'), path));

// Installable app: the service worker keeps the shell for offline starts and receives "Share → Scrapbook".
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' }).catch(() => {});
}
