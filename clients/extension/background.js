// The service worker: the "Save to Scrapbook" context menu item on images, and what it does.
//
// An http(s) image is sent to the server as its address (POST /api/uploads/url), so the bytes travel once, from the
// image's site to Scrapbook. What the server cannot fetch (url-fetch-failed: behind a login, say), may not fetch
// (url-not-allowed: a camera or router on the home network, which the browser reaches and the server must not), and what
// has no address a server could use (data: and blob: URLs, never sent) is read from the page instead, which the click
// allows (activeTab), and uploaded as bytes (POST /api/uploads).

import { ApiError, PROBLEM, SaveError, apiRequest, describeProblem } from './lib/api.js';
import { readImageInPage } from './lib/page-image.js';
import { addSave, fromPhoto, updateSave } from './lib/saves.js';
import { loadSettings, originPattern } from './lib/settings.js';

const MENU_ID = 'save-to-scrapbook';

// The problems after which the page is asked for the image instead, and how the sentence starts if it cannot give it.
const READ_FROM_PAGE_AFTER = {
  [PROBLEM + 'url-fetch-failed']: 'Scrapbook could not download this image from its site, and ',
  [PROBLEM + 'url-not-allowed']: 'Scrapbook only fetches images from public web addresses and this one is not public, and ',
};

// What the page hands over as a data: URL through chrome.scripting, whose messages are capped at 64 MiB: base64 of
// 40 MiB stays under it. Scrapbook's own limit (50 MB by default) is enforced by the server.
const MAX_PAGE_BYTES = 40 * 1024 * 1024;

// The server's limits for a photo's source (PhotoSource): longer page addresses are left out, titles shortened.
const MAX_SOURCE_URL = 2048;
const MAX_SOURCE_TITLE = 300;

chrome.runtime.onInstalled.addListener(async () => {
  await chrome.contextMenus.removeAll();
  chrome.contextMenus.create({ id: MENU_ID, title: 'Save to Scrapbook', contexts: ['image'] });
});

chrome.contextMenus.onClicked.addListener(onMenuClicked);

/** The context menu's listener. Resolves the save as recorded (see lib/saves.js), or null for another item. */
function onMenuClicked(info, tab) {
  return info.menuItemId === MENU_ID ? saveImage(info, tab) : Promise.resolve(null);
}

// Automation cannot click a native context menu: the browser tests (and anyone in this worker's console) call the
// listener itself through this.
globalThis.scrapbook = { onMenuClicked };

async function saveImage(info, tab) {
  const settings = await loadSettings();
  const source = sourceOf(info, tab);
  const save = await addSave({
    key: crypto.randomUUID(),
    createdAt: Date.now(),
    server: settings.server,
    pageUrl: source?.url ?? info.pageUrl ?? null,
    pageTitle: tab?.title || null,
    imageUrl: /^https?:/i.test(info.srcUrl ?? '') ? info.srcUrl : null,
    albumTitle: settings.albumId ? settings.albumTitle : null,
    via: null,
    state: 'sending',
    id: null,
    thumb: null,
    moderation: null,
    reason: null,
  });
  await showBadge('…', '#ffd166');
  // The browser stops an idle extension worker after 30 s, and a large upload on a slow line takes longer than that
  // with nothing else happening; calling an extension API counts as activity.
  const keepAlive = setInterval(() => chrome.runtime.getPlatformInfo(), 20_000);

  let via = null;
  try {
    await ensureReady(settings);
    let photo;
    if (/^https?:/i.test(info.srcUrl ?? '')) {
      try {
        via = 'url';
        photo = await apiRequest(settings.server, settings.token, '/api/uploads/url', {
          method: 'POST',
          json: { url: info.srcUrl, albumId: settings.albumId || undefined, source },
        });
      } catch (error) {
        const why = error instanceof ApiError ? READ_FROM_PAGE_AFTER[error.type] : undefined;
        if (why === undefined) throw error;
        via = 'bytes';
        photo = await uploadFromPage(settings, info, tab, source, why);
      }
    } else {
      via = 'bytes';
      photo = await uploadFromPage(settings, info, tab, source, '');
    }
    await showBadge('', null);
    return await updateSave(save.key, { via, ...fromPhoto(photo, settings.server) });
  } catch (error) {
    await showBadge('!', '#ff7b7b');
    return await updateSave(save.key, { via, state: 'failed', reason: describeProblem(error, { saving: true }) });
  } finally {
    clearInterval(keepAlive);
  }
}

