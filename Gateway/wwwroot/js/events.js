// Live events from GET /api/events, or from a share link's album (GET /api/shared/{token}/events), as server-sent
// events. EventSource reconnects by itself and sends Last-Event-ID; when it gives up (the gateway answered an error
// while Notify.Api was down) we open a new one with ?lastEventId= so nothing is missed, backing off up to 30 s, and at
// once when the network returns.

const TYPES = [
  'photo.ready', 'photo.updated', 'photo.deleted', 'photo.failed', 'photo.pending', 'settings.changed',
  // Owner-only: only a browser holding the owner's session receives these.
  'album.updated', 'album.deleted', 'album.photo-added', 'album.photo-removed', 'album.photo-approved', 'album.reordered',
];

/**
 * onEvent(type, data) for each event; onReset() when the server cannot replay what was missed (reload lists);
 * onState('live' | 'connecting' | 'offline'); url: the stream (the owner's own by default).
 */
export function openEvents({ onEvent, onReset = () => {}, onState = () => {}, url = '/api/events' }) {
  let source = null;
  let lastId = null;
  let delay = 1000;
  let timer = 0;
  let closed = false;
  let resync = false;

  const connect = () => {
    clearTimeout(timer);
    if (closed) return;
    source?.close();
    onState('connecting');
    source = new EventSource(lastId ? `${url}?lastEventId=${encodeURIComponent(lastId)}` : url);
    source.addEventListener('open', () => {
      delay = 1000;
      onState('live');
      // Reopened without an id to resume from: whatever happened meanwhile is only in the lists.
      if (resync && !lastId) onReset();
      resync = false;
    });
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) {
        onState('offline');
        resync = true;
        timer = setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      } else {
        onState('connecting');
      }
    });
    for (const type of TYPES) {
      source.addEventListener(type, (event) => {
        if (event.lastEventId) lastId = event.lastEventId;
        let data;
        try {
          data = JSON.parse(event.data);
        } catch {
          return;
        }
        onEvent(type, data);
      });
    }
    source.addEventListener('reset', () => onReset());
  };

  const online = () => {
    if (source?.readyState !== EventSource.OPEN) {
      delay = 1000;
      connect();
    }
  };
  // A connection that outlived the network (Wi-Fi gone, laptop asleep) may look open but carries nothing:
  // drop it, and resume from the last id once the network is back.
  const offline = () => {
    clearTimeout(timer);
    source?.close();
    resync = true;
    onState('offline');
  };
  window.addEventListener('online', online);
  window.addEventListener('offline', offline);
  connect();

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
      source?.close();
    },
  };
}

/**
 * The stream of a share link's album (/api/shared/{token}/events): what the link shows, as it changes. When the stream
 * fails, the link is asked about: one that no longer works (expired, turned off) stops the stream and calls onGone().
 */
export function openLinkEvents(token, { onEvent, onReset, onGone = () => {} }) {
  const link = `/api/shared/${encodeURIComponent(token)}`;
  const events = openEvents({
    url: `${link}/events`,
    onEvent,
    onReset,
    onState(state) {
      if (state !== 'offline') return;
      fetch(link, { headers: { Accept: 'application/json' } }).then((response) => {
        if (response.status !== 404) return;
        events.close();
        onGone();
      }, () => {});
    },
  });
  return events;
}
