// Files shared to Scrapbook ("Share → Scrapbook"), handed from the service worker, which receives the share target's
// POST, to the upload page, which uploads them as the owner (a cross-site POST carries no SameSite=Lax cookie, so the
// server could not tell whose they are). Kept in IndexedDB, which holds File objects as they are, until the page takes them.
const DB = 'scrapbook-shares';
const STORE = 'shares';

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function run(mode, work) {
  return open().then((db) => new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const result = work(transaction.objectStore(STORE));
    transaction.oncomplete = () => { db.close(); resolve(result.result ?? result); };
    transaction.onerror = () => { db.close(); reject(transaction.error); };
  }));
}

/** Stores one share ({ files, title, text, url }) and returns its id. */
export async function saveShare(share) {
  const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  await run('readwrite', (store) => store.put({ ...share, savedAt: Date.now() }, id));
  return id;
}

/** Takes a share out (it is handed over once), or null when there is none by that id. */
export async function takeShare(id) {
  const request = await run('readwrite', (store) => {
    const read = store.get(id);
    store.delete(id);
    return read;
  });
  return request ?? null;
}
