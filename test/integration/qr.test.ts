import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { decodeQrImage, parseQrText, renderQrPng } from '../../src/services/qr-id.ts';
import { api, ok, problemOf } from '../helpers/api.ts';

/** My QR ID as text. */
async function qrTextOf(h: Harness, token: string): Promise<string> {
  return (await ok(api(h, token).GET('/api/me/qr'), 200)).text;
}

/** The picture goes as its bytes (the OpenAPI document types an image body as a binary string). */
function upload(h: Harness, token: string | undefined, image: Buffer, contentType: string) {
  return api(h, token).POST('/api/qr/resolve-image', {
    body: image as unknown as string,
    bodySerializer: () => new Uint8Array(image),
    headers: { 'content-type': contentType },
  });
}

/** Re-encodes a PNG as a JPEG, the way a phone's saved screenshot or photo would arrive. */
function pngToJpeg(png: Buffer): Buffer {
  const image = PNG.sync.read(png);
  return jpeg.encode({ width: image.width, height: image.height, data: image.data }, 90).data;
}

describeEachDatabase('personal QR ID', (h) => {
  test('my QR ID is an opaque reference, as text, PNG and SVG', async () => {
    const p = await signUp(h(), 'Quinn');
    const text = await qrTextOf(h(), p.token);
    assert.match(text, /^keyholder:account:[A-Za-z0-9_-]{20,}$/);
    assert.ok(
      !text.includes(p.email.split('@')[0]!) && !text.includes(p.id),
      'the QR ID reveals nothing about the person',
    );

    const png = await h().request({ method: 'GET', url: '/api/me/qr.png', token: p.token });
    assert.equal(png.statusCode, 200);
    assert.equal(png.headers['content-type'], 'image/png');
    assert.equal(await decodeQrImage(png.rawPayload, 'image/png'), text);

    const svg = await h().request({ method: 'GET', url: '/api/me/qr.svg', token: p.token });
    assert.equal(svg.statusCode, 200);
    assert.match(String(svg.headers['content-type']), /^image\/svg\+xml/);
    assert.match(svg.body, /^<svg[\s\S]*<\/svg>\s*$/);
  });

  test('a saved PNG or JPEG of my QR ID picks me; only id and name are shown', async () => {
    const owner = await signUp(h(), 'Olga');
    const recipient = await signUp(h(), 'Rita');
    const png = (await h().request({ method: 'GET', url: '/api/me/qr.png', token: recipient.token })).rawPayload;

    const fromPng = await ok(upload(h(), owner.token, png, 'image/png'), 200);
    assert.deepEqual(fromPng, { id: recipient.id, displayName: 'Rita' });

    const fromJpeg = await ok(upload(h(), owner.token, pngToJpeg(png), 'image/jpeg'), 200);
    assert.deepEqual(fromJpeg, { id: recipient.id, displayName: 'Rita' });

    const text = await qrTextOf(h(), recipient.token);
    const fromText = await ok(api(h(), owner.token).POST('/api/qr/resolve', { body: { text } }), 200);
    assert.deepEqual(fromText, { id: recipient.id, displayName: 'Rita' });
  });

  test('rotating replaces the QR ID: old text and images stop resolving, the new one works', async () => {
    const owner = await signUp(h(), 'Otto');
    const p = await signUp(h(), 'Rolf');
    const oldText = await qrTextOf(h(), p.token);
    const oldPng = (await h().request({ method: 'GET', url: '/api/me/qr.png', token: p.token })).rawPayload;

    const newText = (await ok(api(h(), p.token).POST('/api/me/qr/rotate'), 200)).text;
    assert.notEqual(newText, oldText);
    assert.equal(await qrTextOf(h(), p.token), newText);

    assertProblem(
      await h().request({ method: 'POST', url: '/api/qr/resolve', token: owner.token, body: { text: oldText } }),
      404,
    );
    await problemOf(upload(h(), owner.token, oldPng, 'image/png'), 404);
    const now = await ok(api(h(), owner.token).POST('/api/qr/resolve', { body: { text: newText } }), 200);
    assert.equal(now.id, p.id);
  });

  test('garbage, unsupported, oversized or foreign images are a clear 4xx', async () => {
    const p = await signUp(h(), 'Gary');
    const garbage = upload(h(), p.token, Buffer.from('definitely not a png'), 'image/png');
    assert.equal((await problemOf(garbage, 400)).field, 'image');
    await problemOf(upload(h(), p.token, Buffer.from('not a jpeg either'), 'image/jpeg'), 400);

    // A real picture without a QR code in it.
    const blank = new PNG({ width: 64, height: 64 });
    blank.data.fill(255);
    const noQr = upload(h(), p.token, PNG.sync.write(blank), 'image/png');
    assert.equal((await problemOf(noQr, 400)).code, 'no_qr_code');

    // A QR code that is not a Keyholder ID.
    const foreign = upload(h(), p.token, await renderQrPng('https://example.com/'), 'image/png');
    assert.equal((await problemOf(foreign, 400)).code, 'not_a_qr_id');

    await problemOf(upload(h(), p.token, Buffer.from('GIF89a'), 'image/gif'), 400);
    await problemOf(upload(h(), p.token, Buffer.alloc(6 * 1024 * 1024, 1), 'image/png'), 413);
    // A PNG header claiming a huge picture is refused before decoding.
    const header = Buffer.from(PNG.sync.write(blank));
    header.writeUInt32BE(20_000, 16);
    header.writeUInt32BE(20_000, 20);
    assert.equal((await problemOf(upload(h(), p.token, header, 'image/png'), 413)).code, 'image_too_large');
    const asJson = await h().request({
      method: 'POST',
      url: '/api/qr/resolve-image',
      token: p.token,
      body: { image: 'x' },
    });
    assertProblem(asJson, 400);
  });

  test('bad text, no login and organization QR IDs are refused', async () => {
    const p = await signUp(h(), 'Tess');
    for (const text of ['', 'hello', 'keyholder:account:', 'keyholder:account:short', `mailto:${p.email}`]) {
      assertProblem(await h().request({ method: 'POST', url: '/api/qr/resolve', token: p.token, body: { text } }), 400);
    }
    assertProblem(
      await h().request({ method: 'POST', url: '/api/qr/resolve', token: p.token, body: { text: 'x'.repeat(501) } }),
      400,
    );
    assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/qr/resolve',
        token: p.token,
        body: { text: 'keyholder:account:abc', more: 1 },
      }),
      400,
    );
    const org = await h().request({
      method: 'POST',
      url: '/api/qr/resolve',
      token: p.token,
      body: { text: 'keyholder:org:AAAAAAAAAAAAAAAAAAAAAAAA' },
    });
    assert.equal(assertProblem(org, 400).code, 'not_a_person');
    const unknown = await h().request({
      method: 'POST',
      url: '/api/qr/resolve',
      token: p.token,
      body: { text: 'keyholder:account:AAAAAAAAAAAAAAAAAAAAAAAA' },
    });
    assertProblem(unknown, 404);

    const text = await qrTextOf(h(), p.token);
    assertProblem(await h().request({ method: 'POST', url: '/api/qr/resolve', body: { text } }), 401);
    await problemOf(upload(h(), undefined, Buffer.from('x'), 'image/png'), 401);
    for (const url of ['/api/me/qr', '/api/me/qr.png', '/api/me/qr.svg'])
      assertProblem(await h().request({ method: 'GET', url }), 401);
    assertProblem(await h().request({ method: 'POST', url: '/api/me/qr/rotate' }), 401);
    // Nothing changed for the person.
    assert.equal(await qrTextOf(h(), p.token), text);
  });
});

test('parseQrText knows account and organization IDs and nothing else', () => {
  const ref = 'abcdefghijklmnopqrstuvwx';
  assert.deepEqual(parseQrText(`keyholder:account:${ref}`), { kind: 'account', ref });
  assert.deepEqual(parseQrText(` keyholder:org:${ref}\n`), { kind: 'org', ref });
  assert.equal(parseQrText(`keyholder:device:${ref}`), null);
  assert.equal(parseQrText(`keyholder:account:${ref}:extra`), null);
  assert.equal(parseQrText('owner@demo.keyholder'), null);
});
