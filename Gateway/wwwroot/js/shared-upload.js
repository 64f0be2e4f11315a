// A guest link's upload page (/s/{token}/upload), drawn by the gateway with the album's title: /upload's form, sending
// into the link's album. A guest is an owner like any other (POST /api/session), so each photo is followed on the
// guest's own event stream until it is ready; whether it is on the album's wall then, or waits for the album's owner to
// approve it, the album's stream (/api/shared/{token}/events) and its first page say.
import { ApiError, ensureSession, linkToken, listSharedPhotos } from './api.js';
import { openEvents, openLinkEvents } from './events.js';
import { createUploader, uploadStateOf } from './uploader.js';

const LINK_GONE = 'This link no longer works: it may have expired, or it was turned off. Ask whoever shared it for a new one.';
const NO_UPLOADS = 'This link no longer takes photos. Ask whoever shared it for one that does.';

function start() {
  const section = document.querySelector('.guest-upload');
  if (!section) return; // the "link does not work" page
  const token = linkToken();
  const onAlbum = new Set(); // photos the album shows
  const looked = new Set(); // ready photos whose place in the album was looked up
  const removed = new Set(); // photos the album showed, then no longer
  const latest = new Map(); // photo id → the newest word on it

  const uploader = createUploader({
    destination: async () => ({ token }),
    stateOf,
    texts: {
      ready: 'Ready: it is on the album’s wall',
      approval: 'Ready: waiting for the owner’s approval',
      removed: 'The album’s owner took it off the wall',
    },
    notFound: LINK_GONE,
    onRefused(error) {
      if (error instanceof ApiError && (error.status === 403 || error.status === 404)) say(error.status === 404 ? LINK_GONE : NO_UPLOADS);
    },
  });
  section.append(uploader.notice, uploader.form, uploader.list);

  /** Ready and allowed on the site, a guest's photo is on the wall only once the album shows it. */
  function stateOf(photo) {
    latest.set(photo.id, photo);
    const [state, message] = uploadStateOf(photo);
    if (state !== 'ready') return [state, message];
    if (removed.has(photo.id)) return ['removed'];
    if (onAlbum.has(photo.id)) return ['ready'];
    if (looked.has(photo.id)) return ['approval'];
    lookUp(photo.id);
    // Until the album has been asked: an album that needs no approval shows it by now, and "waiting" would be wrong.
    return ['processing'];
  }

  const looking = new Set();
  async function lookUp(id) {
    if (looking.has(id)) return;
    looking.add(id);
    try {
      const page = await listSharedPhotos(token, null, 50);
      for (const photo of page.items) onAlbum.add(photo.id);
    } catch {
      // Not known now: the album's stream still says when it shows the photo.
    }
    looking.delete(id);
    looked.add(id);
    uploader.show(latest.get(id));
  }

  const say = (text) => {
    uploader.notice.textContent = text;
    uploader.notice.hidden = false;
  };
  const album = openLinkEvents(token, {
    onGone: () => say(LINK_GONE),
    onReset() {
      // What the stream missed is in the album's first page: ask again for every photo that is ready.
      looked.clear();
      for (const photo of latest.values()) uploader.show(photo);
    },
    onEvent(type, data) {
      if (!data?.id) return;
      if (type === 'photo.ready') {
        onAlbum.add(data.id);
        removed.delete(data.id);
      } else if (type === 'photo.deleted' && onAlbum.delete(data.id)) {
        removed.add(data.id);
      } else {
        return;
      }
      if (latest.has(data.id)) uploader.show(latest.get(data.id));
    },
  });

  const own = ensureSession().then(() => openEvents({ onEvent: uploader.onEvent, onReset: uploader.recheck }), () => null);
  addEventListener('pagehide', () => {
    album.close();
    own.then((events) => events?.close());
  });
}

start();
