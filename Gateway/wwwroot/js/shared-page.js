// The page a share link opens (/s/{token}), drawn by the gateway with the album's title and Open Graph tags; this fills
// in its photos, page by page as it is scrolled, and opens them in the viewer. Only what the link names is asked for.
import { photoFrame, captionOf } from './photos.js';
import { h, altFor, toast } from './ui.js';
import { openViewer } from './viewer.js';

const PAGE_SIZE = 24;

function start() {
  const grid = document.querySelector('.shared-grid');
  if (!grid) return; // a single photo (drawn whole by the gateway) or the "link does not work" page
  const token = location.pathname.split('/').pop();
  const photos = [];
  let cursor = null;
  let loading = false;
  let done = false;
  const sentinel = h('div', { class: 'sentinel', attrs: { 'aria-hidden': 'true' } });
  const more = h('button', { class: 'button', type: 'button', hidden: true, onclick: () => load() }, 'Show more');
  grid.after(sentinel, h('div', { class: 'more' }, more));

  function tileFor(photo) {
    const frame = photoFrame(photo, { sizes: '(max-width: 640px) 50vw, 25vw' });
    const button = h('button', { class: 'tile-button', type: 'button', attrs: { 'aria-label': `Open: ${altFor(photo)}` }, onclick: () => openViewer(photos, photo.id) }, frame);
    return h('li', { class: 'tile', dataset: { photoId: photo.id } }, button, h('div', { class: 'tile-meta' }, captionOf(photo)));
  }

  async function load() {
    if (loading || done) return;
    loading = true;
    more.disabled = true;
    try {
      const query = `limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const response = await fetch(`/api/shared/${encodeURIComponent(token)}/photos?${query}`, { headers: { Accept: 'application/json' }, referrerPolicy: 'no-referrer' });
      if (response.status === 404) {
        toast('This link no longer works.', 'error');
        done = true;
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const page = await response.json();
      for (const photo of page.items) {
        photos.push(photo);
        grid.append(tileFor(photo));
      }
      cursor = page.nextCursor;
      done = !cursor;
      more.hidden = done;
    } catch {
      toast('The photos could not be loaded. Check your connection and try again.', 'error');
      more.hidden = false;
    } finally {
      loading = false;
      more.disabled = false;
    }
  }

  // Next page when the end of the grid comes near; the button is there for keyboards and when observing is not possible.
  if ('IntersectionObserver' in window) {
    new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) load(); }, { rootMargin: '800px' }).observe(sentinel);
  }
  load();
}

start();
