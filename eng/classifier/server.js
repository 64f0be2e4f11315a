'use strict';

// Scrapbook's offline image classifier for moderation `auto` (docs/classifier.md): nsfwjs with its bundled MobileNetV2
// model on TensorFlow.js' pure-JS CPU backend, behind plain node:http. Nothing is downloaded at run time: nsfwjs 4.x
// ships the model's topology and weights as JavaScript modules that `load('MobileNetV2')` requires from node_modules.
//
// POST /classify  body image/jpeg (a rendition made by the worker), signed in the Standard Webhooks format when
//                 CLASSIFIER_SECRET is set; answers {"labels":[{"label","score"}...],"model":"nsfwjs-mobilenetv2"}.
// GET  /health    200 once the model is loaded, 503 before.
//
// Settings (environment): PORT (required), HOST (127.0.0.1), CLASSIFIER_SECRET (whsec_<base64>, optional),
// CLASSIFIER_MAX_BODY_BYTES (4 MiB), CLASSIFIER_MAX_MEGAPIXELS (4), CLASSIFIER_MAX_DECODE_MB (64).

const http = require('node:http');
const crypto = require('node:crypto');
const jpeg = require('jpeg-js');

const MODEL_NAME = 'nsfwjs-mobilenetv2';
const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

const settings = readSettings(process.env);
let model = null;
let tf = null;

function readSettings(env) {
  const port = Number.parseInt(env.PORT ?? '', 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail('PORT must be set to the port to listen on (0 picks a free one)');
  }

  const secret = env.CLASSIFIER_SECRET ? parseSecret(env.CLASSIFIER_SECRET) : null;
  return {
    host: env.HOST || '127.0.0.1',
    port,
    secret,
    maxBodyBytes: positive(env.CLASSIFIER_MAX_BODY_BYTES, 4 * 1024 * 1024, 'CLASSIFIER_MAX_BODY_BYTES'),
    maxMegapixels: positive(env.CLASSIFIER_MAX_MEGAPIXELS, 4, 'CLASSIFIER_MAX_MEGAPIXELS'),
    maxDecodeMegabytes: positive(env.CLASSIFIER_MAX_DECODE_MB, 64, 'CLASSIFIER_MAX_DECODE_MB'),
  };
}

// Standard Webhooks secrets are "whsec_" followed by the key's bytes in base64.
function parseSecret(text) {
  const base64 = text.startsWith('whsec_') ? text.slice('whsec_'.length) : text;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) {
    fail('CLASSIFIER_SECRET must be whsec_ followed by base64');
  }

  const key = Buffer.from(base64, 'base64');
  if (key.length < 16) {
    fail('CLASSIFIER_SECRET must hold at least 16 bytes');
  }

  return key;
}

function positive(text, fallback, name) {
  if (text === undefined || text === '') {
    return fallback;
  }

  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    fail(`${name} must be a positive number`);
  }

  return value;
}

function fail(message) {
  log('fatal', message);
  process.exit(2);
}

function log(level, message, fields) {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }) + '\n');
}

function problem(response, status, type, title, detail) {
  if (response.headersSent) {
    response.destroy();
    return;
  }

  const body = JSON.stringify({ type, title, status, detail });
  response.writeHead(status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function json(response, status, value) {
  const body = JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

class RequestError extends Error {
  constructor(status, type, title, detail) {
    super(detail);
    this.status = status;
    this.type = type;
    this.title = title;
  }
}

// Reads the body, refusing it as soon as it is larger than allowed (a declared length is refused before reading).
function readBody(request, limit) {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(tooLarge(limit));
      return;
    }

    const chunks = [];
    let length = 0;
    request.on('data', (chunk) => {
      length += chunk.length;
      if (length > limit) {
        request.removeAllListeners('data');
        reject(tooLarge(limit));
        return;
      }

      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks, length)));
    // A client that goes away mid-body: nothing to answer, and nothing wrong with the service.
    const incomplete = () => reject(new RequestError(400, 'body-incomplete', 'The body ended early', 'The client went away mid-body.'));
    request.on('error', incomplete);
    request.on('close', () => {
      if (!request.complete) {
        incomplete();
      }
    });
  });
}

function tooLarge(limit) {
  return new RequestError(413, 'body-too-large', 'The image is too large', `The body is larger than ${limit} bytes.`);
}

function unauthorized(detail) {
  return new RequestError(401, 'signature-invalid', 'The request is not signed with the shared secret', detail);
}

