// Replays the exact JSON MediaMTX POSTs to authHTTPAddress (authMethod: http) for each kind of client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { assertProblem, signUp, type Person } from '../helpers/people.ts';
import { deleteShare, makeOperator, seedDevice, seedShare } from '../helpers/access-world.ts';
import { api, ok, problemOf, type RequestOf } from '../helpers/api.ts';

/** The body MediaMTX sends, with every field present as it does. */
function mtxBody(
  fields: Partial<
    Record<'user' | 'password' | 'token' | 'ip' | 'action' | 'path' | 'protocol' | 'id' | 'query', string | null>
  >,
) {
  return {
    user: '',
    password: '',
    token: '',
    ip: '192.0.2.10',
    action: 'read',
    path: '',
    protocol: 'rtsp',
    id: '5c8f1a2e-7d4b-4f0e-9a53-2b6c1d8e9f00',
    query: '',
    ...fields,
  };
}

async function auth(h: Harness, body: object) {
  return h.request({ method: 'POST', url: '/mediamtx/auth', body });
}

async function ticketFor(
  h: Harness,
  p: Person,
  deviceId: string,
  channel: number,
  permission: 'live_view' | 'playback',
) {
  const issued = await ok(
    api(h, p.token).POST('/api/stream-tickets', {
      body: { deviceId, channel, permission } as RequestOf<'createStreamTicket'>,
    }),
    201,
  );
  return issued.ticket;
}

