// Projector mode: a fullscreen slideshow of recent photos that jumps to each new arrival, keeps the screen awake,
// hides the cursor when the mouse rests, and recovers from network loss by itself. The wall's (/projector) invites
// people to the site's upload page; an album's (/s/{token}/wall) to its guest link's, or to nothing.
import { largeSrc, setPlaceholder } from './photos.js';
import { altFor, h, uploadQrCode } from './ui.js';

const SLIDE_MS = 8000;
const ARRIVAL_MS = 12000;
const RESYNC_MS = 120000;

export class Projector {
  /**
   * refresh(): resolves the newest photos again (after a reset, or every few minutes). qr: the upload page a QR code
   * invites to ({ src, address, alt }, see uploadQrCode), the site's by default; null for none.
   */
  constructor({ photos, requestFullscreen, onExit, refresh, qr = {} }) {
    this.photos = [...photos];
    this.index = 0;
    this.onExit = onExit;
    this.refresh = refresh;
    this.timer = 0;
    this.idleTimer = 0;
    this.wakeLock = null;
    this.active = true;
    this.token = 0;

    this.layers = [this.layer(), this.layer()];
    this.front = 0;
    this.badge = h('p', { class: 'projector-badge', text: 'Just in', hidden: true });
    this.caption = h('p', { class: 'projector-caption' });
    this.author = h('p', { class: 'projector-author' });
    this.hint = h('p', { class: 'projector-hint', text: 'Click or press F for full screen · Esc to leave' });
    this.invite = h('div', { class: 'projector-invite' },
      h('p', { class: 'projector-invite-title', text: 'Waiting for photos' }),
      h('p', { text: !qr ? 'They appear here as soon as they are added.' : qr.address ? 'Scan the code to add yours.' : `Add yours at ${location.host}/upload` }));
    this.exitButton = h('button', { class: 'button projector-exit', type: 'button', onclick: () => this.exit() }, 'Leave projector');
    this.root = h('section', { class: 'projector', attrs: { 'aria-label': 'Projector slideshow', 'aria-roledescription': 'slideshow' } },
      ...this.layers,
      h('div', { class: 'projector-info', attrs: { 'aria-live': 'polite' } }, this.badge, this.caption, this.author),
      qr ? uploadQrCode('projector-qr', qr) : null,
      this.invite, this.hint, this.exitButton);

    this.onKey = (event) => {
      if (event.key === 'Escape') this.exit();
      else if (event.key === 'ArrowRight') this.advance(1);
      else if (event.key === 'ArrowLeft') this.advance(-1);
      else if (event.key === 'f' || event.key === 'F') this.toggleFullscreen();
    };
    this.onMove = () => this.wake();
    this.onVisibility = () => { if (document.visibilityState === 'visible') this.keepAwake(); };
    this.onOnline = () => this.resync();
    this.root.addEventListener('click', (event) => { if (event.target !== this.exitButton) this.toggleFullscreen(true); });
    document.addEventListener('keydown', this.onKey);
    document.addEventListener('pointermove', this.onMove);
    document.addEventListener('visibilitychange', this.onVisibility);
    addEventListener('online', this.onOnline);
    this.resyncTimer = setInterval(() => this.resync(), RESYNC_MS);

    document.body.append(this.root);
    document.body.classList.add('projecting');
    this.exitButton.focus();
    if (requestFullscreen) this.toggleFullscreen(true);
    this.keepAwake();
    this.wake();
    this.show(0);
  }

  layer() {
    return h('figure', { class: 'projector-slide' }, h('img', { alt: '', decoding: 'async' }));
  }

  async keepAwake() {
    if (!this.active || this.wakeLock || !('wakeLock' in navigator) || document.visibilityState !== 'visible') return;
    try {
      this.wakeLock = await navigator.wakeLock.request('screen');
      this.wakeLock.addEventListener('release', () => { this.wakeLock = null; });
    } catch {
      // Not granted (battery saver, a browser without permission): the slideshow runs anyway.
      this.wakeLock = null;
    }
  }

