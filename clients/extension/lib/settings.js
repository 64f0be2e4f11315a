// Where the extension saves to and as whom. Kept in chrome.storage.local, not .sync: the owner token is a secret
// that should stay on this machine, not travel with the browser profile.

const KEY = 'settings';

/** { server: origin or '', token: string or '', albumId: string or '', albumTitle: string or '' } */
export async function loadSettings() {
  const { [KEY]: stored } = await chrome.storage.local.get(KEY);
  return { server: '', token: '', albumId: '', albumTitle: '', ...stored };
}

export async function saveSettings(changes) {
  const next = { ...(await loadSettings()), ...changes };
  await chrome.storage.local.set({ [KEY]: next });
  return next;
}

export function onSettingsChanged(callback) {
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && KEY in changes) callback(changes[KEY].newValue ?? {});
  });
}

/**
 * The origin of a Scrapbook address a person typed ("scrapbook.example.org", "http://localhost:8080/mine", …), or
 * throws a TypeError whose message says what is wrong. Only the origin is kept: the API lives at its root, and host
 * permissions are granted per origin.
 */
export function normaliseServer(text) {
  const trimmed = (text ?? '').trim();
  if (!trimmed) throw new TypeError('Enter the address of your Scrapbook, like https://scrapbook.example.org.');
  // Without a scheme, URL() would read "localhost:8080" as scheme "localhost".
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url;
  try {
    url = new URL(withScheme);
  } catch {
    throw new TypeError(`"${trimmed}" is not a web address. Enter one like https://scrapbook.example.org.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError('The address must start with https:// (or http:// for a Scrapbook on your own network).');
  }
  if (url.username || url.password) throw new TypeError('Leave the user name and password out of the address.');
  if (!url.hostname) throw new TypeError('The address has no host name.');
  return url.origin;
}

/** The host permission pattern for a server's origin: what is requested at runtime, and only that. */
export const originPattern = (origin) => `${origin}/*`;

/** An owner token as Scrapbook issues or accepts them: base64url, at least 128 bits. */
export const isWellFormedToken = (token) => /^[A-Za-z0-9_-]{22,256}$/.test(token ?? '');
