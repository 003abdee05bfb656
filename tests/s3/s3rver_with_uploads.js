#!/usr/bin/env node
// s3rver 3.7.1 for the S3 store's tests (src/store/s3_object_store_test.cc),
// with what the tests need and s3rver lacks:
//
// - the three multipart calls it does not implement (its routes answer 501
//   to ListMultipartUploads and 405 to ListParts and AbortMultipartUpload),
//   answered from its own upload folders (<bucket>/._S3rver_uploads/<id>/
//   holding `key`, and `N` plus `N.md5` per part), so the store's resume and
//   abort can be tested; --plain leaves them out, as s3rver ships;
// - failures on demand: under a key with a segment starting "flaky", the
//   first try of every part upload and every ranged GET gets 503 SlowDown;
// - port 0 picks a free port, printed as "listening on PORT" once open.
//
// Usage: node --openssl-legacy-provider s3rver_with_uploads.js -d DIR [-a ADDRESS] [-p PORT] [-b BUCKET] [--plain]
// (s3rver makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3
// keeps in its legacy provider: without it a truncated listing is a 500.)
'use strict';

const fs = require('fs/promises');
const path = require('path');
const S3rver = require('s3rver');

function parseArgs(argv) {
  const args = { directory: '', address: '127.0.0.1', port: 0, bucket: 'dumps', plain: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--plain') args.plain = true;
    else if (flag === '-d') args.directory = argv[++i];
    else if (flag === '-a') args.address = argv[++i];
    else if (flag === '-p') args.port = Number(argv[++i]);
    else if (flag === '-b') args.bucket = argv[++i];
    else throw new Error(`unknown argument ${flag}`);
  }
  if (!args.directory) throw new Error('-d DIR is required');
  return args;
}

function xmlEscape(text) {
  return String(text).replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}

function sendXml(ctx, status, root, inner) {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</${root}>`;
}

function sendError(ctx, status, code, message) {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` +
    `<Message>${xmlEscape(message)}</Message></Error>`;
}

// Path-style only: /bucket or /bucket/key.
function splitPath(ctx) {
  const [, bucket, ...rest] = ctx.path.split('/');
  return { bucket: decodeURIComponent(bucket || ''), key: rest.map(decodeURIComponent).join('/') };
}

function multipartCalls(server) {
  const uploadsOf = bucket => server.store.getResourcePath(bucket, undefined, 'uploads');

  async function readUploads(bucket) {
    const root = uploadsOf(bucket);
    let ids = [];
    try {
      ids = await fs.readdir(root);
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
    const uploads = [];
    for (const id of ids) {
      const dir = path.join(root, id);
      const [key, stat] = await Promise.all([fs.readFile(path.join(dir, 'key'), 'utf8'), fs.stat(dir)]);
      uploads.push({ id, key, initiated: stat.birthtime.toISOString() });
    }
    return uploads.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated < b.initiated ? -1 : 1));
  }

  async function listUploads(ctx, bucket) {
    const prefix = ctx.query.prefix || '';
    const uploads = (await readUploads(bucket)).filter(u => u.key.startsWith(prefix));
    sendXml(ctx, 200, 'ListMultipartUploadsResult',
      `<Bucket>${xmlEscape(bucket)}</Bucket><Prefix>${xmlEscape(prefix)}</Prefix>` +
      '<IsTruncated>false</IsTruncated>' +
      uploads.map(u => `<Upload><Key>${xmlEscape(u.key)}</Key><UploadId>${u.id}</UploadId>` +
        `<Initiated>${u.initiated}</Initiated></Upload>`).join(''));
  }

  async function listParts(ctx, bucket, key) {
    const dir = path.join(uploadsOf(bucket), path.basename(ctx.query.uploadId));
    let names;
    try {
      names = await fs.readdir(dir);
    } catch (err) {
      return sendError(ctx, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    }
    const numbers = names.filter(n => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
    const parts = [];
    for (const n of numbers) {
      const [stat, md5] = await Promise.all([
        fs.stat(path.join(dir, String(n))), fs.readFile(path.join(dir, `${n}.md5`), 'utf8')]);
      parts.push(`<Part><PartNumber>${n}</PartNumber><ETag>&quot;${md5}&quot;</ETag>` +
        `<Size>${stat.size}</Size></Part>`);
    }
    sendXml(ctx, 200, 'ListPartsResult',
      `<Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key>` +
      `<UploadId>${xmlEscape(ctx.query.uploadId)}</UploadId><IsTruncated>false</IsTruncated>${parts.join('')}`);
  }

  async function abort(ctx, bucket) {
    const dir = path.join(uploadsOf(bucket), path.basename(ctx.query.uploadId));
    try {
      await fs.access(dir);
    } catch (err) {
      return sendError(ctx, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    }
    await fs.rm(dir, { recursive: true, force: true });
    ctx.status = 204;
  }

  return async (ctx, next) => {
    const { bucket, key } = splitPath(ctx);
    if (ctx.method === 'GET' && bucket && !key && 'uploads' in ctx.query) return listUploads(ctx, bucket);
    if (ctx.method === 'GET' && key && 'uploadId' in ctx.query) return listParts(ctx, bucket, key);
    if (ctx.method === 'DELETE' && key && 'uploadId' in ctx.query) return abort(ctx, bucket);
    return next();
  };
}

function flakyFailures() {
  const seen = new Set();
  return async (ctx, next) => {
    const { key } = splitPath(ctx);
    if (!key.split('/').some(segment => segment.startsWith('flaky'))) return next();
    let attempt = null;
    if (ctx.method === 'PUT' && 'partNumber' in ctx.query) attempt = `part ${ctx.query.uploadId} ${ctx.query.partNumber}`;
    if (ctx.method === 'GET' && ctx.headers.range) attempt = `range ${key} ${ctx.headers.range}`;
    if (attempt === null || seen.has(attempt)) return next();
    seen.add(attempt);
    ctx.req.resume();  // drain the body we refuse
    return sendError(ctx, 503, 'SlowDown', 'Please reduce your request rate (a test failure).');
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const server = new S3rver({
    directory: args.directory,
    address: args.address,
    port: args.port,
    silent: true,
    configureBuckets: [{ name: args.bucket }],
  });
  // In front of s3rver's own middleware, which Koa composes when it listens.
  server.middleware.unshift(flakyFailures());
  if (!args.plain) server.middleware.unshift(multipartCalls(server));
  const { port } = await server.run();
  process.stdout.write(`listening on ${port}\n`);
}

main().catch(err => {
  process.stderr.write(`s3rver_with_uploads: ${err.stack || err}\n`);
  process.exit(1);
});