describeEachDatabase('MediaMTX external HTTP authentication', (h) => {
  test('a ticket is accepted as token (WebRTC/HLS bearer), as password (SRT, basic auth) or as ?token= (RTSP/RTMP)', async () => {
    const owner = await signUp(h(), 'Owner');
    const dev = await seedDevice(h().runtime, owner.id, 2);
    const ticket = await ticketFor(h(), owner, dev.id, 2, 'live_view');
    const path = `${dev.id}/2`;
    const asToken = await auth(h(), mtxBody({ token: ticket, action: 'read', path, protocol: 'webrtc' }));
    assert.equal(asToken.statusCode, 200, asToken.body);
    assert.equal(
      (await auth(h(), mtxBody({ user: 'viewer', password: ticket, action: 'read', path, protocol: 'srt' })))
        .statusCode,
      200,
    );
    assert.equal(
      (await auth(h(), mtxBody({ query: `token=${ticket}`, action: 'read', path, protocol: 'rtsp' }))).statusCode,
      200,
    );
    assert.equal(
      (
        await auth(
          h(),
          mtxBody({ query: `foo=1&token=${encodeURIComponent(ticket)}`, action: 'read', path, protocol: 'rtmp' }),
        )
      ).statusCode,
      200,
    );
    // Older MediaMTX versions send id: null and leave fields out.
    assert.equal(
      (
        await auth(h(), {
          user: '',
          password: '',
          token: ticket,
          ip: '127.0.0.1',
          action: 'read',
          path,
          protocol: 'hls',
          id: null,
          query: '',
        })
      ).statusCode,
      200,
    );
    assert.equal((await auth(h(), { token: ticket, action: 'read', path })).statusCode, 200);
  });

  test('empty credentials get 401, so RTSP clients send theirs', async () => {
    const owner = await signUp(h(), 'Owner');
    const dev = await seedDevice(h().runtime, owner.id, 1);
    assertProblem(await auth(h(), mtxBody({ action: 'read', path: `${dev.id}/1` })), 401);
    assertProblem(await auth(h(), mtxBody({ action: 'publish', path: `${dev.id}/1` })), 401);
    assertProblem(await auth(h(), { user: '', password: '' }), 401);
  });

  test('forged, expired, wrong-key, wrong-path and wrong-action tickets are denied', async () => {
    const owner = await signUp(h(), 'Owner');
    const dev = await seedDevice(h().runtime, owner.id, 2);
    const other = await seedDevice(h().runtime, owner.id, 1);
    const ticket = await ticketFor(h(), owner, dev.id, 1, 'live_view');
    const path = `${dev.id}/1`;
    assert.equal((await auth(h(), mtxBody({ token: ticket, path }))).statusCode, 200);

    // Forged: claims changed (another channel), signature kept.
    const [head, , sig] = ticket.split('.');
    const claims = decodeJwt(ticket);
    const forgedClaims = Buffer.from(
      JSON.stringify({ ...claims, mediamtx_permissions: [{ action: 'read', path: `${dev.id}/2` }] }),
    ).toString('base64url');
    assertProblem(await auth(h(), mtxBody({ token: `${head}.${forgedClaims}.${sig}`, path: `${dev.id}/2` })), 403);
    // Forged: signature bytes flipped.
    const badSig = `${sig!.slice(0, -4)}${sig!.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    assertProblem(
      await auth(h(), mtxBody({ token: `${head}.${claims ? ticket.split('.')[1] : ''}.${badSig}`, path })),
      403,
    );
    // Unsigned ("alg":"none").
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${ticket.split('.')[1]}.`;
    assertProblem(await auth(h(), mtxBody({ token: none, path })), 403);
    // Wrong key: same claims and kid, signed by a key that is not ours.
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const wrongKey = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid: decodeProtectedHeader(ticket).kid!, typ: 'JWT' })
      .sign(privateKey);
    assertProblem(await auth(h(), mtxBody({ token: wrongKey, path })), 403);
    // Wrong path: the ticket for channel 1 used for channel 2 and for another device.
    assertProblem(await auth(h(), mtxBody({ token: ticket, path: `${dev.id}/2` })), 403);
    assertProblem(await auth(h(), mtxBody({ token: ticket, path: `${other.id}/1` })), 403);
    // Wrong action: a live-view ticket for playback or publishing.
    assertProblem(await auth(h(), mtxBody({ token: ticket, path, action: 'playback' })), 403);
    assertProblem(await auth(h(), mtxBody({ user: 'x', password: ticket, path, action: 'publish' })), 403);
    // Garbage.
    assertProblem(await auth(h(), mtxBody({ token: 'not-a-jwt', path })), 403);
    // Expired: 61 s later.
    h().clock.advance(61_000);
    assertProblem(await auth(h(), mtxBody({ token: ticket, path })), 403);
  });

  test('flow 8: a ticket for a shared channel is accepted, and refused right after the share is revoked', async () => {
    const owner = await signUp(h(), 'Owner');
    const friend = await signUp(h(), 'Friend');
    const dev = await seedDevice(h().runtime, owner.id, 4);
    const shareId = await seedShare(h().runtime, dev.id, owner.id, friend.id, {
      channels: [3],
      permissions: ['live_view'],
    });
    const ticket = await ticketFor(h(), friend, dev.id, 3, 'live_view');
    const body = mtxBody({ query: `token=${ticket}`, action: 'read', path: `${dev.id}/3` });
    assert.equal((await auth(h(), body)).statusCode, 200);

    await deleteShare(h().runtime, shareId, dev.id);
    // The ticket itself is still unexpired: the re-check against the grants refuses it.
    assert.ok(decodeJwt(ticket).exp! * 1000 > h().clock.now());
    const denied = assertProblem(await auth(h(), body), 403);
    assert.equal(denied.code, 'no_access');
    assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/stream-tickets',
        token: friend.token,
        body: { deviceId: dev.id, channel: 3, permission: 'live_view' },
      }),
      404,
    );
  });

  test('flow 8: expired and never-granted permissions get no ticket', async () => {
    const owner = await signUp(h(), 'Owner');
    const friend = await signUp(h(), 'Friend');
    const dev = await seedDevice(h().runtime, owner.id, 1);
    await seedShare(h().runtime, dev.id, owner.id, friend.id, {
      permissions: ['live_view'],
      until: h().clock.now() + 10 * 60_000,
    });
    const ask = (permission: 'live_view' | 'playback') =>
      api(h(), friend.token).POST('/api/stream-tickets', { body: { deviceId: dev.id, channel: 1, permission } });
    assert.equal((await problemOf(ask('playback'), 403)).code, 'permission_not_granted');
    const ticket = (await ok(ask('live_view'), 201)).ticket;
    h().clock.advance(10 * 60_000);
    assert.equal((await problemOf(ask('live_view'), 403)).code, 'expired');
    assertProblem(await auth(h(), mtxBody({ token: ticket, path: `${dev.id}/1` })), 403);
  });

  test("publish is allowed only with the device's own credentials, to its own paths", async () => {
    const owner = await signUp(h(), 'Owner');
    const stranger = await signUp(h(), 'Stranger');
    const dev = await seedDevice(h().runtime, owner.id, 2);
    const other = await seedDevice(h().runtime, owner.id, 1);
    assertProblem(
      await h().request({ method: 'POST', url: `/api/devices/${dev.id}/publish-credential`, token: stranger.token }),
      404,
    );
    const asOwner = api(h(), owner.token);
    const credential = () => asOwner.POST('/api/devices/{id}/publish-credential', { params: { path: { id: dev.id } } });
    const { user, password } = await ok(credential(), 201);
    assert.equal(user, dev.serial);
    const publish = (fields: object) => auth(h(), mtxBody({ action: 'publish', protocol: 'rtsp', ...fields }));
    assert.equal((await publish({ user, password, path: `${dev.id}/1` })).statusCode, 200);
    assert.equal((await publish({ user: user.toLowerCase(), password, path: `${dev.id}/2` })).statusCode, 200);
    assertProblem(await publish({ user, password, path: `${dev.id}/3` }), 403);
    assertProblem(await publish({ user, password, path: `${other.id}/1` }), 403);
    assertProblem(await publish({ user, password: 'wrong-secret-wrong-secret', path: `${dev.id}/1` }), 403);
    assertProblem(await publish({ user: other.serial, password, path: `${other.id}/1` }), 403);
    // The owner's own ticket is not a publish credential.
    const ticket = await ticketFor(h(), owner, dev.id, 1, 'live_view');
    assertProblem(await publish({ user, password: ticket, path: `${dev.id}/1` }), 403);
    // Issuing again replaces the secret.
    const again = await ok(credential(), 201);
    assertProblem(await publish({ user, password, path: `${dev.id}/1` }), 403);
    assert.equal((await publish({ user, password: again.password, path: `${dev.id}/1` })).statusCode, 200);
  });

  test('api, metrics and pprof only for operators', async () => {
    const op = await signUp(h(), 'Operator');
    await makeOperator(h().runtime, op.id);
    const user = await signUp(h(), 'User');
    for (const action of ['api', 'metrics', 'pprof']) {
      assert.equal(
        (await auth(h(), mtxBody({ user: 'op', password: op.token, action, path: '', protocol: '' }))).statusCode,
        200,
        action,
      );
      assert.equal(
        (await auth(h(), mtxBody({ token: op.token, action, path: '', protocol: '' }))).statusCode,
        200,
        action,
      );
      assertProblem(await auth(h(), mtxBody({ user: 'u', password: user.token, action, path: '', protocol: '' })), 403);
      assertProblem(await auth(h(), mtxBody({ action, path: '', protocol: '' })), 401);
    }
  });
});