/** The page the image was on, as the server keeps it: an http(s) address it accepts, and a title of bounded length. */
function sourceOf(info, tab) {
  const url = info.pageUrl ?? tab?.url;
  if (!url || !/^https?:/i.test(url) || url.length > MAX_SOURCE_URL) return undefined;
  const title = tab?.title?.trim();
  return { url, title: title ? title.slice(0, MAX_SOURCE_TITLE) : undefined };
}

async function ensureReady(settings) {
  if (!settings.server || !settings.token) {
    chrome.runtime.openOptionsPage();
    throw new SaveError('Scrapbook is not set up yet: choose your server and sign in in the options page.');
  }
  if (!(await chrome.permissions.contains({ origins: [originPattern(settings.server)] }))) {
    chrome.runtime.openOptionsPage();
    throw new SaveError(`The extension may not reach ${settings.server} yet: save the server address again in the options and allow it.`);
  }
}

/** `why` starts the sentence shown when the page cannot hand the image over either. */
async function uploadFromPage(settings, info, tab, source, why) {
  const read = await readFromPage(info, tab, why);
  const blob = await (await fetch(read.dataUrl)).blob();
  const form = new FormData();
  if (settings.albumId) form.append('albumId', settings.albumId);
  if (source) {
    form.append('sourceUrl', source.url);
    if (source.title) form.append('sourceTitle', source.title);
  }
  form.append('file', blob, fileNameOf(info.srcUrl, blob.type));
  return apiRequest(settings.server, settings.token, '/api/uploads', { method: 'POST', form });
}

async function readFromPage(info, tab, why) {
  const refuse = (reason) => new SaveError(why ? why + reason : reason.charAt(0).toUpperCase() + reason.slice(1));
  if (tab?.id == null || tab.id < 0) throw refuse('this image is not in a tab the extension can read from.');
  let result;
  try {
    [{ result }] = await chrome.scripting.executeScript({
      target: { tabId: tab.id, frameIds: [info.frameId ?? 0] },
      func: readImageInPage,
      args: [info.srcUrl, MAX_PAGE_BYTES],
    });
  } catch {
    // No access to the frame: a page the browser protects, or a frame from another site than the tab's.
    throw refuse('the image could not be read from this page: the browser does not let extensions read it.');
  }
  if (result?.error === 'too-large') {
    throw refuse(`the image is too large to read from the page (${Math.round(result.size / (1024 * 1024))} MB; the extension reads up to 40 MB).`);
  }
  if (!result?.dataUrl) {
    throw refuse('the image could not be read from the page: its site does not allow it.');
  }
  return result;
}

/** The name the file part carries: the address's last segment for http(s), else one from its type. */
function fileNameOf(src, type) {
  if (/^https?:/i.test(src ?? '')) {
    const last = new URL(src).pathname.split('/').filter(Boolean).pop();
    if (last) {
      try {
        return decodeURIComponent(last).slice(0, 200);
      } catch {
        return last.slice(0, 200);
      }
    }
  }
  const extension = (type ?? '').startsWith('image/') ? type.slice(6).replace(/[^a-z0-9].*$/i, '') : 'img';
  return `image.${extension || 'img'}`;
}

async function showBadge(text, color) {
  await chrome.action.setBadgeText({ text });
  if (color) await chrome.action.setBadgeBackgroundColor({ color });
}
