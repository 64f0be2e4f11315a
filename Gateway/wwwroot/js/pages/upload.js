// Upload (/upload): drop, pick or shoot photos; a progress bar per file, then processing → ready from SSE.
// /upload?album={id} sends them into one of the owner's albums as well.
import { ALBUM_NOT_FOUND, ApiError, ensureSession, getAlbum, isAlbumId } from '../api.js';
import { openEvents } from '../events.js';
import { takeShare } from '../shared-files.js';
import { h, showLiveState } from '../ui.js';
import { createUploader } from '../uploader.js';

/** Shared files sometimes come without a type; their name still says they are photos. */
const SHARED_IMAGE_NAME = /\.(jpe?g|png|webp|gif|heic|heif|avif|tiff?|bmp)$/i;
const CLOSED_NOTICE = 'Uploads are closed at the moment. Your photos stay in the list; retry once they reopen.';

export function start(main) {
  const albumTarget = h('p', { class: 'album-target', hidden: true });
  // Its own class: it stays while the page's other notices come and go.
  const albumNotice = h('p', { class: 'album-notice', hidden: true, attrs: { role: 'alert' } });
  // The album the photos go into: known before the first file is sent, which waits for it.
  const album = findAlbum(new URLSearchParams(location.search).get('album'));
  const uploader = createUploader({
    destination: async () => ({ albumId: (await album)?.id }),
    notFound: ALBUM_NOT_FOUND,
    onRefused(error) {
      if (error instanceof ApiError && error.problem?.type?.endsWith('/uploads-closed')) say(CLOSED_NOTICE);
    },
  });
  const { notice, caption, add } = uploader;
  const say = (text) => { notice.textContent = text; notice.hidden = false; };

  main.append(h('section', { class: 'upload-page', attrs: { 'aria-labelledby': 'upload-title' } },
    h('div', { class: 'page-head' },
      h('div', {},
        h('h1', { id: 'upload-title', text: 'Add photos' }),
        h('p', { class: 'lede', text: 'They go on the wall as soon as they are ready.' }),
        albumTarget)),
    albumNotice,
    uploader.form,
    notice, uploader.list));

  async function findAlbum(id) {
    if (id === null) return null;
    const notYours = () => {
      albumNotice.textContent = 'That album is not one of yours, or it was deleted: photos you add here go to My photos only, not into an album.';
      albumNotice.hidden = false;
      return null;
    };
    if (!isAlbumId(id)) return notYours();
    try {
      await ensureSession();
      const found = await getAlbum(id);
      albumTarget.replaceChildren(
        h('span', { text: `Uploading into album ‘${found.title}’` }), ' ',
        h('a', { href: `/albums/${found.id}`, text: 'Back to the album' }));
      albumTarget.hidden = false;
      return found;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return notYours();
      // Not known now (a network hiccup): the server checks the album with each upload all the same.
      albumTarget.replaceChildren(h('span', { text: 'Uploading into one of your albums' }), ' ', h('a', { href: `/albums/${id}`, text: 'Open the album' }));
      albumTarget.hidden = false;
      return { id };
    }
  }

  // Arrived from "Share → Scrapbook": the service worker kept the shared files; upload the photos among them.
  const shareId = new URLSearchParams(location.search).get('share');
  if (shareId !== null) receiveShare(shareId);

  async function receiveShare(id) {
    history.replaceState(null, '', '/upload');
    if (id === 'unavailable') {
      say('Sharing to Scrapbook needs it opened once in this browser: open it, then share again.');
      return;
    }
    let share = null;
    try {
      share = id === 'failed' ? null : await takeShare(id);
    } catch {
      share = null;
    }
    if (!share) {
      say('The shared photos could not be picked up here. Share them again, or choose them below.');
      return;
    }
    const photos = share.files.filter((file) => file.type.startsWith('image/') || SHARED_IMAGE_NAME.test(file.name));
    const others = share.files.length - photos.length;
    if (photos.length === 0) {
      say(share.files.length === 0
        ? 'Nothing to upload: the share held no photos.'
        : `Nothing to upload: ${others === 1 ? 'the shared file is' : `the ${others} shared files are`} not a photo.`);
      return;
    }
    if (others > 0) say(`${others} shared ${others === 1 ? 'file was' : 'files were'} not a photo and ${others === 1 ? 'was' : 'were'} left out.`);
    const words = (share.text || share.title || '').trim();
    if (words && !caption.value) caption.value = words.slice(0, 500);
    add(photos);
  }

  ensureSession().then(() => openEvents({
    onState: showLiveState,
    onReset: () => uploader.recheck(),
    onEvent(type, data) {
      if (type === 'settings.changed') say(data.uploadsOpen ? 'Uploads are open again. Retry any photo that was turned away.' : CLOSED_NOTICE);
      else uploader.onEvent(type, data);
    },
  }), () => showLiveState('offline'));
}
