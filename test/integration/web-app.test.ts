// How the web app's files travel: compressed (brotli, gzip), hashed assets cached for a year, index.html and the
// other fixed names revalidated, no source maps served. Runs against the real build (web/dist).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { startWebServer, WEB_DIST, type WebServer } from '../helpers/browser.ts';

describe('web app delivery', () => {
  let server: WebServer;
  let script = '';
  before(async () => {
    server = await startWebServer();
    const html = await (await fetch(`${server.url}/`)).text();
    script = /src="(\/assets\/index-[\w-]+\.js)"/.exec(html)?.[1] ?? '';
    assert.ok(script, 'index.html loads a hashed script');
  });
  after(() => server.stop());

  /** The body as it travelled (fetch would decompress it). */
  const get = (url: string, encoding: string) =>
    new Promise<{ headers: http.IncomingHttpHeaders; status: number; body: Buffer }>((resolve, reject) => {
      http
        .get(`${server.url}${url}`, { headers: { 'accept-encoding': encoding } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, status: res.statusCode!, body: Buffer.concat(chunks) }));
        })
        .on('error', reject);
    });

  test('index.html, deep links and the other unhashed files are revalidated on every load', async () => {
    for (const url of ['/', '/devices/dev_1/settings']) {
      const res = await fetch(`${server.url}${url}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-cache', url);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    }
    for (const url of ['/sw.js', '/manifest.webmanifest', '/icons/icon-192.png']) {
      const res = await fetch(`${server.url}${url}`);
      assert.equal(res.status, 200, url);
      assert.equal(res.headers.get('cache-control'), 'no-cache', url);
    }
  });

  test('hashed assets are immutable for a year and sent brotli- or gzip-compressed', async () => {
    const original = fs.readFileSync(path.join(WEB_DIST, script));
    const br = await get(script, 'gzip, deflate, br');
    assert.equal(br.status, 200);
    assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(br.headers['content-encoding'], 'br');
    assert.match(br.headers['content-type'] ?? '', /javascript/);
    assert.ok(br.body.length < original.length / 3, `brotli ${br.body.length} B of ${original.length} B`);
    assert.deepEqual(zlib.brotliDecompressSync(br.body), original);

    const gz = await get(script, 'gzip');
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(zlib.gunzipSync(gz.body), original);

    const plain = await get(script, 'identity');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.deepEqual(plain.body, original);
  });

  test('no source maps are built or served', async () => {
    const files = fs.readdirSync(path.join(WEB_DIST, 'assets'));
    assert.deepEqual(
      files.filter((f) => f.endsWith('.map')),
      [],
    );
    const js = fs.readFileSync(path.join(WEB_DIST, script), 'utf8');
    assert.doesNotMatch(js, /sourceMappingURL/);
    assert.equal((await fetch(`${server.url}${script}.map`)).status, 404);
  });

  test('API answers are compressed too', async () => {
    const { headers, body } = await get('/openapi.json', 'br');
    assert.equal(headers['content-encoding'], 'br');
    assert.ok(JSON.parse(zlib.brotliDecompressSync(body).toString()).openapi);
    const small = await get('/healthz', 'br');
    assert.equal(small.headers['content-encoding'], undefined, 'answers under 1 KB go as they are');
  });
});
