// The public API through the gateway. The owner session is the sb_owner cookie that POST /api/session sets
// (HttpOnly, SameSite=Lax): the browser sends it with every same-origin request, EventSource included.

const PROBLEM = 'https://scrapbook.dev/problems/';

export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

let session = null;

/** Makes sure this browser holds an owner token; the server hands back the same one while the cookie is valid. */
export function ensureSession(force = false) {
  if (!session || force) {
    session = fetch('/api/session', { method: 'POST', credentials: 'same-origin' }).then(async (response) => {
      if (!response.ok) throw await toError(response);
      return true;
    });
    session.catch(() => { session = null; });
  }
  return session;
}

/** Retry-After as seconds from now: either form the header may take (delta-seconds or an HTTP date). */
function retryAfterSeconds(value) {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds));
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, Math.round((date - Date.now()) / 1000)) : null;
}

/** A body's JSON, or null when it is empty or not JSON (a proxy's HTML error page, say). */
function parseJson(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

async function toError(response) {
  return new ApiError(response.status, parseJson(await response.text().catch(() => '')), retryAfterSeconds(response.headers.get('Retry-After')));
}

/** fetch + JSON, throwing ApiError with the ProblemDetails for anything but 2xx. */
export async function request(path, { method = 'GET', body, headers = {} } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await toError(response);
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** One page of a keyset-paginated list, newest first. */
const listPage = (path, cursor, limit) => request(`${path}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);

export const listPhotos = (cursor, limit = 24) => listPage('/api/photos', cursor, limit);
export const listMyPhotos = (cursor, limit = 48) => listPage('/api/me/photos', cursor, limit);

export const getPhoto = (id) => request(`/api/photos/${id}`);
export const updatePhoto = (id, patch, headers) => request(`/api/photos/${id}`, { method: 'PATCH', body: patch, headers });
export const deletePhoto = (id, headers) => request(`/api/photos/${id}`, { method: 'DELETE', headers });

export const listDevices = () => request('/api/me/devices');
export const revokeDevice = (id) => request(`/api/me/devices/${id}`, { method: 'DELETE' });
export const createPairingCode = () => request('/api/me/pairing-codes', { method: 'POST' });
/** Redeems a code; the server sets this browser's sb_owner cookie to the new device's own token. */
export const redeemPairingCode = (code, name) => request('/api/pairing', { method: 'POST', body: { code, name: name || undefined } });

/** Album ids are GUIDs; anything else in an address cannot name an album, so it is not worth asking about. */
export const isAlbumId = (text) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text ?? '');
/** The cover a PATCH sets to hand the choice back to the album: its newest ready photo. */
export const AUTOMATIC_COVER = '00000000-0000-0000-0000-000000000000';

export const listAlbums = (cursor, limit = 24) => listPage('/api/albums', cursor, limit);
export const getAlbum = (id) => request(`/api/albums/${id}`);
export const createAlbum = (album) => request('/api/albums', { method: 'POST', body: album });
export const updateAlbum = (id, patch) => request(`/api/albums/${id}`, { method: 'PATCH', body: patch });
export const deleteAlbum = (id) => request(`/api/albums/${id}`, { method: 'DELETE' });
export const listAlbumPhotos = (id, cursor, limit = 48) => listPage(`/api/albums/${id}/photos`, cursor, limit);
/** Guests' photos waiting for the owner's approval (an album with guestApproval on). */
export const listPendingPhotos = (id, limit = 100) => request(`/api/albums/${id}/photos?state=pending&limit=${limit}`);
export const approveInAlbum = (id, photoId) => request(`/api/albums/${id}/photos/${photoId}/approve`, { method: 'POST' });
export const addToAlbum = (id, photoId) => request(`/api/albums/${id}/photos/${photoId}`, { method: 'PUT' });
export const removeFromAlbum = (id, photoId) => request(`/api/albums/${id}/photos/${photoId}`, { method: 'DELETE' });
/** Puts the photo right after `after` (first when null); the album takes its owner's order from then on. */
export const moveInAlbum = (id, photoId, after) => request(`/api/albums/${id}/photos/${photoId}/move`, { method: 'POST', body: { after } });

/** What a share link's album shows, page by page; only what the link names. */
export const listSharedPhotos = (token, cursor, limit = 24) => listPage(`/api/shared/${encodeURIComponent(token)}/photos`, cursor, limit);
/** A share link's address on its own pages: /s/{token}, /s/{token}/upload, /s/{token}/wall. */
export const linkToken = () => decodeURIComponent(location.pathname.split('/')[2] ?? '');

/**
 * Uploads one file as multipart/form-data with XMLHttpRequest, whose upload progress fetch cannot report.
 * Resolves { photo } on 200/201/202; rejects with ApiError (status 0 for a network failure).
 * With albumId the photo also goes into that album of the owner's; with token, into the album of that guest link.
 */
export function uploadFile(file, { caption, author, albumId, token }, onProgress) {
  const form = new FormData();
  if (caption) form.append('caption', caption);
  if (author) form.append('author', author);
  if (albumId) form.append('albumId', albumId);
  form.append('file', file, file.name || 'photo');
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    // The album is named in the address too: the server checks it before reading the body, so a missing album is
    // said at once rather than after the whole file has been sent.
    xhr.open('POST', token ? `/api/shared/${encodeURIComponent(token)}/uploads`
      : albumId ? `/api/uploads?albumId=${encodeURIComponent(albumId)}` : '/api/uploads');
    xhr.responseType = 'text';
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      const body = parseJson(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve({ photo: body });
        return;
      }
      reject(new ApiError(xhr.status, body, retryAfterSeconds(xhr.getResponseHeader('Retry-After'))));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, null, null)));
    xhr.addEventListener('abort', () => reject(new ApiError(-1, null, null)));
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

/** What a 404 about an album means to its owner: someone else's album answers the same as one that is gone. */
export const ALBUM_NOT_FOUND = 'This album no longer exists: it was deleted, or it is not one of yours.';

/**
 * A sentence a person can act on, from the ProblemDetails' stable type (never from its wording). notFound: what to say
 * for a 404, which only the caller knows the subject of (a photo unless told).
 */
export function describeProblem(error, { notFound = 'That photo no longer exists.' } = {}) {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  const type = error.problem?.type ?? '';
  const wait = error.retryAfter != null ? ` Try again in ${error.retryAfter} s.` : ' Try again in a moment.';
  if (error.status === 0) return 'Network problem: the server could not be reached. Check your connection and retry.';
  if (error.status === -1) return 'Upload cancelled.';
  switch (type) {
    case PROBLEM + 'too-large': return 'This file is too large to upload.' + limitHint(error.problem?.detail);
    case PROBLEM + 'unsupported-format': return 'This is not an image we can take. Use JPEG, PNG, WebP, GIF, HEIC, AVIF, TIFF or BMP.';
    case PROBLEM + 'undecodable-image': return 'This image looks damaged and cannot be read.';
    case PROBLEM + 'too-many-pixels': return 'This image has too many pixels. Please send a smaller one.';
    case PROBLEM + 'too-many-frames': return 'This image has too many frames.';
    case PROBLEM + 'uploads-closed': return 'Uploads are closed right now. Please try again later.';
    case PROBLEM + 'rate-limited': return 'Slow down: too many uploads in a short time.' + wait;
    case PROBLEM + 'dependency-down': return 'The service is busy or restarting.' + wait;
    case PROBLEM + 'pairing-code-not-valid': return 'That code does not work: check it, or ask your other device for a new one (codes last 5 minutes and work once).';
    case PROBLEM + 'unauthorized': return 'Your session has expired. Reload the page and try again.';
    case PROBLEM + 'forbidden': return 'You are not allowed to do that.';
    case PROBLEM + 'not-found': return notFound;
    case PROBLEM + 'malformed-request': return error.problem?.detail || 'The request was not understood.';
    case PROBLEM + 'url-not-allowed': return error.problem?.detail || 'That address is not on the public internet, so nothing can be sent to it.';
    default: break;
  }
  if (error.status === 413) return 'This file is too large to upload.';
  if (error.status === 429) return 'Slow down: too many uploads in a short time.' + wait;
  if (error.status >= 500) return 'The server had a problem.' + wait;
  return error.problem?.title || `The request failed (HTTP ${error.status}).`;
}

function limitHint(detail) {
  const match = /at most (\d+) bytes/.exec(detail ?? '');
  return match ? ` The limit is ${formatBytes(Number(match[1]))}.` : '';
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

export const isPublic = (photo) => photo.status === 'ready' && photo.moderation === 'approved';
