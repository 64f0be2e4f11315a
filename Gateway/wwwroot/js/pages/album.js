// One album (/albums/{id}): its photos in the album's order; rename, describe, delete; the cover and the order; drag
// (or Move earlier / Move later, which also work by keyboard and on touch screens) to reorder; add photos from Mine, or
// upload straight into it. Guests may add photos through a share link: with "Approve guests' photos" on, theirs wait in
// their own section, live, until the owner approves or removes each.
import {
  ALBUM_NOT_FOUND, ApiError, AUTOMATIC_COVER, addToAlbum, approveInAlbum, deleteAlbum, describeProblem, ensureSession, getAlbum,
  isAlbumId, listAlbumPhotos, listMyPhotos, listPendingPhotos, moveInAlbum, removeFromAlbum, updateAlbum,
} from '../api.js';
import { askAlbumDetails, FLASH_KEY, photoCount } from '../albums.js';
import { openEvents } from '../events.js';
import { openShareDialog } from '../share-dialog.js';
import { captionOf, photoFrame, stateOf, updateFrame } from '../photos.js';
import { ask, altFor, h, plural, showLiveState, timeAgo, toast } from '../ui.js';

const PAGE = 48;
const GONE = 'This album was deleted.';
/** A guest's photo still processing sends its events to the guest, not here: the lists are asked again, this often. */
const PROCESSING_POLL_MS = 5000;
const PROCESSING_POLLS = 40;

/** How a photo is named in its buttons' labels, so each button says which photo it acts on. */
const nameOf = (photo) => (photo.caption ? `“${photo.caption}”` : 'this photo');

