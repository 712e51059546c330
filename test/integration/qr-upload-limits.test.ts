// QR picture uploads are bounded: absurd headers are refused before decoding (413/422), a lying header cannot
// inflate past the cap, and decoding runs in worker threads so /healthz keeps answering meanwhile.
// Only sign-in touches the database here, so this runs on SQLite alone (the decoder is the same on both).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { assertProblem, signUp, type Person } from '../helpers/people.ts';
import { craftPng } from '../helpers/png-craft.ts';

const ROUTES = ['/api/qr/resolve-image', '/api/recipients/resolve-image', '/api/orgs/resolve-image'];

describe('QR picture uploads are bounded', () => {
  let h: Harness & { stop(): Promise<void> };
  let me: Person;
  before(async () => {
    h = await startHarness('sqlite');
    me = await signUp(h, 'Uploader');
  });
  after(async () => h.stop());

  const upload = (url: string, image: Buffer, type = 'image/png') =>
    h.runtime.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${me.token}`, 'content-type': type },
      payload: image,
    });

  test('a 16,000,000×1 PNG is refused from its header (413) on every upload route', async () => {
    const wide = craftPng({ width: 16_000_000, height: 1 });
    assert.ok(wide.length < 64 * 1024, 'a small file');
    for (const url of ROUTES) {
      const problem = assertProblem(await upload(url, wide), 413);
      assert.equal(problem.code, 'image_too_large', url);
      assert.match(problem.detail, /16000000×1/);
    }
  });

  test('decompression bombs: absurd sizes (413), interlaced (422), a lying header (400), never decoded', async () => {
    const huge = craftPng({ width: 30_000, height: 30_000, inflatedBytes: 1024 });
    assert.equal(assertProblem(await upload(ROUTES[0]!, huge), 413).code, 'image_too_large');
    const interlaced = craftPng({ width: 4000, height: 4000, interlaced: true });
    assert.equal(assertProblem(await upload(ROUTES[0]!, interlaced), 422).code, 'image_interlaced');
    // The header promises 100×100 (10 KB of rows); the data inflates to 8 MiB.
    const liar = craftPng({ width: 100, height: 100, inflatedBytes: 8 * 1024 * 1024 });
    assert.equal(assertProblem(await upload(ROUTES[0]!, liar), 400).code, 'bad_image');
    // A JPEG whose frame header claims 60000×60000.
    const jpeg = Buffer.from([
      0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0xea, 0x60, 0xea, 0x60, 0x03, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0,
    ]);
    assert.equal(assertProblem(await upload(ROUTES[0]!, jpeg, 'image/jpeg'), 413).code, 'image_too_large');
  });

  test('a large picture decodes off the event loop: /healthz answers all the while', async () => {
    // 3000×3000 is accepted (9 megapixels) and takes the decoder a good while; it holds no QR code.
    const big = craftPng({ width: 3000, height: 3000 });
    const started = performance.now();
    let finished = 0;
    const pending = upload(ROUTES[0]!, big).then((res) => {
      finished = performance.now();
      return res;
    });
    const answeredAt: number[] = [started];
    while (finished === 0) {
      const res = await h.runtime.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(res.statusCode, 200);
      answeredAt.push(performance.now());
      await new Promise((r) => setTimeout(r, 10));
    }
    const res = await pending;
    assert.equal(assertProblem(res, 400).code, 'no_qr_code');
    answeredAt.push(finished);
    const duration = finished - started;
    const longestGap = Math.max(...answeredAt.slice(1).map((t, i) => t - answeredAt[i]!));
    // Decoding on the event loop would leave one gap as long as the decode itself.
    assert.ok(
      longestGap < duration / 2,
      `longest /healthz gap ${longestGap.toFixed(0)} ms during a ${duration.toFixed(0)} ms upload`,
    );
  });
});
