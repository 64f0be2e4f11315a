// The page a share link opens (/s/{token}), drawn by the gateway with the album's title and Open Graph tags; this fills
// in its photos, page by page as it is scrolled, opens them in the viewer, and follows the album live over its own
// event stream (/api/shared/{token}/events): a photo that joins it slides in at the top, one that leaves it goes. Only
// what the link names is asked for.
import { ApiError, isPublic, linkToken, listSharedPhotos } from './api.js';
import { openLinkEvents } from './events.js';
import { arriveTile, leaveTile, photoTile, refreshTile } from './photos.js';
import { h, toast } from './ui.js';
import { openViewer } from './viewer.js';

const PAGE_SIZE = 24;
const SIZES = '(max-width: 640px) 50vw, 25vw';

function start() {
  const grid = document.querySelector('.shared-grid');
  if (!grid) return; // a single photo (drawn whole by the gateway) or the "link does not work" page
  const token = linkToken();
  const empty = document.querySelector('.shared-empty');
  const count = document.querySelector('.shared-count');
  const photos = [];
  const tiles = new Map();
  let cursor = null;
  let loading = false;
  let done = false;
  let gone = false;
  let generation = 0;
  const sentinel = h('div', { class: 'sentinel', attrs: { 'aria-hidden': 'true' } });
  const more = h('button', { class: 'button', type: 'button', hidden: true, onclick: () => load() }, 'Show more');
  grid.after(sentinel, h('div', { class: 'more' }, more));

  const tileFor = (photo) => photoTile(photo, { sizes: SIZES, open: () => openViewer(photos, photo.id) });

  function add(photo, { live = false } = {}) {
    const tile = tileFor(photo);
    tiles.set(photo.id, tile);
    if (live) {
      // A photo joins an album at its start, whichever order the album keeps.
      photos.unshift(photo);
      grid.prepend(tile);
      arriveTile(tile);
      counted(1);
    } else {
      photos.push(photo);
      grid.append(tile);
    }
    empty.hidden = true;
  }

  function remove(id) {
    const at = photos.findIndex((p) => p.id === id);
    if (at < 0) return;
    photos.splice(at, 1);
    leaveTile(tiles.get(id));
    tiles.delete(id);
    counted(-1);
    empty.hidden = photos.length > 0 || !done;
  }

  /** The count in the heading, kept with what comes and goes. */
  function counted(change) {
    const next = Math.max(0, Number(count.dataset.count) + change);
    count.dataset.count = String(next);
    count.textContent = next === 1 ? '1 photo' : `${next} photos`;
  }

  function linkGone() {
    if (gone) return;
    gone = true;
    done = true;
    more.hidden = true;
    events.close();
    toast('This link no longer works.', 'error');
  }

  async function load() {
    if (loading || done) return;
    loading = true;
    more.disabled = true;
    const mine = generation;
    try {
      const page = await listSharedPhotos(token, cursor, PAGE_SIZE);
      if (mine !== generation) return;
      for (const photo of page.items) if (!tiles.has(photo.id)) add(photo);
      cursor = page.nextCursor;
      done = !cursor;
      more.hidden = done;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) linkGone();
      else {
        toast('The photos could not be loaded. Check your connection and try again.', 'error');
        more.hidden = false;
      }
    } finally {
      if (mine === generation) {
        loading = false;
        more.disabled = false;
      }
    }
  }

  /** After a reset of the stream (what was missed cannot be replayed): the album from its start again. */
  function reload() {
    if (gone) return;
    generation++;
    loading = false;
    done = false;
    cursor = null;
    photos.length = 0;
    tiles.clear();
    grid.replaceChildren();
    load();
  }

  const events = openLinkEvents(token, {
    onGone: linkGone,
    onReset: reload,
    onEvent(type, data) {
      if (!data?.id) return;
      const tile = tiles.get(data.id);
      if (type === 'photo.ready' && !tile) add(data, { live: true });
      else if (type === 'photo.updated' && tile) {
        if (!isPublic(data)) remove(data.id);
        else {
          photos[photos.findIndex((p) => p.id === data.id)] = data;
          refreshTile(tile, data, { sizes: SIZES });
        }
      } else if (type === 'photo.deleted') remove(data.id);
    },
  });
  addEventListener('pagehide', () => events.close());

  // Next page when the end of the grid comes near; the button is there for keyboards and when observing is not possible.
  if ('IntersectionObserver' in window) {
    new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) load(); }, { rootMargin: '800px' }).observe(sentinel);
  }
  load();
}

start();
