'use strict';

// Drives eng/classifier/server.js with the JPEGs of a folder, one request at a time, and reports latency, throughput
// and the server's memory. Usage: node bench.js DIR COUNT (bench/classifier/run.sh prepares DIR).
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const [dir, countText] = process.argv.slice(2);
const count = Number.parseInt(countText ?? '30', 10);
const serverDir = path.resolve(__dirname, '..', '..', 'eng', 'classifier');
const key = crypto.randomBytes(32);

function startServer() {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['server.js'], {
    cwd: serverDir,
    env: { ...process.env, PORT: '0', CLASSIFIER_SECRET: `whsec_${key.toString('base64')}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let port = null;
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line);
      if (entry.message === 'listening') {
        port = Number(new URL(entry.url).port);
      } else if (entry.message === 'model loaded') {
        resolve({ child, port, loadMs: Number(process.hrtime.bigint() - started) / 1e6 });
      }
    });
    child.on('exit', (code) => reject(new Error(`the classifier exited with ${code} before its model loaded`)));
  });
}

function classify(port, body) {
  const id = `msg_${crypto.randomUUID()}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = crypto.createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/classify',
      headers: {
        'content-type': 'image/jpeg',
        'content-length': body.length,
        'webhook-id': id,
        'webhook-timestamp': timestamp,
        'webhook-signature': `v1,${signature}`,
      },
    }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => response.statusCode === 200
        ? resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
        : reject(new Error(`HTTP ${response.statusCode}: ${Buffer.concat(chunks)}`)));
    });
    request.on('error', reject);
    request.end(body);
  });
}

function memory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))[1]) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

(async () => {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort().slice(0, count);
  const bodies = files.map((f) => fs.readFileSync(path.join(dir, f)));
  const loadBefore = os.loadavg()[0];
  const { child, port, loadMs } = await startServer();
  try {
    const idle = memory(child.pid);
    await classify(port, bodies[0]); // one warm-up request, not counted
    const times = [];
    const top = {};
    const started = process.hrtime.bigint();
    for (const body of bodies) {
      const t0 = process.hrtime.bigint();
      const answer = await classify(port, body);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      top[answer.labels[0].label] = (top[answer.labels[0].label] ?? 0) + 1;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const loaded = memory(child.pid);
    times.sort((a, b) => a - b);
    const kb = Math.round(bodies.reduce((s, b) => s + b.length, 0) / bodies.length / 1024);
    console.log(`classifier: nsfwjs 4.4.0 MobileNetV2 on @tensorflow/tfjs 4.22.0 (cpu backend), node ${process.version}`);
    console.log(`photos:     ${bodies.length} corpus photos as the worker sends them (512 px JPEG, ${kb} KiB on average)`);
    console.log(`model load: ${Math.round(loadMs)} ms to /health 200`);
    console.log(`per photo:  median ${percentile(times, 50).toFixed(0)} ms, p95 ${percentile(times, 95).toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms (one request at a time)`);
    console.log(`throughput: ${(bodies.length / seconds).toFixed(2)} photos/s`);
    console.log(`memory:     RSS ${idle.rss.toFixed(0)} MiB with the model loaded, ${loaded.rss.toFixed(0)} MiB after the run, peak ${loaded.peak.toFixed(0)} MiB`);
    console.log(`machine:    ${os.cpus().length} cores, load average ${loadBefore.toFixed(1)} before and ${os.loadavg()[0].toFixed(1)} after (1 min)`);
    console.log(`top labels: ${Object.entries(top).map(([label, n]) => `${label} ${n}`).join(', ')}`);
  } finally {
    child.kill('SIGTERM');
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
