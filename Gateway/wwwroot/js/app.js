// Picks the page for the path the gateway served index.html for.
import { markNavigation } from './ui.js';

const pages = {
  '/': () => import('./pages/wall.js'),
  '/projector': () => import('./pages/wall.js'),
  '/upload': () => import('./pages/upload.js'),
  '/mine': () => import('./pages/mine.js'),
  '/admin': () => import('./pages/admin.js'),
};

const path = location.pathname.replace(/\/+$/, '') || '/';
const load = pages[path] ?? pages['/'];
markNavigation(path === '/projector' ? '/' : path);
load().then((page) => page.start(document.getElementById('main'), path));

// Installable app: the service worker keeps the shell for offline starts and receives "Share → Scrapbook".
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' }).catch(() => {});
}
