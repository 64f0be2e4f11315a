// Structured logs and traces: with "live" ticked, the page reloads itself (same filters) every 3 s; the choice is
// remembered for the tab.
'use strict';
(() => {
  const live = document.getElementById('live');
  if (!live) return;
  const key = 'scrapbook-live:' + location.pathname;
  live.checked = sessionStorage.getItem(key) === '1';
  live.addEventListener('change', () => sessionStorage.setItem(key, live.checked ? '1' : '0'));
  setInterval(() => {
    // Not while an entry is open or the filters are being edited.
    if (live.checked && !document.querySelector('details[open]') && !document.activeElement?.matches('input[type=search], select')) {
      location.reload();
    }
  }, 3000);
})();
