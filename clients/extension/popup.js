// The popup: the last saves and how each one is doing. While it is open it follows the events stream, so a save moves
// from processing to ready (with its thumbnail) or failed (with the reason) as it happens; on opening it asks the
// server for each save's photo, since the stream only tells what happens from now on.

import { ApiError, PROBLEM, describeProblem, getPhoto } from './lib/api.js';
import { followEvents } from './lib/events.js';
import { fromPhoto, listSaves, onSavesChanged, updateSave } from './lib/saves.js';
import { loadSettings, originPattern } from './lib/settings.js';

// Longer than a save takes on any usable connection (the server gives up a fetch after 30 s; an upload is at most 50 MB).
const STALLED_AFTER_MS = 30 * 60 * 1000;

const list = document.getElementById('saves');
const live = document.getElementById('live');
const settings = await loadSettings();
const refreshed = new Set();

document.getElementById('open-options').addEventListener('click', () => chrome.runtime.openOptionsPage());
document.getElementById('setup-options').addEventListener('click', () => chrome.runtime.openOptionsPage());
// Seen: the "!" a failed save put on the toolbar button.
chrome.action.setBadgeText({ text: '' });

const ready = Boolean(settings.server && settings.token)
  && await chrome.permissions.contains({ origins: [originPattern(settings.server)] });
document.getElementById('setup').hidden = ready;
if (settings.server) {
  const site = document.getElementById('open-site');
  site.href = `${settings.server}/mine`;
  site.hidden = false;
}
if (ready) {
  const destination = document.getElementById('destination');
  destination.textContent = settings.albumId ? `Saving to the album “${settings.albumTitle || 'chosen in the options'}”.` : 'Saving to your photos (no album).';
  destination.hidden = false;
}

await render();
onSavesChanged(async () => {
  await render();
  if (ready) await refreshNew();
});

if (ready) {
  // Opened before the refresh, so that nothing happening in between is missed.
  const stream = followEvents(settings.server, settings.token, {
    onEvent: (type, data) => {
      if (type.startsWith('photo.') && data?.id) refreshPhoto(data.id);
    },
    onReset: () => refreshAll(),
    onState: (state) => {
      live.dataset.state = state;
      live.textContent = { live: 'Live', connecting: 'Connecting…', offline: 'Offline' }[state] ?? '';
    },
  });
  addEventListener('pagehide', () => stream.close());
  await refreshAll();
}

async function render() {
  const saves = await listSaves();
  document.getElementById('empty').hidden = saves.length > 0;
  list.replaceChildren(...saves.map(renderSave));
}

function renderSave(save) {
  const item = document.createElement('li');
  item.className = 'save';
  item.dataset.state = save.state;
  item.dataset.key = save.key;
  if (save.id) item.dataset.photoId = save.id;
  if (save.via) item.dataset.via = save.via;

  const thumb = document.createElement(save.thumb && save.state === 'ready' ? 'img' : 'span');
  thumb.className = 'thumb';
  if (thumb instanceof HTMLImageElement) {
    thumb.src = save.thumb;
    thumb.alt = '';
    thumb.loading = 'lazy';
  }

  const text = document.createElement('div');
  text.className = 'save-text';
  const linked = /^https?:/i.test(save.pageUrl ?? '');
  const title = document.createElement(linked ? 'a' : 'span');
  title.className = 'save-title';
  title.textContent = save.pageTitle || hostOf(save.pageUrl) || 'Image';
  if (linked) {
    title.href = save.pageUrl;
    title.target = '_blank';
    title.rel = 'noopener';
    title.title = save.pageUrl;
  }
  const state = document.createElement('p');
  state.className = 'save-state';
  state.textContent = stateText(save);
  text.append(title, state);
  if (save.reason) {
    const reason = document.createElement('p');
    reason.className = 'save-reason';
    reason.textContent = save.reason;
    text.append(reason);
  }
  item.append(thumb, text);
  return item;
}

function stateText(save) {
  const fromPage = save.via === 'bytes' ? ' (read from the page)' : '';
  switch (save.state) {
    case 'sending':
      // The worker that was sending it is gone (the browser closed or stopped it) without recording an answer.
      return Date.now() - save.createdAt > STALLED_AFTER_MS ? 'Interrupted before Scrapbook answered: save it again' : 'Sending…';
    case 'processing': return `Processing…${fromPage}`;
    case 'ready':
      if (save.moderation === 'pending') return `Saved${fromPage}, waiting for approval before it shows on the wall`;
      if (save.moderation === 'rejected') return `Saved${fromPage}, but not approved for the wall`;
      return `Saved${save.albumTitle ? ` to “${save.albumTitle}”` : ''}${fromPage}`;
    case 'failed': return save.id ? 'Saved, but Scrapbook could not process it' : 'Not saved';
    case 'deleted': return 'Deleted from your scrapbook';
    default: return '';
  }
}

function hostOf(url) {
  try {
    return url ? new URL(url).host : '';
  } catch {
    return '';
  }
}

/** Asks the server for every save of this server that has a photo, then keeps following the new ones. */
async function refreshAll() {
  const saves = (await listSaves()).filter((save) => save.id && save.server === settings.server);
  await Promise.all(saves.map((save) => refresh(save)));
}

/** A save recorded while the popup is open: its photo may have changed before the stream was told about it. */
async function refreshNew() {
  const saves = (await listSaves()).filter((save) => save.id && save.server === settings.server && !refreshed.has(save.key));
  await Promise.all(saves.map((save) => refresh(save)));
}

async function refreshPhoto(id) {
  const save = (await listSaves()).find((candidate) => candidate.id === id && candidate.server === settings.server);
  if (save) await refresh(save);
}

async function refresh(save) {
  refreshed.add(save.key);
  try {
    const photo = await getPhoto(settings.server, settings.token, save.id);
    const next = fromPhoto(photo, settings.server);
    if (next.state !== save.state || next.thumb !== save.thumb || next.moderation !== save.moderation || next.reason !== save.reason) {
      await updateSave(save.key, next);
    }
  } catch (error) {
    if (error instanceof ApiError && error.type === PROBLEM + 'not-found') {
      if (save.state !== 'deleted') await updateSave(save.key, { state: 'deleted', thumb: null, reason: null });
    } else if (error instanceof ApiError && error.status !== 0) {
      // The state shown stays what it was; why it could not be checked is worth saying.
      await updateSave(save.key, { reason: describeProblem(error) });
    }
  }
}

// Settings changed in the options page while the popup is open (rare): start over with them.
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && 'settings' in changes) location.reload();
});
