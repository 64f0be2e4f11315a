// The wall (/): newest photos first, live over SSE, infinite scroll, a viewer; and the projector (/projector).
import { isPublic, listPhotos } from '../api.js';
import { openEvents } from '../events.js';
import { arriveTile, leaveTile, photoTile, refreshTile } from '../photos.js';
import { h, showLiveState, uploadQrCode } from '../ui.js';
import { openViewer } from '../viewer.js';
import { Projector } from '../projector.js';

/** About a screen and a half of tiles: a phone asks for a dozen, a 4K projector for many more (the API allows 100). */
function pageSize() {
  const tile = window.innerWidth < 640 ? window.innerWidth / 2 : 240;
  const columns = Math.max(2, Math.floor(window.innerWidth / tile));
  const rows = Math.ceil(window.innerHeight / tile) + 1;
  return Math.min(100, Math.max(12, columns * rows));
}

const TILE_SIZES = '(max-width: 640px) 50vw, (max-width: 1400px) 25vw, 20vw';
/** How many of the newest photos the projector cycles through. */
const PROJECTOR_PHOTOS = 60;

export function start(main, path) {
  const photos = [];
  const tiles = new Map();
  let cursor = null;
  let loading = false;
  let finished = false;
  let projector = null;
  let generation = 0;

  const grid = h('ul', { class: 'grid', attrs: { 'aria-label': 'Photos, newest first' } });
  const empty = h('div', { class: 'empty', hidden: true },
    h('p', { class: 'empty-title', text: 'The wall is waiting for its first photo.' }),
    h('p', {}, 'Photos appear here the moment they are ready. ', h('a', { href: '/upload', text: 'Add one now' }), '.'));
  const status = h('p', { class: 'wall-status', attrs: { 'aria-live': 'polite' } });
  const sentinel = h('div', { class: 'sentinel', attrs: { 'aria-hidden': 'true' } });
  const projectorButton = h('button', { class: 'button', type: 'button', onclick: () => enterProjector(true) },
    h('span', { class: 'icon icon-play', attrs: { 'aria-hidden': 'true' } }), 'Projector');
  main.append(h('section', { class: 'wall', attrs: { 'aria-labelledby': 'wall-title' } },
    h('div', { class: 'page-head' },
      h('div', {},
        h('h1', { id: 'wall-title', text: 'The wall' }),
        h('p', { class: 'lede', text: 'Every photo, newest first. New ones slide in by themselves.' })),
      h('div', { class: 'actions' },
        h('a', { class: 'button primary', href: '/upload' }, h('span', { class: 'icon icon-plus', attrs: { 'aria-hidden': 'true' } }), 'Add photos'),
        projectorButton),
      uploadQrCode('wall-qr')),
    empty, grid, sentinel, status));

  const indexOf = (id) => photos.findIndex((p) => p.id === id);
  const newest = () => photos.slice(0, PROJECTOR_PHOTOS);

  const tileFor = (photo) => photoTile(photo, { sizes: TILE_SIZES, open: () => openViewer(photos, photo.id) });

  function upsert(photo, { live = false } = {}) {
    const at = indexOf(photo.id);
    if (at >= 0) {
      photos[at] = photo;
      refreshTile(tiles.get(photo.id), photo, { sizes: TILE_SIZES });
      return;
    }
    // Pages come in the server's order and are appended as they are; a live arrival goes before the first photo
    // older than it (the top, in practice).
    let position = live ? photos.findIndex((p) => Date.parse(p.createdAt) < Date.parse(photo.createdAt)) : photos.length;
    if (position < 0) {
      if (!finished) return; // older than everything shown: the scroll brings it in its place
      position = photos.length;
    }
    photos.splice(position, 0, photo);
    const tile = tileFor(photo);
    tiles.set(photo.id, tile);
    // Placed by its neighbour rather than by index: a tile on its way out is still in the grid for a moment.
    const next = photos[position + 1];
    grid.insertBefore(tile, next ? tiles.get(next.id) ?? null : null);
    if (live) arriveTile(tile);
    empty.hidden = true;
  }

  function remove(id) {
    const at = indexOf(id);
    if (at < 0) return;
    photos.splice(at, 1);
    leaveTile(tiles.get(id));
    tiles.delete(id);
    empty.hidden = photos.length > 0 || !finished;
  }

  async function loadMore() {
    if (loading || finished) return;
    loading = true;
    const mine = generation;
    status.textContent = 'Loading photos…';
    try {
      const page = await listPhotos(cursor, pageSize());
      if (mine !== generation) return;
      for (const photo of page.items) upsert(photo);
      cursor = page.nextCursor;
      finished = !cursor;
      status.textContent = finished && photos.length > 0 ? 'That is every photo. New ones will appear at the top.' : '';
      empty.hidden = photos.length > 0 || !finished;
    } catch {
      status.textContent = 'Could not load photos. Retrying…';
      setTimeout(() => { if (mine === generation) { loading = false; loadMore(); } }, 3000);
      return;
    } finally {
      if (mine === generation) loading = false;
    }
    // Keep filling while the sentinel is still on screen (a tall 4K screen needs more than a page).
    if (!finished && nearEnd()) loadMore();
  }

  async function reload() {
    generation++;
    loading = false;
    finished = false;
    cursor = null;
    photos.length = 0;
    tiles.clear();
    grid.replaceChildren();
    await loadMore();
    projector?.replaceAll(newest());
  }

  const events = openEvents({
    onState: showLiveState,
    onReset: reload,
    onEvent(type, data) {
      if (type === 'photo.ready' && isPublic(data)) {
        const fresh = indexOf(data.id) < 0;
        upsert(data, { live: true });
        if (fresh) projector?.arrive(data);
      } else if (type === 'photo.updated') {
        if (isPublic(data)) {
          if (indexOf(data.id) >= 0) upsert(data);
          projector?.update(data);
        } else {
          remove(data.id);
          projector?.remove(data.id);
        }
      } else if (type === 'photo.deleted') {
        remove(data.id);
        projector?.remove(data.id);
      }
    },
  });

  const nearEnd = () => sentinel.getBoundingClientRect().top < innerHeight + 900;
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadMore();
  }, { rootMargin: '900px 0px' });
  observer.observe(sentinel);
  // The observer only reports changes; a scroll that ends near the bottom while a page is still loading is caught by
  // loadMore itself, which looks at the sentinel again once the page is in.

  function enterProjector(fromButton) {
    if (projector) return;
    if (fromButton) history.pushState({ projector: true }, '', '/projector');
    projector = new Projector({
      photos: newest(),
      requestFullscreen: fromButton,
      onExit: () => {
        projector = null;
        if (location.pathname === '/projector') {
          if (history.state?.projector) history.back();
          else history.replaceState(null, '', '/');
        }
        projectorButton.focus();
      },
      refresh: async () => (await listPhotos(null, PROJECTOR_PHOTOS)).items,
    });
  }

  addEventListener('popstate', () => {
    if (location.pathname === '/projector') enterProjector(false);
    else projector?.exit();
  });

  addEventListener('pagehide', () => events.close());
  const firstPage = loadMore();
  if (path === '/projector') {
    // Opened straight at /projector: the slideshow starts at once and takes the wall's first page when it is in.
    enterProjector(false);
    firstPage.then(() => projector?.replaceAll(newest()));
  }

}
