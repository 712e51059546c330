import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { describeEachDatabase, startHarness, testConfig } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { deleteShare, makeOperator, seedDevice, seedShare } from '../helpers/access-world.ts';
import { createRuntime } from '../../src/runtime.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, ok, type RequestOf } from '../helpers/api.ts';
import type { JSONWebKeySet } from 'jose';

type TicketAsk = RequestOf<'createStreamTicket'>;

describeEachDatabase('stream tickets', (h) => {
  /** A ticket request sent as given: the bad-input cases send what the schema refuses. */
  const askAs = (token: string, body: object) =>
    api(h(), token).POST('/api/stream-tickets', { body: body as TicketAsk });
  const jwks = () => ok(api(h()).GET('/.well-known/jwks.json'), 200);

  test('the owner gets a ticket MediaMTX can verify with the JWKS, for one channel and at most 60 s', async () => {
    const owner = await signUp(h(), 'Owner');
    const dev = await seedDevice(h().runtime, owner.id, 4);
    const res = await askAs(owner.token, { deviceId: dev.id, channel: 3, permission: 'live_view' });
    const body = await ok(Promise.resolve(res), 201);
    assert.equal(res.response.headers.get('cache-control'), 'no-store');
    assert.equal(body.path, `${dev.id}/3`);
    assert.equal(body.action, 'read');
    const keys = await jwks();
    assert.equal(keys.keys.length, 1);
    assert.equal(keys.keys[0]!.crv, 'Ed25519');
    assert.equal((keys.keys[0] as Record<string, unknown>).d, undefined, 'no private part in the JWKS');
    const { payload, protectedHeader } = await jwtVerify(body.ticket, createLocalJWKSet(keys as JSONWebKeySet), {
      currentDate: new Date(h().clock.now()),
    });
    assert.equal(protectedHeader.alg, 'EdDSA');
    assert.deepEqual(payload.mediamtx_permissions, [{ action: 'read', path: `${dev.id}/3` }]);
    assert.equal(payload.sub, owner.id);
    assert.ok(payload.exp! * 1000 <= h().clock.now() + 60_000);
    assert.ok(payload.exp! * 1000 > h().clock.now() + 50_000);
    assert.equal(body.expiresAt, payload.exp! * 1000);
  });

  test('playback maps to the playback action', async () => {
    const owner = await signUp(h(), 'Owner');
    const dev = await seedDevice(h().runtime, owner.id, 1);
    const res = await ok(askAs(owner.token, { deviceId: dev.id, channel: 1, permission: 'playback' }), 201);
    assert.deepEqual(decodeJwt(res.ticket).mediamtx_permissions, [{ action: 'playback', path: `${dev.id}/1` }]);
  });

  test('a ticket never outlives the share it came from', async () => {
    const owner = await signUp(h(), 'Owner');
    const friend = await signUp(h(), 'Friend');
    const dev = await seedDevice(h().runtime, owner.id, 1);
    const until = h().clock.now() + 20_500;
    await seedShare(h().runtime, dev.id, owner.id, friend.id, { until });
    const res = await ok(askAs(friend.token, { deviceId: dev.id, channel: 1, permission: 'live_view' }), 201);
    assert.ok(res.expiresAt <= until);
    assert.ok(decodeJwt(res.ticket).exp! * 1000 <= until);
  });

  test('no ticket for what was not granted; outsiders cannot tell the device exists', async () => {
    const owner = await signUp(h(), 'Owner');
    const friend = await signUp(h(), 'Friend');
    const stranger = await signUp(h(), 'Stranger');
    const dev = await seedDevice(h().runtime, owner.id, 4);
    await seedShare(h().runtime, dev.id, owner.id, friend.id, { channels: [1, 2], permissions: ['live_view'] });
    const ask = (token: string, body: object) =>
      h().request({ method: 'POST', url: '/api/stream-tickets', token, body });

    const outsider = assertProblem(
      await ask(stranger.token, { deviceId: dev.id, channel: 1, permission: 'live_view' }),
      404,
    );
    const unknown = assertProblem(
      await ask(stranger.token, { deviceId: 'dev_doesnotexist', channel: 1, permission: 'live_view' }),
      404,
    );
    assert.equal(outsider.detail, unknown.detail);
    assert.equal(
      assertProblem(await ask(friend.token, { deviceId: dev.id, channel: 3, permission: 'live_view' }), 403).code,
      'channel_not_shared',
    );
    assert.equal(
      assertProblem(await ask(friend.token, { deviceId: dev.id, channel: 1, permission: 'playback' }), 403).code,
      'permission_not_granted',
    );
    assert.equal(
      assertProblem(await ask(owner.token, { deviceId: dev.id, channel: 9, permission: 'live_view' }), 400).field,
      'channel',
    );
    assertProblem(await ask(owner.token, { deviceId: dev.id, channel: 1, permission: 'ptz' }), 400);
    assertProblem(await ask(owner.token, { deviceId: dev.id, channel: 0, permission: 'live_view' }), 400);
    assert.equal(
      assertProblem(await ask(owner.token, { deviceId: dev.id, channel: 1, permission: 'live_view', extra: 1 }), 400)
        .field,
      'extra',
    );
    assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/stream-tickets',
        body: { deviceId: dev.id, channel: 1, permission: 'live_view' },
      }),
      401,
    );
  });

  test('every ticket is an audit event: who watched what', async () => {
    const owner = await signUp(h(), 'Owner');
    const friend = await signUp(h(), 'Friend');
    const dev = await seedDevice(h().runtime, owner.id, 2);
    await seedShare(h().runtime, dev.id, owner.id, friend.id);
    const res = await ok(askAs(friend.token, { deviceId: dev.id, channel: 2, permission: 'live_view' }), 201);
    const events = await h()
      .runtime.ctx.db.selectFrom('audit_events')
      .selectAll()
      .where('device_id', '=', dev.id)
      .where('action', '=', 'ticket.issued')
      .execute();
    assert.equal(events.length, 1);
    assert.equal(events[0]!.actor_account_id, friend.id);
    const after = JSON.parse(events[0]!.after!);
    assert.equal(after.channel, 2);
    assert.equal(after.permission, 'live_view');
    assert.equal(after.source, 'share');
    assert.ok(!events[0]!.after!.includes(res.ticket), 'the audit trail does not hold the ticket itself');
  });

  test('rotation: a new key signs, the old one stays published until its tickets expire', async () => {
    const op = await signUp(h(), 'Operator');
    await makeOperator(h().runtime, op.id);
    const owner = await signUp(h(), 'Owner');
    const dev = await seedDevice(h().runtime, owner.id, 1);
    const ask = () => ok(askAs(owner.token, { deviceId: dev.id, channel: 1, permission: 'live_view' }), 201);
    const before = await ask();

    assertProblem(
      await h().request({ method: 'POST', url: '/api/admin/signing-keys/rotate', token: owner.token }),
      403,
    );
    const rot = await ok(api(h(), op.token).POST('/api/admin/signing-keys/rotate'), 200);
    assert.deepEqual(rot.retired, [before.kid]);

    const after = await ask();
    assert.equal(decodeProtectedHeader(after.ticket).kid, rot.kid);
    const kids = (await jwks()).keys.map((k) => k.kid);
    assert.deepEqual(new Set(kids), new Set([before.kid, rot.kid]));

    // The old ticket is still honoured while it is unexpired.
    const mtx = (ticket: string) =>
      h().request({
        method: 'POST',
        url: '/mediamtx/auth',
        body: {
          user: '',
          password: '',
          token: ticket,
          ip: '127.0.0.1',
          action: 'read',
          path: `${dev.id}/1`,
          protocol: 'webrtc',
          id: null,
          query: '',
        },
      });
    assert.equal((await mtx(before.ticket)).statusCode, 200);

    h().clock.advance(120_000);
    const later = (await jwks()).keys.map((k) => k.kid);
    assert.deepEqual(later, [rot.kid]);
    assertProblem(await mtx(before.ticket), 403);
  });
});

