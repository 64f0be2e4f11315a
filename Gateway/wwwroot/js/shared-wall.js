// A share link's projector view (/s/{token}/wall): the album's photos as the projector's slideshow, live over the
// album's own event stream, with a QR code of the guests' upload page when the link takes photos. Leaving it goes to
// the link's page.
import { isPublic, linkToken, listSharedPhotos } from './api.js';
import { openLinkEvents } from './events.js';
import { Projector } from './projector.js';

/** How many of the album's first photos the slideshow cycles through. */
const PHOTOS = 60;

function start() {
  const wall = document.querySelector('.shared-wall');
  if (!wall) return; // the "link does not work" page
  const token = linkToken();
  const page = `/s/${encodeURIComponent(token)}`;
  const first = async () => (await listSharedPhotos(token, null, PHOTOS)).items;
  const projector = new Projector({
    photos: [],
    requestFullscreen: false,
    onExit: () => location.assign(page),
    refresh: first,
    qr: wall.dataset.allowUploads === 'true'
      ? { src: `${page}/qr.svg`, address: `${location.host}${page}/upload`, alt: 'QR code of the page for adding photos to this album' }
      : null,
  });
  projector.resync();
  const events = openLinkEvents(token, {
    // Turned off by its owner: the show ends, and the link's page says it no longer works.
    onGone: () => location.assign(page),
    onReset: () => projector.resync(),
    onEvent(type, data) {
      if (!data?.id) return;
      if (type === 'photo.ready') {
        if (projector.photos.some((p) => p.id === data.id)) projector.update(data);
        else projector.arrive(data);
      } else if (type === 'photo.updated') {
        if (isPublic(data)) projector.update(data);
        else projector.remove(data.id);
      } else if (type === 'photo.deleted') projector.remove(data.id);
    },
  });
  addEventListener('pagehide', () => events.close());
}

start();
