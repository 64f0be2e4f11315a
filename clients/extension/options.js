// The options page: the server (and the one host permission it needs), the owner token, the album saves go into.

import { apiRequest, describeProblem, listAlbums, newToken, pairWithCode } from './lib/api.js';
import { isWellFormedToken, loadSettings, normaliseServer, originPattern, saveSettings } from './lib/settings.js';

const $ = (id) => document.getElementById(id);
const serverInput = $('server');
const albumSelect = $('album');
let settings = await loadSettings();
let tokenShown = false;

function say(id, text, tone = 'info') {
  $(id).textContent = text;
  $(id).dataset.tone = tone;
}

async function hasAccess() {
  return Boolean(settings.server) && chrome.permissions.contains({ origins: [originPattern(settings.server)] });
}

async function renderSections() {
  const access = await hasAccess();
  $('signin-section').disabled = !access;
  $('album-section').disabled = !(access && settings.token);
  $('signed-in').hidden = !settings.token;
  $('current-token').textContent = settings.token ? (tokenShown ? settings.token : `…${settings.token.slice(-4)}`) : '';
  $('show-token').textContent = tokenShown ? 'Hide' : 'Show';
  $('show-token').setAttribute('aria-pressed', String(tokenShown));
  if (!settings.server) say('signin-status', 'Save the server address first.');
  else if (!access) say('signin-status', `The extension may not reach ${settings.server} yet: save the address again and allow it.`, 'warn');
  else if (!settings.token) say('signin-status', 'Not signed in: get a new token, or use one you already have.');
}

// The permission request must happen in the click's own task (browsers allow the prompt only during a user gesture),
// so nothing is awaited before it.
$('server-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  let origin;
  try {
    origin = normaliseServer(serverInput.value);
  } catch (error) {
    say('server-status', error.message, 'bad');
    return;
  }
  serverInput.value = origin;
  let granted;
  try {
    granted = await chrome.permissions.request({ origins: [originPattern(origin)] });
  } catch (error) {
    say('server-status', `The browser refused to ask for access: ${error.message}`, 'bad');
    return;
  }
  if (!granted) {
    say('server-status', `Access to ${origin} was not allowed, so the extension cannot save there. Save again to be asked again.`, 'bad');
    return;
  }

  const previous = settings.server;
  const changed = previous !== origin;
  // A token belongs to one server, and so do its albums.
  settings = await saveSettings(changed ? { server: origin, token: '', albumId: '', albumTitle: '' } : { server: origin });
  if (changed && previous) {
    // The old address is not needed any more; keep only what is used.
    await chrome.permissions.remove({ origins: [originPattern(previous)] }).catch(() => {});
  }
  tokenShown = false;
  say('server-status', `Saved: ${origin}. Checking that it is a Scrapbook…`);
  await renderSections();
  renderAlbums([]);
  try {
    const wall = await apiRequest(origin, '', '/api/photos?limit=1');
    if (!Array.isArray(wall?.items)) throw new Error('not a photo list');
    say('server-status', `Saved: ${origin}.${settings.token ? '' : ' Now sign in below.'}`, 'ok');
  } catch {
    say('server-status', `Saved, but ${origin} did not answer like a Scrapbook. Check the address.`, 'warn');
  }
  if (settings.token) await loadAlbums();
});

$('get-token').addEventListener('click', async () => {
  $('get-token').disabled = true;
  try {
    const token = await newToken(settings.server);
    settings = await saveSettings({ token, albumId: '', albumTitle: '' });
    say('signin-status', 'Signed in with a new token: a new, empty scrapbook. Keep a copy of the token (Show) to use it elsewhere.', 'ok');
    await renderSections();
    await loadAlbums();
  } catch (error) {
    say('signin-status', describeProblem(error), 'bad');
  } finally {
    $('get-token').disabled = false;
  }
});

$('pair-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const code = $('pair-code').value.trim();
  if (!code) {
    say('signin-status', 'Type the code shown by Pair a device on your other device.', 'bad');
    return;
  }
  const button = event.submitter ?? $('pair-form').querySelector('button');
  button.disabled = true;
  try {
    const token = await pairWithCode(settings.server, code);
    settings = await saveSettings({ token, albumId: '', albumTitle: '' });
    $('pair-code').value = '';
    say('signin-status', 'Paired: saves go into the same scrapbook as your other device.', 'ok');
    await renderSections();
    await loadAlbums();
  } catch (error) {
    say('signin-status', describeProblem(error), 'bad');
  } finally {
    button.disabled = false;
  }
});

$('token-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = $('token').value.trim();
  if (!isWellFormedToken(token)) {
    say('signin-status', 'That is not a Scrapbook token: it is at least 22 (usually 43) letters, digits, - and _.', 'bad');
    return;
  }
  try {
    // Asking for the owner's albums checks that the server takes the token, and is what the next section shows.
    const albums = await listAlbums(settings.server, token);
    settings = await saveSettings({ token, albumId: '', albumTitle: '' });
    $('token').value = '';
    say('signin-status', 'Signed in with your token.', 'ok');
    await renderSections();
    renderAlbums(albums);
    say('album-status', albums.length ? 'Choose an album, or keep "No album".' : 'This scrapbook has no albums yet.');
  } catch (error) {
    say('signin-status', describeProblem(error), 'bad');
  }
});

$('show-token').addEventListener('click', () => {
  tokenShown = !tokenShown;
  renderSections();
});

$('sign-out').addEventListener('click', async () => {
  // The photos stay on the server; only this copy of the key to them goes.
  if (!confirm('Forget this token? Your photos stay in Scrapbook, but only someone with the token can reach them as theirs.')) return;
  settings = await saveSettings({ token: '', albumId: '', albumTitle: '' });
  tokenShown = false;
  renderAlbums([]);
  say('signin-status', 'Token forgotten.');
  say('album-status', '');
  await renderSections();
});

function renderAlbums(albums) {
  const none = new Option('No album', '');
  albumSelect.replaceChildren(none, ...albums.map((album) => new Option(album.title, album.id)));
  albumSelect.value = albums.some((album) => album.id === settings.albumId) ? settings.albumId : '';
}

async function loadAlbums() {
  $('reload-albums').disabled = true;
  say('album-status', 'Loading your albums…');
  try {
    const albums = await listAlbums(settings.server, settings.token);
    renderAlbums(albums);
    if (settings.albumId && !albums.some((album) => album.id === settings.albumId)) {
      settings = await saveSettings({ albumId: '', albumTitle: '' });
      say('album-status', 'The album chosen before no longer exists: saves go to your photos until you choose another.', 'warn');
    } else if (settings.albumId) {
      say('album-status', `Saves go into “${settings.albumTitle}”.`, 'ok');
    } else {
      say('album-status', albums.length ? 'Saves go to your photos, in no album.' : 'This scrapbook has no albums yet: saves go to your photos.');
    }
  } catch (error) {
    say('album-status', describeProblem(error), 'bad');
  } finally {
    $('reload-albums').disabled = false;
  }
}

albumSelect.addEventListener('change', async () => {
  const option = albumSelect.selectedOptions[0];
  settings = await saveSettings({ albumId: albumSelect.value, albumTitle: albumSelect.value ? option.text : '' });
  say('album-status', settings.albumId ? `Saves go into “${settings.albumTitle}”.` : 'Saves go to your photos, in no album.', 'ok');
});

$('reload-albums').addEventListener('click', () => loadAlbums());

serverInput.value = settings.server;
await renderSections();
if (settings.server && settings.token && await hasAccess()) await loadAlbums();
