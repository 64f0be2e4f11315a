// The last saves, for the popup. Each one is its own storage item ("save:<key>"), so that the service worker (which
// creates a save and records the server's answer) and the popup (which follows it to ready or failed) never overwrite
// each other's changes to the same list.
//
// A save: { key, createdAt, server, pageUrl, pageTitle, imageUrl, via: 'url' | 'bytes', state, id, thumb, moderation,
// reason }, where state is 'sending', 'processing', 'ready', 'failed' or 'deleted' and reason is a sentence for a person.

const PREFIX = 'save:';
export const KEEP = 20;

export async function listSaves() {
  const everything = await chrome.storage.local.get(null);
  return Object.entries(everything)
    .filter(([name]) => name.startsWith(PREFIX))
    .map(([, save]) => save)
    .sort((a, b) => b.createdAt - a.createdAt || (a.key < b.key ? 1 : -1));
}

/** Stores a new save and forgets all but the newest KEEP. */
export async function addSave(save) {
  await chrome.storage.local.set({ [PREFIX + save.key]: save });
  const older = (await listSaves()).slice(KEEP);
  if (older.length) await chrome.storage.local.remove(older.map((old) => PREFIX + old.key));
  return save;
}

/** Merges `changes` into a save; null when it has been forgotten meanwhile. */
export async function updateSave(key, changes) {
  const name = PREFIX + key;
  const { [name]: current } = await chrome.storage.local.get(name);
  if (!current) return null;
  const next = { ...current, ...changes };
  await chrome.storage.local.set({ [name]: next });
  return next;
}

export function onSavesChanged(callback) {
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && Object.keys(changes).some((name) => name.startsWith(PREFIX))) callback();
  });
}

/** What a save becomes once the server answered with the photo. */
export function fromPhoto(photo, server) {
  const state = { processing: 'processing', ready: 'ready', failed: 'failed' }[photo.status] ?? 'processing';
  return {
    id: photo.id,
    state,
    moderation: photo.moderation ?? null,
    thumb: photo.urls?.thumb ? new URL(photo.urls.thumb, server).href : null,
    reason: state === 'failed' ? photo.failureReason || 'Scrapbook could not process this image.' : null,
  };
}