  async toggleFullscreen(onlyEnter = false) {
    try {
      if (!document.fullscreenElement) await this.root.requestFullscreen({ navigationUI: 'hide' });
      else if (!onlyEnter) await document.exitFullscreen();
    } catch {
      // Fullscreen needs a user gesture; the hint stays until there is one.
    }
    this.hint.hidden = Boolean(document.fullscreenElement);
  }

  wake() {
    this.root.classList.remove('idle');
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.root.classList.add('idle'), 2500);
  }

  /** Shows photos[index], crossfading once its image has loaded (or after a few seconds with its placeholder). */
  async show(index, { fresh = false } = {}) {
    clearTimeout(this.timer);
    const token = ++this.token;
    this.invite.hidden = this.photos.length > 0;
    if (this.photos.length === 0) {
      this.root.dataset.current = '';
      for (const layer of this.layers) layer.classList.remove('visible');
      this.caption.textContent = '';
      this.author.textContent = '';
      return;
    }
    this.index = ((index % this.photos.length) + this.photos.length) % this.photos.length;
    const photo = this.photos[this.index];
    const back = this.layers[1 - this.front];
    const img = back.querySelector('img');
    setPlaceholder(back, photo);
    img.alt = altFor(photo);
    img.classList.remove('loaded');
    img.src = largeSrc(photo);
    try {
      await Promise.race([img.decode(), new Promise((resolve) => setTimeout(resolve, 4000))]);
      img.classList.add('loaded');
    } catch {
      // A rendition that does not load (network down) still shows its placeholder; the next slide tries again.
    }
    if (token !== this.token || !this.active) return;
    back.classList.add('visible');
    this.layers[this.front].classList.remove('visible');
    this.front = 1 - this.front;
    this.root.dataset.current = photo.id;
    this.badge.hidden = !fresh;
    this.describe(photo);
    this.timer = setTimeout(() => this.advance(1), fresh ? ARRIVAL_MS : SLIDE_MS);
  }

  describe(photo) {
    this.caption.textContent = photo.caption ?? '';
    this.author.textContent = photo.author ? `by ${photo.author}` : '';
  }

  advance(delta) {
    this.show(this.index + delta);
  }

  arrive(photo) {
    this.photos = [photo, ...this.photos.filter((p) => p.id !== photo.id)].slice(0, 100);
    this.show(0, { fresh: true });
  }

  update(photo) {
    const at = this.photos.findIndex((p) => p.id === photo.id);
    if (at < 0) return;
    this.photos[at] = photo;
    if (at === this.index) this.describe(photo);
  }

  remove(id) {
    const at = this.photos.findIndex((p) => p.id === id);
    if (at < 0) return;
    this.photos.splice(at, 1);
    if (at === this.index) this.show(at);
    else if (at < this.index) this.index--;
  }

  /** A fresh list (after a reset or a resync): a newest photo not seen before is shown as an arrival. */
  replaceAll(photos) {
    const known = new Set(this.photos.map((p) => p.id));
    const currentId = this.photos[this.index]?.id;
    this.photos = [...photos];
    if (known.size > 0 && this.photos.length > 0 && !known.has(this.photos[0].id)) {
      this.show(0, { fresh: true });
      return;
    }
    const at = this.photos.findIndex((p) => p.id === currentId);
    if (at >= 0) this.index = at;
    else this.show(0);
  }

  async resync() {
    try {
      this.replaceAll(await this.refresh());
    } catch {
      // Still offline: the EventSource reconnects by itself and the next resync tries again.
    }
  }

  exit() {
    if (!this.active) return;
    this.active = false;
    clearTimeout(this.timer);
    clearTimeout(this.idleTimer);
    clearInterval(this.resyncTimer);
    document.removeEventListener('keydown', this.onKey);
    document.removeEventListener('pointermove', this.onMove);
    document.removeEventListener('visibilitychange', this.onVisibility);
    removeEventListener('online', this.onOnline);
    this.wakeLock?.release().catch(() => {});
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    this.root.remove();
    document.body.classList.remove('projecting');
    this.onExit();
  }
}