test('tickets never appear in the logs', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-log-'));
  const config = testConfig({ DATA_DIR: dir, LOG_LEVEL: 'trace' });
  const { REDACT } = await import('../../src/runtime.ts');
  const log = pino({ level: 'trace', redact: { paths: REDACT, censor: '[redacted]' } }, sink);
  const rt = await createRuntime(config, { clock: new ManualClock(), log });
  try {
    // Just enough of a harness for signUp and the typed client, on a runtime whose log this test reads.
    const h = {
      runtime: rt,
      request: (o: { method: 'POST' | 'GET'; url: string; token?: string; body?: unknown }) =>
        rt.app.inject({
          method: o.method,
          url: o.url,
          headers: o.token ? { authorization: `Bearer ${o.token}` } : {},
          ...(o.body === undefined ? {} : { payload: o.body as object }),
        }),
    };
    const owner = await signUp(h as never, 'Owner', { verified: false });
    const dev = await seedDevice(rt, owner.id, 1);
    const friend = await signUp(h as never, 'Friend', { verified: false });
    const shareId = await seedShare(rt, dev.id, owner.id, friend.id);
    const { ticket } = await ok(
      api(h as never, friend.token).POST('/api/stream-tickets', {
        body: { deviceId: dev.id, channel: 1, permission: 'live_view' },
      }),
    );
    await h.request({
      method: 'POST',
      url: '/mediamtx/auth',
      body: {
        user: 'x',
        password: ticket,
        token: ticket,
        ip: '',
        action: 'read',
        path: `${dev.id}/1`,
        protocol: 'rtsp',
        id: '',
        query: `token=${ticket}`,
      },
    });
    await deleteShare(rt, shareId, dev.id);
    await h.request({
      method: 'POST',
      url: '/mediamtx/auth',
      body: {
        user: 'x',
        password: ticket,
        token: ticket,
        ip: '',
        action: 'read',
        path: `${dev.id}/1`,
        protocol: 'rtsp',
        id: '',
        query: `token=${ticket}`,
      },
    });
    assert.ok(lines.length > 4, 'the requests were logged');
    const all = lines.join('\n');
    assert.ok(!all.includes(ticket), 'a ticket leaked into the logs');
    assert.ok(!all.includes(ticket.split('.')[2]!), 'a ticket signature leaked into the logs');
  } finally {
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

void startHarness;
