// Metrics page: draws the chosen instrument's recent points as an SVG line chart, one line per attribute set, every 2 s.
'use strict';
(() => {
  const chart = document.getElementById('chart');
  if (!chart) return;
  const legend = document.getElementById('legend');
  const colors = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#9c755f'];
  const ns = 'http://www.w3.org/2000/svg';
  const width = 800, height = 300, left = 60, right = 10, top = 10, bottom = 30;
  const url = `/api/metrics/${encodeURIComponent(chart.dataset.resource)}/${encodeURIComponent(chart.dataset.instrument)}`;

  const element = (tag, attributes, text) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const format = v => Math.abs(v) >= 1e6 ? (v / 1e6).toFixed(1) + 'M' : Math.abs(v) >= 1e3 ? (v / 1e3).toFixed(1) + 'k' : +v.toFixed(3) + '';

  function draw(data) {
    const series = new Map();
    // Replicas report their own cumulative values: one line per replica and attribute set.
    const replicas = new Set(data.points.map(p => p.instance)).size > 1;
    for (const p of data.points) {
      const attributes = Object.entries(p.attributes).map(([k, v]) => `${k}=${v}`).sort().join(', ');
      const key = [replicas ? p.instance : '', attributes].filter(x => x).join(': ') || '(no attributes)';
      if (!series.has(key)) series.set(key, []);
      series.get(key).push({ t: Date.parse(p.time), v: p.value });
    }
    const shown = [...series.entries()].slice(0, colors.length);
    const all = shown.flatMap(([, points]) => points);
    chart.replaceChildren();
    legend.replaceChildren();
    if (all.length === 0) { chart.appendChild(element('text', { x: left, y: height / 2 }, 'No points yet.')); return; }
    const t0 = Math.min(...all.map(p => p.t)), t1 = Math.max(...all.map(p => p.t), t0 + 1000);
    let v0 = Math.min(0, ...all.map(p => p.v)), v1 = Math.max(...all.map(p => p.v));
    if (v1 === v0) v1 = v0 + 1;
    const x = t => left + (t - t0) / (t1 - t0) * (width - left - right);
    const y = v => height - bottom - (v - v0) / (v1 - v0) * (height - top - bottom);
    for (let i = 0; i <= 4; i++) {
      const v = v0 + (v1 - v0) * i / 4;
      chart.appendChild(element('line', { class: 'grid', x1: left, x2: width - right, y1: y(v), y2: y(v) }));
      chart.appendChild(element('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, format(v)));
    }
    chart.appendChild(element('line', { class: 'axis', x1: left, x2: width - right, y1: height - bottom, y2: height - bottom }));
    [['start', t0], ['middle', (t0 + t1) / 2], ['end', t1]].forEach(([anchor, t]) => {
      chart.appendChild(element('text', { x: x(t), y: height - 10, 'text-anchor': anchor }, new Date(t).toISOString().substring(11, 19)));
    });
    shown.forEach(([key, points], i) => {
      const d = points.map((p, j) => `${j ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
      chart.appendChild(element('path', { d, stroke: colors[i] }));
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = colors[i];
      item.append(swatch, `${key}: ${format(points[points.length - 1].v)}${data.instrument.unit ? ' ' + data.instrument.unit : ''}`);
      legend.appendChild(item);
    });
  }

  async function refresh() {
    const response = await fetch(url);
    if (response.ok) draw(await response.json());
  }

  refresh();
  setInterval(refresh, 2000);
})();
