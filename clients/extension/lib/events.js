// GET /api/events (server-sent events) read with fetch and a stream reader: EventSource cannot send the owner token,
// and without it the stream leaves out the owner's own events (photo.failed, photo.pending). Reconnects with
// Last-Event-ID so nothing is missed, backing off up to 30 s.

/**
 * Follows the stream until close() is called. onEvent(type, data) for each event, onReset() when the server cannot
 * replay what was missed, onState('connecting' | 'live' | 'offline').
 */
export function followEvents(server, token, { onEvent, onReset = () => {}, onState = () => {} }) {
  let controller = null;
  let lastId = null;
  let delay = 1000;
  let timer = 0;
  let closed = false;
  let missed = false;

  const dispatch = (frame) => {
    let type = 'message';
    const data = [];
    for (const line of frame.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id' && !value.includes('\0')) lastId = value;
      else if (field === 'retry' && /^\d+$/.test(value)) delay = Number(value);
    }
    if (type === 'reset') {
      onReset();
      return;
    }
    if (!data.length) return;
    let parsed;
    try {
      parsed = JSON.parse(data.join('\n'));
    } catch {
      return;
    }
    onEvent(type, parsed);
  };

  const read = async (body) => {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer = (buffer + value).replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  };

  const connect = async () => {
    if (closed) return;
    controller = new AbortController();
    onState('connecting');
    const resuming = lastId !== null;
    try {
      const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${token}` };
      if (resuming) headers['Last-Event-ID'] = lastId;
      const response = await fetch(`${server}/api/events`, { headers, credentials: 'omit', cache: 'no-store', signal: controller.signal });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      onState('live');
      delay = 1000;
      // Reconnected without an id to resume from: whatever happened meanwhile is only in the photos themselves.
      if (missed && !resuming) onReset();
      missed = false;
      await read(response.body);
    } catch {
      // Dropped, refused or aborted: reconnect below unless closed.
    }
    if (closed) return;
    onState('offline');
    missed = true;
    timer = setTimeout(connect, delay);
    delay = Math.min(delay * 2, 30000);
  };

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      controller?.abort();
    },
  };
}
