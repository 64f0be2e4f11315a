// sharp as a peer: the three presets per image, `jobs` images in flight, one libvips thread per
// pipeline (as Scrapbook runs). Each clone decodes with sharp's own shrink-on-load; metadata is
// stripped by default. WebP effort 4 is sharp's default, spelled out as the other tools' setting.
// Usage: node bench.js CORPUS_DIR OUT_DIR JOBS
'use strict';
const fs = require('fs');
const path = require('path');
const sharp = require('sharp');

const [corpus, out, jobsArg] = process.argv.slice(2);
const jobs = Number(jobsArg);
sharp.concurrency(1);
sharp.cache(false);
fs.mkdirSync(out, { recursive: true });
const files = fs.readdirSync(corpus).filter((f) => f.endsWith('.jpg')).sort();

async function render(file) {
  const base = path.join(out, path.basename(file, '.jpg'));
  const input = sharp(path.join(corpus, file)).rotate();
  await Promise.all([
    input.clone().resize(1600, 1600, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80, effort: 4 }).toFile(`${base}-large.webp`),
    input.clone().resize(640, 640, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80, effort: 4 }).toFile(`${base}-small.webp`),
    input.clone().resize(256, 256, { fit: 'cover', position: sharp.strategy.attention }).webp({ quality: 80, effort: 4 }).toFile(`${base}-thumb.webp`),
  ]);
}

(async () => {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(Array.from({ length: jobs }, async () => {
    while (next < files.length) {
      await render(files[next++]);
    }
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`images ${files.length} wall-seconds ${seconds.toFixed(3)}`);
})();
