// Albums (/albums): this browser's albums as cards, newest first; make a new one; kept current by the owner's album
// events.
import { createAlbum, describeProblem, ensureSession, getAlbum, listAlbums } from '../api.js';
import { askAlbumDetails, FLASH_KEY, photoCount } from '../albums.js';
import { openEvents } from '../events.js';
import { photoFrame } from '../photos.js';
import { h, showLiveState, timeAgo, toast } from '../ui.js';

export function start(main) {
  const cards = new Map(); // album id → card
  let cursor = null;
  const grid = h('ul', { class: 'cards albums', attrs: { 'aria-label': 'My albums' } });
  const empty = h('div', { class: 'empty', hidden: true },
    h('p', { class: 'empty-title', text: 'No albums yet.' }),
    h('p', { text: 'An album gathers some of your photos, in the order you choose.' }),
    h('button', { class: 'button primary', type: 'button', onclick: () => create() }, 'Make your first album'));
  const more = h('button', { class: 'button', type: 'button', hidden: true, onclick: () => load() }, 'Show more albums');
  main.append(h('section', { class: 'albums-page', attrs: { 'aria-labelledby': 'albums-title' } },
    h('div', { class: 'page-head' },
      h('div', {},
        h('h1', { id: 'albums-title', text: 'Albums' }),
        h('p', { class: 'lede', text: 'Your photos, gathered and ordered as you like. Only you can see your albums.' })),
      h('div', { class: 'actions' },
        h('button', { class: 'button primary', type: 'button', onclick: () => create() }, h('span', { class: 'icon icon-plus', attrs: { 'aria-hidden': 'true' } }), 'New album'))),
    empty, grid, h('div', { class: 'more' }, more)));

  const flash = sessionStorage.getItem(FLASH_KEY);
  if (flash) {
    sessionStorage.removeItem(FLASH_KEY);
    toast(flash);
  }

  function render(album, { prepend = false } = {}) {
    const existing = cards.get(album.id);
    const cover = album.cover
      ? photoFrame(album.cover, { sizes: '(max-width: 640px) 40vw, 320px' })
      : h('div', { class: 'frame album-blank' }, h('span', { class: 'album-blank-art icon-album' }));
    const card = h('li', { class: 'card album-card', dataset: { albumId: album.id } },
      cover,
      h('div', { class: 'card-body' },
        // The link's box covers the whole card (CSS), so the cover opens the album too; the card reads as its title.
        h('h2', { class: 'album-title' }, h('a', { class: 'album-link', href: `/albums/${album.id}`, text: album.title })),
        h('p', { class: 'album-count', text: photoCount(album.photoCount) }),
        album.description ? h('p', { class: 'album-description', text: album.description }) : null,
        h('p', { class: 'card-time', text: `Changed ${timeAgo(album.updatedAt)}` })));
    card.album = album;
    if (existing) {
      // A card redrawn under the keyboard's focus keeps it.
      const focused = existing.contains(document.activeElement);
      existing.replaceWith(card);
      if (focused) card.querySelector('.album-link').focus();
    } else if (prepend) grid.prepend(card);
    else grid.append(card);
    cards.set(album.id, card);
    empty.hidden = true;
    return card;
  }

  function drop(id) {
    cards.get(id)?.remove();
    cards.delete(id);
    empty.hidden = cards.size > 0;
  }

  async function load() {
    more.disabled = true;
    try {
      const page = await listAlbums(cursor);
      for (const album of page.items) render(album);
      cursor = page.nextCursor;
      more.hidden = !cursor;
      empty.hidden = cards.size > 0;
    } catch (error) {
      toast(describeProblem(error), 'error');
    } finally {
      more.disabled = false;
    }
  }

  function reload() {
    cursor = null;
    grid.replaceChildren();
    cards.clear();
    return load();
  }

  async function create() {
    const album = await askAlbumDetails({ title: 'New album', action: 'Create album', save: createAlbum });
    if (!album) return;
    render(album, { prepend: true }).querySelector('.album-link').focus();
    toast(`Album “${album.title}” created.`);
  }

  // An album's count and cover change with the photos in it, which the album's own events do not always carry.
  const refreshing = new Set();
  async function refresh(id) {
    if (!cards.has(id) || refreshing.has(id)) return;
    refreshing.add(id);
    try {
      const album = await getAlbum(id);
      if (cards.has(id)) render(album);
    } catch {
      // Deleted meanwhile: its album.deleted event removes the card.
    } finally {
      refreshing.delete(id);
    }
  }

  // A photo that turns ready may become the cover of any album it is in, and one deleted leaves every album it was in:
  // the page cannot know which, so it looks again at the albums shown, at most once a second or so.
  let settle = 0;
  function refreshAllSoon() {
    if (settle) return;
    settle = setTimeout(async () => {
      settle = 0;
      try {
        const page = await listAlbums(null, Math.min(100, Math.max(cards.size, 1)));
        for (const album of page.items) if (cards.has(album.id)) render(album);
      } catch {
        // The next event or a reload tries again.
      }
    }, 1200);
  }

  ensureSession().then(() => {
    openEvents({
      onState: showLiveState,
      onReset: reload,
      onEvent(type, data) {
        if (type === 'album.updated') {
          const first = grid.firstElementChild?.album;
          // One made in another tab is the newest; an older one not shown yet comes with "Show more".
          if (cards.has(data.id)) render(data);
          else if (!first || data.createdAt >= first.createdAt) render(data, { prepend: true });
        } else if (type === 'album.deleted') {
          drop(data.albumId);
        } else if (type === 'album.photo-added' || type === 'album.photo-removed') {
          refresh(data.albumId);
        } else if (type === 'photo.ready' || type === 'photo.deleted') {
          refreshAllSoon();
        } else if (type === 'photo.updated') {
          for (const card of cards.values()) if (card.album.cover?.id === data.id) refresh(card.album.id);
        }
      },
    });
    return load();
  }, (error) => toast(describeProblem(error), 'error'));
}