// Standard Webhooks: HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{raw body}", base64, sent as "v1,<signature>"
// (several space-separated signatures may be sent while a secret is being rotated).
function verifySignature(headers, body, key, nowSeconds) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string' || id.length === 0) {
    throw unauthorized('webhook-id, webhook-timestamp and webhook-signature are required.');
  }

  if (!/^\d{1,15}$/.test(timestamp)) {
    throw unauthorized('webhook-timestamp is not a Unix time in seconds.');
  }

  if (Math.abs(nowSeconds - Number(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS) {
    throw unauthorized('webhook-timestamp is more than 5 minutes away from now.');
  }

  const expected = crypto.createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
  const matches = signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) {
      return false;
    }

    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
  if (!matches) {
    throw unauthorized('webhook-signature does not match the body.');
  }
}

function decode(body, limits) {
  try {
    return jpeg.decode(body, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: limits.maxMegapixels,
      maxMemoryUsageInMB: limits.maxDecodeMegabytes,
    });
  } catch (error) {
    const message = String(error && error.message ? error.message : error);
    if (/maxResolutionInMP|maxMemoryUsageInMB/.test(message)) {
      throw new RequestError(413, 'image-too-large', 'The image has too many pixels', message);
    }

    throw new RequestError(400, 'image-undecodable', 'The body is not a decodable JPEG', message);
  }
}

async function classify(image) {
  const pixels = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
  try {
    const predictions = await model.classify(pixels, 5);
    return predictions.map((p) => ({ label: p.className, score: Math.round(p.probability * 1e6) / 1e6 }));
  } finally {
    pixels.dispose();
  }
}

async function handleClassify(request, response) {
  if (request.method !== 'POST') {
    response.setHeader('allow', 'POST');
    throw new RequestError(405, 'method-not-allowed', 'Use POST', `${request.method} is not allowed on /classify.`);
  }

  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'image/jpeg') {
    throw new RequestError(415, 'unsupported-media-type', 'Send the image as image/jpeg', `Content-Type '${type}' is not image/jpeg.`);
  }

  const body = await readBody(request, settings.maxBodyBytes);
  if (settings.secret) {
    verifySignature(request.headers, body, settings.secret, Math.floor(Date.now() / 1000));
  }

  if (body.length === 0) {
    throw new RequestError(400, 'image-undecodable', 'The body is not a decodable JPEG', 'The body is empty.');
  }

  if (!model) {
    response.setHeader('retry-after', '5');
    throw new RequestError(503, 'model-loading', 'The model is still loading', 'Try again in a few seconds.');
  }

  const started = process.hrtime.bigint();
  const image = decode(body, settings);
  const labels = await classify(image);
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  json(response, 200, { labels, model: MODEL_NAME, elapsedMs: Math.round(elapsedMs * 10) / 10 });
}

async function handle(request, response) {
  const path = (request.url ?? '/').split('?')[0];
  try {
    if (path === '/classify') {
      await handleClassify(request, response);
    } else if (path === '/health' && (request.method === 'GET' || request.method === 'HEAD')) {
      json(response, model ? 200 : 503, { status: model ? 'ready' : 'loading', model: MODEL_NAME });
    } else {
      throw new RequestError(404, 'not-found', 'Not found', `Nothing is served at ${path}.`);
    }
  } catch (error) {
    if (error instanceof RequestError) {
      problem(response, error.status, error.type, error.title, error.message);
      if (!request.complete) {
        // Read and drop the rest of the body (requestTimeout bounds how long), so that the client, still sending, gets
        // the problem rather than a reset connection.
        request.removeAllListeners('data');
        request.resume();
      }

      return;
    }

    log('error', 'classifying failed', { error: String(error && error.stack ? error.stack : error) });
    problem(response, 500, 'classifier-error', 'The classifier failed', 'The image could not be classified.');
  }
}

async function loadModel() {
  const started = Date.now();
  tf = require('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  await tf.ready();
  tf.enableProdMode();
  const nsfwjs = require('nsfwjs');
  // nsfwjs announces the model it loads with console.info; this service logs JSON lines of its own.
  const info = console.info;
  console.info = () => {};
  try {
    model = await nsfwjs.load('MobileNetV2');
  } finally {
    console.info = info;
  }

  log('info', 'model loaded', { model: MODEL_NAME, backend: tf.getBackend(), elapsedMs: Date.now() - started });
}

const server = http.createServer((request, response) => {
  handle(request, response).catch((error) => {
    log('error', 'request failed', { error: String(error) });
    response.destroy();
  });
});
server.requestTimeout = 30_000;
server.headersTimeout = 10_000;
server.on('clientError', (_error, socket) => {
  if (socket.writable) {
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  } else {
    socket.destroy();
  }
});

server.listen(settings.port, settings.host, () => {
  const address = server.address();
  log('info', 'listening', { url: `http://${settings.host}:${address.port}`, signed: settings.secret !== null });
  loadModel().catch((error) => {
    log('fatal', 'the model could not be loaded', { error: String(error && error.stack ? error.stack : error) });
    process.exit(1);
  });
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
