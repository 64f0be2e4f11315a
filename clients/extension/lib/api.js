// Scrapbook's public API as the extension calls it: through the server's one origin, with the owner token as a Bearer
// header. Requests never carry cookies (credentials: 'omit'), so the site's own session cookie in this browser can
// neither stand in for the token nor be replaced by what POST /api/session would set.

export const PROBLEM = 'https://scrapbook.dev/problems/';

export class ApiError extends Error {
  /** status 0: the server could not be reached (or the browser refused the request). */
  constructor(status, problem = null, retryAfter = null) {
    super(problem?.title || (status ? `HTTP ${status}` : 'Network error'));
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  get type() {
    return this.problem?.type ?? '';
  }
}

/** A refusal the extension itself makes before asking the server, with the sentence to show. */
export class SaveError extends Error {}

function retryAfterSeconds(value) {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds));
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, Math.round((date - Date.now()) / 1000)) : null;
}

async function toError(response) {
  let problem = null;
  try {
    const text = await response.text();
    problem = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page: the status alone has to do.
  }
  return new ApiError(response.status, problem, retryAfterSeconds(response.headers.get('Retry-After')));
}

/**
 * Calls `path` on `server` and returns the JSON body (null for 204), or throws ApiError. `json` is sent as a JSON body,
 * `form` (FormData) as multipart/form-data.
 */
export async function apiRequest(server, token, path, { method = 'GET', json, form, signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    body = JSON.stringify(json);
    headers['Content-Type'] = 'application/json';
  } else if (form) {
    body = form;
  }
  let response;
  try {
    response = await fetch(server + path, { method, headers, body, signal, credentials: 'omit', cache: 'no-store' });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0);
  }
  if (!response.ok) throw await toError(response);
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** POST /api/session without a token: a new owner, and its token. */
export async function newToken(server) {
  const { token } = await apiRequest(server, '', '/api/session', { method: 'POST' });
  return token;
}

/**
 * POST /api/pairing: redeems a code from another device of the owner's (the site's Devices page) for a token of the
 * extension's own that opens the same scrapbook. The cookie the site also sets is ignored (credentials: 'omit').
 */
export async function pairWithCode(server, code) {
  const { token } = await apiRequest(server, '', '/api/pairing', {
    method: 'POST',
    json: { code, name: 'Save to Scrapbook (browser extension)' },
  });
  return token;
}

/** Every album of the token's owner, newest first (following nextCursor). */
export async function listAlbums(server, token) {
  const albums = [];
  let cursor = null;
  do {
    const query = `?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await apiRequest(server, token, `/api/albums${query}`);
    albums.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && albums.length < 1000);
  return albums;
}

export const getPhoto = (server, token, id) => apiRequest(server, token, `/api/photos/${encodeURIComponent(id)}`);

function megabytes(detail) {
  const match = /at most (\d+) bytes/.exec(detail ?? '');
  return match ? ` The limit is ${Math.round(Number(match[1]) / (1024 * 1024))} MB.` : '';
}

/**
 * What went wrong, in a sentence a person can act on. Decided by the problem's stable `type`, never by its wording;
 * `saving` says the request was a save (there a 404 means the chosen album, elsewhere the photo).
 */
export function describeProblem(error, { saving = false } = {}) {
  if (error instanceof SaveError) return error.message;
  if (!(error instanceof ApiError)) return 'Something went wrong in the extension. Please try again.';
  const wait = error.retryAfter != null ? ` Try again in ${error.retryAfter} s.` : ' Try again in a moment.';
  if (error.status === 0) return 'Scrapbook could not be reached. Check your connection and the server address in the options.';
  switch (error.type) {
    case PROBLEM + 'url-not-allowed':
      return 'Scrapbook only fetches images from public web addresses, and this one is not public (a private or local network address, or not http/https).';
    case PROBLEM + 'url-fetch-failed':
      return 'Scrapbook could not download this image from its site, and it could not be read from the page either.';
    case PROBLEM + 'unsupported-format':
      return 'This is not an image Scrapbook takes. It accepts JPEG, PNG, WebP, GIF, HEIC, AVIF, TIFF and BMP.';
    case PROBLEM + 'too-large':
      return 'This image is too large for Scrapbook.' + megabytes(error.problem?.detail);
    case PROBLEM + 'undecodable-image':
      return 'This image looks damaged and cannot be read.';
    case PROBLEM + 'too-many-pixels':
      return 'This image has too many pixels for Scrapbook.';
    case PROBLEM + 'too-many-frames':
      return 'This image has too many frames for Scrapbook.';
    case PROBLEM + 'uploads-closed':
      return 'Uploads to this Scrapbook are closed right now. Please try again later.';
    case PROBLEM + 'quota-exceeded':
      return 'Your scrapbook is full. Delete some photos to make room.';
    case PROBLEM + 'pairing-code-not-valid':
      return 'That code does not work: check it, or ask your other device for a new one (codes last 5 minutes and work once).';
    case PROBLEM + 'rate-limited':
    case PROBLEM + 'too-many-open-uploads':
      return 'Too many saves in a short time.' + wait;
    case PROBLEM + 'dependency-down':
    case PROBLEM + 'bad-gateway':
    case PROBLEM + 'gateway-timeout':
      return 'Scrapbook is busy or restarting.' + wait;
    case PROBLEM + 'unauthorized':
      return 'Scrapbook did not accept your token. Sign in again in the options.';
    case PROBLEM + 'forbidden':
      return 'Scrapbook does not allow this.';
    case PROBLEM + 'not-found':
      return saving
        ? 'The chosen album no longer exists. Choose another one in the options.'
        : 'This photo is no longer in your scrapbook.';
    case PROBLEM + 'malformed-request':
      return error.problem?.detail || 'Scrapbook did not understand the request.';
    default:
      break;
  }
  if (error.status === 413) return 'This image is too large for Scrapbook.';
  if (error.status === 429) return 'Too many saves in a short time.' + wait;
  if (error.status >= 500) return 'Scrapbook had a problem.' + wait;
  return error.problem?.title || `Scrapbook answered with an error (HTTP ${error.status}).`;
}