export function start(main, path) {
  const albumId = path.split('/').pop();
  const cards = new Map(); // photo id → card, in no particular order (the grid holds the order)
  const waiting = new Map(); // photo id → card of a guest's photo waiting for approval
  /** Moves this page made whose album.reordered event has not come back yet: those need no reload. */
  const ownMoves = new Map();
  let album = null;
  let cursor = null;
  let events = null;

  const title = h('h1', { id: 'album-title' });
  const description = h('p', { class: 'lede album-description' });
  const meta = h('p', { class: 'album-meta' });
  const newest = h('input', { type: 'radio', name: 'album-order', id: 'order-newest', value: 'newest' });
  const custom = h('input', { type: 'radio', name: 'album-order', id: 'order-custom', value: 'custom' });
  const grid = h('ul', { class: 'cards compact album-photos', attrs: { 'aria-label': 'Photos in this album' } });
  const indicator = h('div', { class: 'drop-indicator', hidden: true, attrs: { 'aria-hidden': 'true' } });
  const status = h('p', { class: 'visually-hidden', attrs: { role: 'status' } });
  const addButton = h('button', { class: 'button primary', type: 'button', onclick: () => addPhotos() },
    h('span', { class: 'icon icon-plus', attrs: { 'aria-hidden': 'true' } }), 'Add my photos');
  const uploadLink = h('a', { class: 'button', href: `/upload?album=${encodeURIComponent(albumId)}` }, 'Upload into this album');
  const empty = h('div', { class: 'empty', hidden: true },
    h('p', { class: 'empty-title', text: 'This album has no photos yet.' }),
    h('p', { text: 'Add some you have already uploaded, or upload new ones straight into it.' }));
  const more = h('button', { class: 'button', type: 'button', hidden: true, onclick: () => load() }, 'Show more photos');
  const approval = h('input', { type: 'checkbox', id: 'guest-approval', attrs: { role: 'switch', 'aria-describedby': 'guest-approval-hint' } });
  const pendingGrid = h('ul', { class: 'cards compact album-photos pending-photos', attrs: { 'aria-labelledby': 'pending-title' } });
  const pending = h('section', { class: 'album-pending', hidden: true, attrs: { 'aria-labelledby': 'pending-title' } },
    h('h2', { id: 'pending-title', text: 'Waiting for approval' }),
    h('p', { class: 'hint', text: 'Guests added these through a share link. Approve a photo to put it in the album and on its wall; remove it to keep it out (the guest keeps it).' }),
    pendingGrid);
  const body = h('section', { class: 'album-page', attrs: { 'aria-labelledby': 'album-title' }, hidden: true },
    h('p', { class: 'back' }, h('a', { href: '/albums', text: 'All albums' })),
    h('div', { class: 'page-head' },
      h('div', {}, title, description, meta),
      h('div', { class: 'actions' },
        addButton,
        uploadLink,
        h('button', { class: 'button', type: 'button', onclick: () => album && openShareDialog({ kind: 'album', id: album.id, title: album.title }) }, 'Share'),
        h('button', { class: 'button', type: 'button', onclick: () => edit(), attrs: { 'aria-label': 'Edit title and description' } }, 'Edit'),
        h('button', { class: 'button danger', type: 'button', onclick: () => remove() }, 'Delete album'))),
    h('div', { class: 'album-toolbar' },
      h('fieldset', { class: 'segmented' },
        h('legend', { text: 'Order' }),
        h('label', { htmlFor: 'order-newest' }, newest, h('span', { text: 'Newest first' })),
        h('label', { htmlFor: 'order-custom' }, custom, h('span', { text: 'My order' }))),
      h('p', { class: 'hint' },
        h('span', { class: 'on-fine-pointer', text: 'Drag a photo to move it, or use its arrows.' }),
        h('span', { class: 'on-coarse-pointer', text: 'Use a photo’s arrows to move it.' })),
      h('div', { class: 'switch-row album-approval' },
        h('label', { class: 'switch', htmlFor: 'guest-approval' }, approval, h('span', { class: 'switch-track', attrs: { 'aria-hidden': 'true' } }), h('span', { class: 'switch-label', text: 'Approve guests’ photos' })),
        h('p', { class: 'hint', id: 'guest-approval-hint', text: 'Photos guests add through a link wait for you before anyone sees them.' }))),
    pending,
    empty,
    h('div', { class: 'album-grid' }, grid, indicator),
    h('div', { class: 'more' }, more),
    status);
  main.append(body);
  for (const radio of [newest, custom]) radio.addEventListener('change', () => { if (radio.checked) setOrder(radio.value); });
  approval.addEventListener('change', () => setApproval(approval.checked));

  function showAlbum(next) {
    const orderChanged = album && album.order !== next.order;
    album = next;
    document.title = `${album.title} · Scrapbook`;
    title.textContent = album.title;
    description.textContent = album.description ?? '';
    description.hidden = !album.description;
    const awaiting = album.pendingCount > 0 ? ` · ${album.pendingCount} waiting for approval` : '';
    meta.textContent = `${photoCount(album.photoCount)}${awaiting} · changed ${timeAgo(album.updatedAt)}`;
    newest.checked = album.order === 'newest';
    custom.checked = album.order === 'custom';
    approval.checked = Boolean(album.guestApproval);
    // Guests' photos came or went without this page seeing them (a reconnect, another tab): ask for the list.
    if ((album.pendingCount ?? 0) !== waiting.size) loadPendingSoon();
    for (const card of cards.values()) showCover(card);
    empty.hidden = album.photoCount > 0 || cards.size > 0;
    return orderChanged;
  }

  function showCover(card) {
    const isCover = album?.cover?.id === card.dataset.photoId;
    card.classList.toggle('is-cover', isCover);
    card.querySelector('.cover-badge').hidden = !isCover;
    const button = card.querySelector('.cover-button');
    button.setAttribute('aria-pressed', String(isCover));
    button.lastChild.textContent = isCover ? 'Cover' : 'Make cover';
  }

  function render(photo) {
    const existing = cards.get(photo.id);
    const state = stateOf(photo);
    const sizes = '(max-width: 640px) 50vw, 280px';
    const frame = existing ? updateFrame(existing.querySelector('.frame'), photo, { sizes }) : photoFrame(photo, { sizes });
    // The browser's own image drag would carry the picture's address instead of moving the card.
    frame.querySelector('img')?.setAttribute('draggable', 'false');
    const name = nameOf(photo);
    // The arrows sit on the photo, at the sides they move it towards (the grid reads left to right, top to bottom).
    const card = h('li', { class: 'card album-photo', draggable: true, dataset: { photoId: photo.id, state: state.key } },
      h('div', { class: 'album-photo-frame' },
        frame,
        h('p', { class: 'cover-badge', hidden: true, text: 'Cover' }),
        h('div', { class: 'move-buttons' },
          h('button', { class: 'button small icon-only move-earlier', type: 'button', onclick: () => step(photo.id, -1), title: 'Move earlier', dataset: { action: 'earlier' }, attrs: { 'aria-label': `Move ${name} earlier` } },
            h('span', { class: 'icon icon-earlier', attrs: { 'aria-hidden': 'true' } })),
          h('button', { class: 'button small icon-only move-later', type: 'button', onclick: () => step(photo.id, 1), title: 'Move later', dataset: { action: 'later' }, attrs: { 'aria-label': `Move ${name} later` } },
            h('span', { class: 'icon icon-later', attrs: { 'aria-hidden': 'true' } })))),
      h('div', { class: 'card-body' },
        state.key === 'ready' ? null : h('p', { class: `pill pill-${state.key}`, text: state.label }),
        photo.caption || photo.author ? captionOf(photo) : h('p', { class: 'card-detail', text: altFor(photo) }),
        h('div', { class: 'card-actions' },
          h('button', { class: 'button small cover-button', type: 'button', onclick: () => chooseCover(photo.id), dataset: { action: 'cover' }, attrs: { 'aria-label': `Make cover: ${name}`, 'aria-pressed': 'false' } },
            h('span', { class: 'icon icon-star', attrs: { 'aria-hidden': 'true' } }), 'Make cover'),
          h('button', { class: 'button small danger', type: 'button', onclick: () => takeOut(photo.id), dataset: { action: 'remove' }, attrs: { 'aria-label': `Remove ${name} from the album` } }, 'Remove'))));
    card.photo = photo;
    if (existing) keepingFocus(() => existing.replaceWith(card));
    else grid.append(card);
    cards.set(photo.id, card);
    showCover(card);
    empty.hidden = true;
    return card;
  }

  /** The photo ids in the order shown. */
  const order = () => [...grid.children].map((card) => card.dataset.photoId);

  /** Puts the cards back in the order of ids (a failed move's order before it). */
  function arrange(ids) {
    keepingFocus(() => {
      for (const id of ids) {
        const card = cards.get(id);
        if (card) grid.append(card);
      }
      showMoveButtons();
    });
  }

  /**
   * Runs change, which may take cards out of the document (and so the focus off their buttons), and gives the focus
   * back: to the same button of the same photo, or its first button still enabled, or the page's first action when the
   * photo has left.
   */
  function keepingFocus(change) {
    const active = document.activeElement;
    const photoId = grid.contains(active) ? active.closest('.album-photo')?.dataset.photoId : null;
    change();
    if (!photoId || document.activeElement === active) return;
    const card = cards.get(photoId);
    if (!card?.isConnected) {
      addButton.focus();
      return;
    }
    const same = card.querySelector(`[data-action="${active.dataset.action}"]`);
    (same && !same.disabled ? same : card.querySelector('[data-action]:not(:disabled)'))?.focus();
  }

  function showMoveButtons() {
    const all = [...grid.children];
    all.forEach((card, i) => {
      card.querySelector('.move-earlier').disabled = i === 0;
      // Past the last photo shown there may be more, but none to place it after until they are loaded.
      card.querySelector('.move-later').disabled = i === all.length - 1;
    });
  }

  async function load() {
    more.disabled = true;
    try {
      const page = await listAlbumPhotos(albumId, cursor, PAGE);
      for (const photo of page.items) render(photo);
      cursor = page.nextCursor;
      more.hidden = !cursor;
      showMoveButtons();
      empty.hidden = cards.size > 0;
      pollWhileProcessing();
    } catch (error) {
      failed(error);
    } finally {
      more.disabled = false;
    }
  }

  // The server's order is the truth: after changes this page did not make, fetch as many photos as were shown again.
  // Only the last reload asked for is shown, and it asks once the moves made so far have been sent, so what it fetches
  // has them.
  let reloads = 0;
  let reloading = false;
  async function reload() {
    const ticket = ++reloads;
    reloading = true;
    const want = Math.max(cards.size, PAGE);
    const photos = [];
    let next = null;
    try {
      await moves;
      do {
        const page = await listAlbumPhotos(albumId, next, Math.min(100, want - photos.length));
        photos.push(...page.items);
        next = page.nextCursor;
      } while (next && photos.length < want);
    } catch (error) {
      if (ticket === reloads) {
        reloading = false;
        failed(error);
      }
      return;
    }
    if (ticket !== reloads) return;
    reloading = false;
    keepingFocus(() => {
      const previous = new Map(cards);
      grid.replaceChildren();
      cards.clear();
      for (const photo of photos) {
        const card = previous.get(photo.id);
        if (card) {
          grid.append(card);
          cards.set(photo.id, card);
        }
        render(photo);
      }
      showMoveButtons();
    });
    cursor = next;
    more.hidden = !cursor;
    empty.hidden = cards.size > 0;
    pollWhileProcessing();
  }

  let soon = 0;
  function reloadSoon() {
    clearTimeout(soon);
    soon = setTimeout(reload, 250);
  }

  let albumSoon = 0;
  function refreshAlbumSoon() {
    clearTimeout(albumSoon);
    albumSoon = setTimeout(async () => {
      // A move switches the album to the owner's order without an album.updated event: an album fetched before the
      // move reached the server would switch the page back to newest first.
      const seen = moveCount;
      try {
        await moves;
        const fresh = await getAlbum(albumId);
        if (moveCount !== seen) refreshAlbumSoon();
        else if (showAlbum(fresh)) reload();
      } catch (error) {
        failed(error);
      }
    }, 250);
  }

  /** A toast for what went wrong; when the album itself is gone, the page says so instead. */
  function failed(error, notFound = ALBUM_NOT_FOUND) {
    if (error instanceof ApiError && error.status === 404) {
      // Which was missing, the album or a photo in it? Asking again tells.
      getAlbum(albumId).then(() => { toast(describeProblem(error, { notFound }), 'error'); reloadSoon(); }, (again) => {
        if (again instanceof ApiError && again.status === 404) missing(GONE);
        else toast(describeProblem(again), 'error');
      });
      return;
    }
    toast(describeProblem(error, { notFound }), 'error');
  }

  // Reordering. A move is shown at once, sent in turn (one at a time, so they reach the server in the order they were
  // made), and undone with its successors if the server refuses it.
  let moves = Promise.resolve();
  let moveCount = 0;
  let generation = 0;

  function place(id, target, side) {
    const card = cards.get(id);
    if (!card || card === target) return;
    const previous = order();
    keepingFocus(() => {
      if (side === 'before') target.before(card);
      else target.after(card);
      showMoveButtons();
    });
    const now = order();
    if (now.join() === previous.join()) return;
    const index = now.indexOf(id);
    const after = index > 0 ? now[index - 1] : null;
    status.textContent = `${cards.get(id).photo.caption ?? 'Photo'} moved to place ${index + 1} of ${now.length}.`;
    if (album.order !== 'custom') showAlbum({ ...album, order: 'custom' });
    moveCount++;
    ownMoves.set(id, (ownMoves.get(id) ?? 0) + 1);
    const mine = generation;
    moves = moves.then(async () => {
      if (mine !== generation) return forget(id);
      try {
        await moveInAlbum(albumId, id, after);
      } catch (error) {
        forget(id);
        generation++;
        arrange(previous);
        failed(error, 'That photo is no longer in this album.');
        refreshAlbumSoon();
      }
    });
    // A reload under way may have fetched the order before this move: it would undo it on the screen. Ask again.
    if (reloading) reload();
  }

  function forget(id) {
    const count = (ownMoves.get(id) ?? 1) - 1;
    if (count > 0) ownMoves.set(id, count);
    else ownMoves.delete(id);
  }

  function step(id, delta) {
    const ids = order();
    const target = cards.get(ids[ids.indexOf(id) + delta]);
    if (target) place(id, target, delta < 0 ? 'before' : 'after');
  }

  // Drag and drop between the cards (HTML5; touch screens have the arrows instead).
  let dragged = null;
  let target = null;
  grid.addEventListener('dragstart', (event) => {
    const card = event.target.closest?.('.album-photo');
    if (!card) return;
    dragged = card;
    event.dataTransfer.effectAllowed = 'move';
    event.dataTransfer.setData('text/plain', card.dataset.photoId);
    // After the browser took its picture of the card, so the picture is not faded too.
    requestAnimationFrame(() => card.classList.add('dragging'));
  });
  grid.addEventListener('dragover', (event) => {
    if (!dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    const card = event.target.closest?.('.album-photo');
    // Over the gap between two cards the last place shown still holds.
    if (card) showDrop(card === dragged ? null : { card, side: sideOf(card, event) });
  });
  grid.addEventListener('dragleave', (event) => {
    if (dragged && !grid.contains(event.relatedTarget)) showDrop(null);
  });
  grid.addEventListener('drop', (event) => {
    if (!dragged) return;
    event.preventDefault();
    const card = event.target.closest?.('.album-photo');
    const chosen = card && card !== dragged ? { card, side: sideOf(card, event) } : target;
    showDrop(null);
    if (chosen) place(dragged.dataset.photoId, chosen.card, chosen.side);
  });
  grid.addEventListener('dragend', () => {
    dragged?.classList.remove('dragging');
    dragged = null;
    showDrop(null);
  });

  /** Before or after the card under the pointer: by its halves across in a grid of columns, down in a single column. */
  function sideOf(card, event) {
    const box = card.getBoundingClientRect();
    return singleColumn()
      ? (event.clientY < box.top + (box.height / 2) ? 'before' : 'after')
      : (event.clientX < box.left + (box.width / 2) ? 'before' : 'after');
  }

  const singleColumn = () => getComputedStyle(grid).gridTemplateColumns.trim().split(/\s+/).length < 2;

  /** The drop indicator: a bar in the gap where the card would land (placed through the CSSOM). */
  function showDrop(next) {
    target = next;
    grid.querySelector('.drop-target')?.classList.remove('drop-target');
    if (!next) {
      indicator.hidden = true;
      return;
    }
    next.card.classList.add('drop-target');
    const area = grid.getBoundingClientRect();
    const box = next.card.getBoundingClientRect();
    const gap = parseFloat(getComputedStyle(grid).columnGap) || 0;
    const rows = singleColumn();
    indicator.classList.toggle('across', rows);
    if (rows) {
      indicator.style.left = `${box.left - area.left}px`;
      indicator.style.width = `${box.width}px`;
      indicator.style.height = '';
      indicator.style.top = `${(next.side === 'before' ? box.top - (gap / 2) : box.bottom + (gap / 2)) - area.top}px`;
    } else {
      indicator.style.top = `${box.top - area.top}px`;
      indicator.style.height = `${box.height}px`;
      indicator.style.width = '';
      indicator.style.left = `${(next.side === 'before' ? box.left - (gap / 2) : box.right + (gap / 2)) - area.left}px`;
    }
    indicator.hidden = false;
  }

  async function setOrder(value) {
    if (!album || album.order === value) return;
    const before = album.order;
    try {
      const changed = await updateAlbum(albumId, { order: value });
      showAlbum(changed);
      toast(value === 'custom' ? 'The album keeps your order now.' : 'The album shows its newest photos first.');
      // "My order" starts as the order shown, so only going back to newest first changes what is shown.
      if (value === 'newest') reload();
    } catch (error) {
      showAlbum({ ...album, order: before });
      failed(error);
    }
  }

  async function chooseCover(photoId) {
    const isCover = album?.cover?.id === photoId;
    try {
      showAlbum(await updateAlbum(albumId, { coverPhotoId: isCover ? AUTOMATIC_COVER : photoId }));
      toast(isCover ? 'The cover is the newest photo again.' : 'Cover chosen.');
    } catch (error) {
      failed(error, 'That photo is no longer in this album.');
    }
  }

  async function takeOut(photoId) {
    const card = cards.get(photoId);
    if (!card) return;
    const neighbour = card.nextElementSibling ?? card.previousElementSibling;
    const hadFocus = card.contains(document.activeElement);
    try {
      await removeFromAlbum(albumId, photoId);
      drop(photoId);
      if (hadFocus) focusInGrid(neighbour);
      toast('Removed from the album. The photo stays in My photos.');
      refreshAlbumSoon();
    } catch (error) {
      failed(error, 'That photo is no longer in this album.');
    }
  }

  /** Where focus goes when the card that had it leaves: the next card's remove button, or the page's first action. */
  function focusInGrid(card) {
    (card?.isConnected ? card.querySelector('.button.danger') : null)?.focus() ?? addButton.focus();
  }

  function drop(photoId) {
    cards.get(photoId)?.remove();
    cards.delete(photoId);
    showMoveButtons();
    empty.hidden = cards.size > 0;
  }

  async function edit() {
    const changed = await askAlbumDetails({ title: 'Edit album', action: 'Save', album, save: (fields) => updateAlbum(albumId, fields) });
    if (!changed) return;
    showAlbum(changed);
    toast('Saved.');
  }

  async function remove() {
    const answer = await ask({
      title: 'Delete this album?',
      content: [h('p', { text: `“${album.title}” will be deleted. Its photos stay in My photos and in your other albums.` })],
      actions: [{ value: 'cancel', label: 'Keep it' }, { value: 'delete', label: 'Delete album', kind: 'danger' }],
    });
    if (answer !== 'delete') return;
    try {
      await deleteAlbum(albumId);
      events?.close();
      sessionStorage.setItem(FLASH_KEY, `Album “${album.title}” deleted.`);
      location.assign('/albums');
    } catch (error) {
      failed(error);
    }
  }

  async function addPhotos() {
    const list = h('ul', { class: 'picker', attrs: { 'aria-label': 'My photos' } });
    const note = h('p', { class: 'hint', text: 'Loading your photos…' });
    const older = h('button', { class: 'button small', type: 'button' }, 'Show older photos');
    const olderRow = h('div', { class: 'more', hidden: true }, older);
    let next = null;
    const pick = (photo) => {
      const id = `pick-${photo.id}`;
      const inAlbum = cards.has(photo.id);
      const frame = photoFrame(photo, { sizes: '8rem' });
      // The caption beside it names the photo; the image would only say it again.
      frame.querySelector('img')?.setAttribute('alt', '');
      return h('li', { class: inAlbum ? 'pick chosen' : 'pick' },
        h('input', { type: 'checkbox', id, name: 'photo', value: photo.id, checked: inAlbum, disabled: inAlbum }),
        h('label', { htmlFor: id }, frame,
          h('span', { class: 'pick-name', text: altFor(photo) }),
          h('span', { class: 'pick-detail', text: inAlbum ? 'Already in this album' : timeAgo(photo.createdAt) })));
    };
    const more = async () => {
      older.disabled = true;
      try {
        const page = await listMyPhotos(next);
        list.append(...page.items.map(pick));
        next = page.nextCursor;
        olderRow.hidden = !next;
        note.textContent = list.children.length > 0 ? 'Choose the photos to add.' : 'You have no photos yet: upload some straight into this album.';
      } catch (error) {
        note.textContent = describeProblem(error);
      } finally {
        older.disabled = false;
      }
    };
    older.addEventListener('click', more);
    list.addEventListener('change', (event) => event.target.closest('.pick')?.classList.toggle('chosen', event.target.checked));
    more();
    let added = 0;
    await ask({
      title: 'Add my photos',
      className: 'dialog-wide',
      form: true,
      content: [note, list, olderRow],
      actions: [{ value: 'cancel', label: 'Cancel' }, { value: 'add', label: 'Add to album', kind: 'primary' }],
      async check(_, data) {
        const chosen = data.getAll('photo');
        if (chosen.length === 0) return 'Choose at least one photo.';
        // Each photo added goes first: adding the oldest first leaves them newest first at the top.
        for (const photoId of chosen.reverse()) {
          try {
            await addToAlbum(albumId, photoId);
            added++;
            list.querySelector(`input[value="${photoId}"]`).disabled = true;
          } catch (error) {
            return `${added > 0 ? `${plural(added, 'photo')} added, but not all: ` : ''}${describeProblem(error, { notFound: ALBUM_NOT_FOUND })}`;
          }
        }
        return null;
      },
    });
    // Cancelled after some were added (the rest refused): those are in all the same.
    if (added === 0) return;
    toast(`${plural(added, 'photo')} added.`);
    reload();
    refreshAlbumSoon();
  }

  // Guests' photos waiting for approval: a section of their own, above the album's photos, refreshed when a guest adds
  // one (album.photo-added with pending) and whenever the album's count of them says the list is out of date.
  function renderPending(photo) {
    const existing = waiting.get(photo.id);
    const state = stateOf(photo);
    const sizes = '(max-width: 640px) 50vw, 280px';
    const name = nameOf(photo);
    const card = h('li', { class: 'card album-photo pending-photo', dataset: { photoId: photo.id, state: state.key } },
      h('div', { class: 'album-photo-frame' }, existing ? updateFrame(existing.querySelector('.frame'), photo, { sizes }) : photoFrame(photo, { sizes })),
      h('div', { class: 'card-body' },
        state.key === 'processing' ? h('p', { class: 'pill pill-processing', text: state.label }) : null,
        photo.caption || photo.author ? captionOf(photo) : h('p', { class: 'card-detail', text: altFor(photo) }),
        h('p', { class: 'card-time', text: `Added ${timeAgo(photo.createdAt)}` }),
        h('div', { class: 'card-actions' },
          h('button', { class: 'button small primary', type: 'button', onclick: () => approve(photo.id), attrs: { 'aria-label': `Approve ${name}` } }, 'Approve'),
          h('button', { class: 'button small danger', type: 'button', onclick: () => reject(photo.id), attrs: { 'aria-label': `Remove ${name}, which is waiting for approval` } }, 'Remove'))));
    if (existing) existing.replaceWith(card);
    else pendingGrid.append(card);
    waiting.set(photo.id, card);
  }

  let pendingTicket = 0;
  async function loadPending() {
    const ticket = ++pendingTicket;
    try {
      const page = await listPendingPhotos(albumId);
      if (ticket !== pendingTicket) return;
      const ids = new Set(page.items.map((photo) => photo.id));
      for (const id of [...waiting.keys()]) if (!ids.has(id)) dropPending(id);
      // In the server's order, newest first: the list is small, so it is drawn again in full.
      for (const photo of page.items) renderPending(photo);
      pendingGrid.append(...page.items.map((photo) => waiting.get(photo.id)));
      pending.hidden = waiting.size === 0;
      pollWhileProcessing();
    } catch (error) {
      if (ticket === pendingTicket) failed(error);
    }
  }

  let pendingSoon = 0;
  function loadPendingSoon() {
    clearTimeout(pendingSoon);
    pendingSoon = setTimeout(loadPending, 250);
  }

  function dropPending(photoId) {
    waiting.get(photoId)?.remove();
    waiting.delete(photoId);
    pending.hidden = waiting.size === 0;
  }

  /** Focus leaves a card that goes: to the next one's first button, else to the album's grid or first action. */
  function focusAfterPending(photoId) {
    const card = waiting.get(photoId);
    if (!card?.contains(document.activeElement)) return;
    const next = card.nextElementSibling ?? card.previousElementSibling;
    (next?.querySelector('button') ?? addButton).focus();
  }

  /** Approve or Remove on a waiting photo: send(), then the card goes and the toast says what happened. */
  async function settle(photoId, send, said) {
    try {
      await send(albumId, photoId);
      focusAfterPending(photoId);
      dropPending(photoId);
      toast(said);
      refreshAlbumSoon();
      return true;
    } catch (error) {
      failed(error, 'That photo is no longer waiting: the guest may have deleted it.');
      loadPendingSoon();
      return false;
    }
  }

  async function approve(photoId) {
    if (await settle(photoId, approveInAlbum, 'Approved: the photo is in the album and on its wall.')) reloadSoon();
  }

  const reject = (photoId) => settle(photoId, removeFromAlbum, 'Removed. It stays out of the album; the guest keeps the photo.');

  async function setApproval(value) {
    try {
      showAlbum(await updateAlbum(albumId, { guestApproval: value }));
      toast(value ? 'Guests’ photos now wait for your approval.' : 'Guests’ photos now show as soon as they are ready.');
    } catch (error) {
      approval.checked = !value;
      failed(error);
    }
  }

  // A guest's photo that is still processing sends its events to the guest alone: look again, a bounded number of times.
  let polls = 0;
  let pollTimer = 0;
  function pollWhileProcessing() {
    const processing = [...cards.values(), ...waiting.values()].some((card) => card.dataset.state === 'processing');
    if (!processing || polls >= PROCESSING_POLLS) return;
    clearTimeout(pollTimer);
    pollTimer = setTimeout(() => {
      polls++;
      reload();
      loadPending();
    }, PROCESSING_POLL_MS);
  }

  /**
   * The page for an album this browser cannot open: gone, or someone else's (the API does not tell which). reason:
   * why, when it went while it was open; then the focus, which was on something no longer there, goes to the heading.
   */
  function missing(reason) {
    events?.close();
    showLiveState('off');
    document.title = 'Album not found · Scrapbook';
    const heading = h('h1', { id: 'missing-title', class: 'empty-title', tabIndex: -1, text: 'Album not found' });
    main.replaceChildren(h('section', { class: 'album-missing', attrs: { 'aria-labelledby': 'missing-title' } },
      h('div', { class: 'empty' },
        heading,
        h('p', { text: reason ?? 'There is no such album among yours. It may have been deleted, or it belongs to someone else: an album opens only for its owner.' }),
        h('p', {}, h('a', { class: 'button primary', href: '/albums', text: 'Go to my albums' })))));
    if (reason) heading.focus();
  }

  if (!isAlbumId(albumId)) {
    missing();
    return;
  }

  ensureSession()
    .then(() => getAlbum(albumId))
    .then((found) => {
      showAlbum(found);
      body.hidden = false;
      events = openEvents({
        onState: showLiveState,
        onReset: () => { refreshAlbumSoon(); reload(); loadPendingSoon(); },
        onEvent,
      });
      return load();
    })
    .catch((error) => {
      if (error instanceof ApiError && error.status === 404) missing();
      else toast(describeProblem(error), 'error');
    });

  function onEvent(type, data) {
    if (type.startsWith('album.')) {
      if ((type === 'album.updated' ? data?.id : data?.albumId) !== albumId) return;
      if (type === 'album.updated') {
        // An event sent before one of this page's moves reached the server still has the old order: ask for the album.
        if (data.order !== album.order) refreshAlbumSoon();
        else showAlbum(data);
      } else if (type === 'album.deleted') {
        missing(GONE);
      } else if (type === 'album.photo-removed') {
        drop(data.photoId);
        dropPending(data.photoId);
        refreshAlbumSoon();
      } else if (type === 'album.photo-added') {
        // A guest's photo waits for approval, or comes straight into the album.
        if (data.pending) loadPendingSoon();
        else if (!cards.has(data.photoId)) reloadSoon();
        refreshAlbumSoon();
      } else if (type === 'album.photo-approved') {
        // Approved here or in another tab: it leaves the waiting list for the album's own.
        dropPending(data.photoId);
        if (!cards.has(data.photoId)) reloadSoon();
        refreshAlbumSoon();
      } else if (type === 'album.reordered') {
        if (ownMoves.has(data.photoId)) forget(data.photoId);
        else reloadSoon();
      }
      return;
    }
    if (type === 'photo.deleted') {
      if (waiting.has(data.id)) {
        dropPending(data.id);
        refreshAlbumSoon();
      }
      if (!cards.has(data.id)) return;
      drop(data.id);
      refreshAlbumSoon();
    } else if (data?.id && waiting.has(data.id) && type.startsWith('photo.')) {
      renderPending(data);
    } else if (data?.id && cards.has(data.id) && type.startsWith('photo.')) {
      render(data);
      showMoveButtons();
      // A photo that turns ready may become the cover.
      if (type === 'photo.ready') refreshAlbumSoon();
    }
  }
}
