// Guest links (docs/sharing.md, "Guest links"): an owner lets someone without an account watch chosen channels
// until a set end. Created, listed with who opened them, revoked; expiry exact to the millisecond; single use
// bound to the first browser under concurrent opens; PIN attempts throttled; limits; streams through the MediaMTX
// stand-in ended on revocation and expiry; the token never in a log line, a URL or the database.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeEachDatabase, harnessOver, testConfig, type Harness } from '../helpers/harness.ts';
import { signUp, type Person } from '../helpers/people.ts';
import { seedDevice, seedShare } from '../helpers/access-world.ts';
import { startMediaMtxStandin } from '../helpers/mediamtx-standin.ts';
import { createLogger, createRuntime } from '../../src/runtime.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { PIN_RULE } from '../../src/services/guest-links.ts';
import { api, ok, problemOf, statusOf, type Reply, type RequestOf } from '../helpers/api.ts';

const standin = await startMediaMtxStandin({ authHttpAddress: 'http://127.0.0.1:9/unset' });
const MIN = 60_000;
const H = 60 * MIN;

type Created = Reply<'createGuestLink', 201>;
type LinkBody = RequestOf<'createGuestLink'>;

const onDevice = (id: string) => ({ params: { path: { id } } });
const onLink = (id: string) => ({ params: { path: { id } } });

function postLink(h: Harness, owner: Person, deviceId: string, body: LinkBody) {
  return api(h, owner.token).POST('/api/devices/{id}/guest-links', { ...onDevice(deviceId), body });
}

async function createLink(h: Harness, owner: Person, deviceId: string, body: LinkBody): Promise<Created> {
  const res = await postLink(h, owner, deviceId, body);
  const created = await ok(Promise.resolve(res), 201);
  assert.equal(res.response.headers.get('cache-control'), 'no-store');
  return created;
}

function listLinks(h: Harness, who: Person, deviceId: string) {
  return ok(api(h, who.token).GET('/api/devices/{id}/guest-links', onDevice(deviceId)), 200);
}

function revokeLink(h: Harness, owner: Person, linkId: string) {
  return ok(api(h, owner.token).DELETE('/api/guest-links/{id}', onLink(linkId)), 200);
}

function open(h: Harness, body: { token: string; pin?: string }, headers: Record<string, string> = {}) {
  return api(h).POST('/api/guest/session', { body, headers: { 'user-agent': 'GuestBrowser/1.0', ...headers } });
}

async function session(h: Harness, token: string, headers: Record<string, string> = {}): Promise<string> {
  return (await ok(open(h, { token }, headers), 201)).session;
}

/** The guest's own calls carry their session in a header, never as a login. */
function asGuest(s: string) {
  return { headers: { 'x-guest-session': s } };
}

function guestTicket(h: Harness, s: string, body: RequestOf<'createGuestStreamTicket'>) {
  return api(h).POST('/api/guest/stream-tickets', { body, ...asGuest(s) });
}

function mediamtxAuth(h: Harness, body: RequestOf<'authorizeMediamtx'>) {
  return api(h).POST('/mediamtx/auth', { body });
}

async function openHls(p: string, ticket: string): Promise<{ status: number; playlist: string }> {
  const res = await fetch(`${standin.hlsUrl}/${p}/index.m3u8`, { headers: { authorization: `Bearer ${ticket}` } });
  return { status: res.status, playlist: await res.text() };
}

function readAuth(token: string, p: string) {
  return {
    ip: '192.0.2.9',
    user: '',
    password: '',
    token,
    action: 'read',
    path: p,
    protocol: 'hls',
    id: null,
    query: '',
    userAgent: 'x',
  };
}

describeEachDatabase(
  'guest links',
  (h) => {
    let owner: Person;
    before(async () => {
      await h().runtime.app.listen({ port: 0, host: '127.0.0.1' });
      const a = h().runtime.app.server.address() as { port: number };
      standin.authHttpAddress = `http://127.0.0.1:${a.port}/mediamtx/auth`;
      owner = await signUp(h(), 'Owner');
    });

    async function device(channels = 4) {
      const dev = await seedDevice(h().runtime, owner.id, channels);
      for (let n = 1; n <= channels; n++) standin.livePaths.add(`${dev.id}/${n}`);
      return dev;
    }

    test('the owner creates a link: token shown once (≥128 bits, in the fragment), stored only hashed, listed', async () => {
      const dev = await device();
      const created = await createLink(h(), owner, dev.id, {
        label: 'Plumber',
        channels: [2, 1, 2],
        validity: { preset: '1h' },
      });
      assert.ok(Buffer.from(created.token, 'base64url').length >= 16, 'at least 128 bits');
      assert.equal(created.url, `${h().config.publicUrl}/guest#${created.token}`);
      assert.equal(new URL(created.url).search, '', 'nothing in the query');
      assert.ok(!new URL(created.url).pathname.includes(created.token), 'nothing in the path');
      assert.deepEqual(created.link.channels, [1, 2]);
      assert.deepEqual(created.link.permissions, ['live_view']);
      assert.equal(created.link.validUntil, h().clock.now() + H);
      const stored = JSON.stringify(
        await h().runtime.ctx.db.selectFrom('guest_links').selectAll().where('id', '=', created.link.id).execute(),
      );
      assert.ok(!stored.includes(created.token), 'the token is not stored');
      const audit = JSON.stringify(await h().runtime.ctx.db.selectFrom('audit_events').selectAll().execute());
      assert.ok(!audit.includes(created.token), 'the token is not in the audit trail');

      const s = await session(h(), created.token);
      const [row] = await listLinks(h(), owner, dev.id);
      assert.equal(row!.id, created.link.id);
      assert.equal(row!.status, 'active');
      assert.equal(row!.label, 'Plumber');
      assert.deepEqual(row!.openings, [
        { at: h().clock.now(), outcome: 'opened', ip: '127.0.0.1', userAgent: 'GuestBrowser/1.0' },
      ]);
      // The guest sees the device's name and only the link's channels.
      const watch = await ok(api(h()).GET('/api/guest/session', asGuest(s)), 200);
      assert.deepEqual(
        watch.channels.map((c) => [c.number, c.liveView, c.playback]),
        [
          [1, true, false],
          [2, true, false],
        ],
      );
      assert.equal(watch.validUntil, created.link.validUntil);
    });

    test('bad input is refused clearly: no channels, a channel that does not exist, an end in the past, too long, a bad PIN', async () => {
      const dev = await device(2);
      const base: LinkBody = { channels: [1], validity: { preset: '15m' } };
      const cases: Array<[LinkBody, number, string]> = [
        [{ ...base, channels: [3] }, 400, 'unknown_channel'],
        [{ ...base, validity: { until: h().clock.now() } }, 400, 'invalid_validity'],
        [{ ...base, validity: { until: h().clock.now() + 169 * H } }, 400, 'guest_link_too_long'],
        [{ ...base, pin: '12ab' }, 400, ''],
      ];
      for (const [body, status, code] of cases) {
        const p = await problemOf(postLink(h(), owner, dev.id, body), status);
        if (code) assert.equal(p.code, code, JSON.stringify(p));
      }
      await problemOf(postLink(h(), owner, dev.id, { ...base, channels: [] }), 400);
      // At most the configured maximum (168 h by default) is accepted.
      await createLink(h(), owner, dev.id, { ...base, validity: { until: h().clock.now() + 168 * H } });
    });

    test('expiry is exact to the millisecond: tickets, /mediamtx/auth, the decision and the playing stream', async (t) => {
      const dev = await device();
      const created = await createLink(h(), owner, dev.id, { channels: [2], validity: { preset: '15m' } });
      const until = created.link.validUntil;
      const s = await session(h(), created.token);
      const p = `${dev.id}/2`;
      const access = h().runtime.ctx.access;
      let sessionId = '';
      let ticket = '';

      await t.test('the guest plays; the stream knows when the link ends', async () => {
        const first = await ok(guestTicket(h(), s, { channel: 2, permission: 'live_view' }), 201);
        const opened = await openHls(p, first.ticket);
        assert.equal(opened.status, 200, opened.playlist);
        sessionId = standin.authCalls.at(-1)!.body.id!;
        const tracked = await h()
          .runtime.ctx.db.selectFrom('media_sessions')
          .selectAll()
          .where('id', '=', sessionId)
          .executeTakeFirstOrThrow();
        assert.equal(Number(tracked.until), until, 'the stream knows when the link ends');
        assert.equal(tracked.account_id, created.link.id, 'the guest principal is the link');
      });

      await t.test('30 s before the end: a ticket never outlives the link', async () => {
        h().clock.set(until - 30_000);
        const late = await ok(guestTicket(h(), s, { channel: 2, permission: 'live_view' }), 201);
        assert.equal(late.expiresAt, until, 'a ticket never outlives the link');
        ticket = late.ticket;
      });

      await t.test('1 ms before the end: everything still works', async () => {
        h().clock.set(until - 1);
        assert.equal((await access.check(created.link.id, dev.id, 2, 'live_view', until - 1)).allowed, true);
        assert.equal(await statusOf(mediamtxAuth(h(), readAuth(ticket, p))), 200);
        await h().runtime.media.runDue();
        assert.ok(!standin.kicks.includes(sessionId), 'still playing 1 ms before the end');
        assert.equal(await statusOf(open(h(), { token: created.token })), 201);
      });

      await t.test('at the end: every call refused, the playing stream ended', async () => {
        h().clock.set(until);
        const denied = await access.check(created.link.id, dev.id, 2, 'live_view', until);
        assert.deepEqual(denied.allowed ? null : denied.reason, 'expired');
        await problemOf(mediamtxAuth(h(), readAuth(ticket, p)), 403);
        assert.equal(
          (await problemOf(guestTicket(h(), s, { channel: 2, permission: 'live_view' }), 410)).code,
          'guest_link_expired',
        );
        assert.equal((await problemOf(open(h(), { token: created.token }), 410)).code, 'guest_link_expired');
        await h().runtime.media.runDue();
        // The expiry timer (armed for the link's end) may be the one cutting it: wait for it too.
        await h().runtime.media.idle();
        assert.ok(standin.kicks.includes(sessionId), 'the playing stream is ended at the end');
        const ended = await h()
          .runtime.ctx.db.selectFrom('media_sessions')
          .select('end_reason')
          .where('id', '=', sessionId)
          .executeTakeFirstOrThrow();
        assert.equal(ended.end_reason, 'access expired');
        assert.equal((await listLinks(h(), owner, dev.id))[0]!.status, 'expired');
      });

      await t.test('an end time that is not a whole second: the decision still ends on that millisecond', async () => {
        const odd = h().clock.now() + 90_000 + 250;
        const c2 = await createLink(h(), owner, dev.id, { channels: [1], validity: { until: odd } });
        // Making it cleared the ended link's guest sessions away.
        assert.deepEqual(
          await h()
            .runtime.ctx.db.selectFrom('guest_sessions')
            .select('id')
            .where('link_id', '=', created.link.id)
            .execute(),
          [],
        );
        assert.equal((await access.check(c2.link.id, dev.id, 1, 'live_view', odd - 1)).allowed, true);
        assert.equal((await access.check(c2.link.id, dev.id, 1, 'live_view', odd)).allowed, false);
      });
    });

    test('revoking ends the playing stream at once and every later call says so', async () => {
      const dev = await device();
      const created = await createLink(h(), owner, dev.id, {
        channels: [3],
        playback: true,
        validity: { preset: '24h' },
      });
      assert.deepEqual(created.link.permissions, ['live_view', 'playback']);
      const s = await session(h(), created.token);
      const t = await ok(guestTicket(h(), s, { channel: 3, permission: 'live_view' }), 201);
      assert.equal((await openHls(`${dev.id}/3`, t.ticket)).status, 200);
      const sessionId = standin.authCalls.at(-1)!.body.id!;
      // A channel not in the link is refused.
      assert.equal(
        (await problemOf(guestTicket(h(), s, { channel: 2, permission: 'live_view' }), 403)).code,
        'channel_not_shared',
      );
      const revoke = await revokeLink(h(), owner, created.link.id);
      assert.equal(revoke.status, 'revoked');
      await h().runtime.media.idle();
      assert.ok(standin.kicks.includes(sessionId), 'kicked through the control API');
      const audit = await h()
        .runtime.ctx.db.selectFrom('audit_events')
        .select(['after'])
        .where('action', '=', 'stream.ended')
        .where('object_id', '=', sessionId)
        .execute();
      assert.equal(JSON.parse(audit[0]!.after!).message, 'stream ended: access revoked');
      await problemOf(mediamtxAuth(h(), readAuth(t.ticket, `${dev.id}/3`)), 403);
      assert.equal(
        (await problemOf(guestTicket(h(), s, { channel: 3, permission: 'live_view' }), 410)).code,
        'guest_link_revoked',
      );
      assert.equal((await problemOf(open(h(), { token: created.token }), 410)).code, 'guest_link_revoked');
      const actions = (
        await h()
          .runtime.ctx.db.selectFrom('audit_events')
          .select('action')
          .where('object_id', '=', created.link.id)
          .orderBy('seq')
          .execute()
      ).map((r) => r.action);
      assert.deepEqual(actions, ['guest_link.created', 'guest_link.opened', 'guest_link.revoked']);
    });

    test('single use: of concurrent first opens exactly one wins; that browser may reopen, no other can', async () => {
      const dev = await device();
      for (let round = 0; round < 5; round++) {
        const created = await createLink(h(), owner, dev.id, {
          channels: [1],
          singleUse: true,
          validity: { preset: '15m' },
        });
        const answers = await Promise.all(Array.from({ length: 4 }, () => open(h(), { token: created.token })));
        const won = answers.filter((r) => r.response.status === 201);
        assert.equal(
          won.length,
          1,
          answers.map((r) => `${r.response.status} ${JSON.stringify(r.data ?? r.error)}`).join('\n'),
        );
        for (const r of answers.filter((x) => x.response.status !== 201))
          assert.equal((await problemOf(Promise.resolve(r), 410)).code, 'guest_link_used');
        const cookie = String(won[0]!.response.headers.get('set-cookie'));
        assert.match(cookie, /kh_guest=/);
        assert.match(cookie, /HttpOnly/i);
        assert.match(cookie, /SameSite=Strict/i);
        assert.match(cookie, /Path=\/api\/guest/);
        const secret = /kh_guest=([^;]+)/.exec(cookie)![1]!;
        assert.equal(await statusOf(open(h(), { token: created.token }, { cookie: `kh_guest=${secret}` })), 201);
        await problemOf(open(h(), { token: created.token }, { cookie: 'kh_guest=someone-else' }), 410);
        const row = await h()
          .runtime.ctx.db.selectFrom('guest_links')
          .select(['bound_hash'])
          .where('id', '=', created.link.id)
          .executeTakeFirstOrThrow();
        assert.ok(row.bound_hash && !row.bound_hash.includes(secret), 'only the hash of the browser secret');
        await revokeLink(h(), owner, created.link.id);
      }
    });

    test('PIN: asked for, checked, and wrong guesses throttled per link (also when sent all at once)', async () => {
      const dev = await device();
      const created = await createLink(h(), owner, dev.id, { channels: [1], pin: '4321', validity: { preset: '1h' } });
      const stored = await h()
        .runtime.ctx.db.selectFrom('guest_links')
        .select('pin_hash')
        .where('id', '=', created.link.id)
        .executeTakeFirstOrThrow();
      assert.match(stored.pin_hash!, /^scrypt\$/);
      assert.equal((await problemOf(open(h(), { token: created.token }), 403)).code, 'pin_required');
      const guesses = await Promise.all(
        Array.from({ length: 12 }, (_, i) => open(h(), { token: created.token, pin: String(1000 + i) })),
      );
      const codes = guesses.map((r) => r.response.status).sort();
      assert.equal(codes.filter((c) => c === 403).length, PIN_RULE.max, codes.join(','));
      assert.equal(codes.filter((c) => c === 429).length, 12 - PIN_RULE.max);
      // Even the right PIN waits until the block ends.
      const blocked = await problemOf(open(h(), { token: created.token, pin: '4321' }), 429);
      assert.equal(blocked.code, 'throttled');
      h().clock.advance(PIN_RULE.blockMs + 1);
      assert.equal(await statusOf(open(h(), { token: created.token, pin: '4321' })), 201);
      const outcomes = (await listLinks(h(), owner, dev.id))
        .find((l) => l.id === created.link.id)!
        .openings.map((o) => o.outcome);
      assert.equal(outcomes.filter((o) => o === 'pin_wrong').length, PIN_RULE.max);
      assert.equal(outcomes.at(-1), 'opened');
      // Another link's PIN budget is its own.
      const other = await createLink(h(), owner, dev.id, { channels: [1], pin: '1111', validity: { preset: '1h' } });
      assert.equal(await statusOf(open(h(), { token: other.token, pin: '1111' })), 201);
    });

    test('at most N active links per device (config); revoking or expiry makes room', async () => {
      const dev = await device(1);
      const made: Created[] = [];
      for (let i = 0; i < h().config.guestLinksPerDevice; i++)
        made.push(await createLink(h(), owner, dev.id, { channels: [1], validity: { preset: '15m' } }));
      const over = postLink(h(), owner, dev.id, { channels: [1], validity: { preset: '15m' } });
      assert.equal((await problemOf(over, 409)).code, 'guest_link_limit');
      await revokeLink(h(), owner, made[0]!.link.id);
      await createLink(h(), owner, dev.id, { channels: [1], validity: { preset: '15m' } });
      h().clock.advance(15 * MIN);
      for (let i = 0; i < h().config.guestLinksPerDevice; i++)
        await createLink(h(), owner, dev.id, { channels: [1], validity: { preset: '15m' } });
    });

    test('a device given to someone else: its guest links end, and the new owner does not see them', async () => {
      const seller = await signUp(h(), 'Seller');
      const buyer = await signUp(h(), 'Buyer');
      const dev = await seedDevice(h().runtime, seller.id, 2);
      standin.livePaths.add(`${dev.id}/1`);
      const created = await createLink(h(), seller, dev.id, { channels: [1], validity: { preset: '24h' } });
      const s = await session(h(), created.token);
      const t = await ok(guestTicket(h(), s, { channel: 1, permission: 'live_view' }), 201);
      assert.equal((await openHls(`${dev.id}/1`, t.ticket)).status, 200);
      const playing = standin.authCalls.at(-1)!.body.id!;
      const offer = await ok(
        api(h(), seller.token).POST('/api/devices/{id}/transfer', { ...onDevice(dev.id), body: { to: buyer.email } }),
        201,
      );
      h().clock.advance(1);
      await ok(api(h(), buyer.token).POST('/api/transfers/{id}/accept', { params: { path: { id: offer.id } } }), 200);
      await h().runtime.media.idle();
      assert.ok(standin.kicks.includes(playing), 'the guest stream ended with the handing over');
      assert.equal(
        (await problemOf(guestTicket(h(), s, { channel: 1, permission: 'live_view' }), 410)).code,
        'guest_link_revoked',
      );
      assert.deepEqual(
        await listLinks(h(), buyer, dev.id),
        [],
        "the previous owner's links and their guests' addresses are not shown",
      );
      const cancelled = await h()
        .runtime.ctx.db.selectFrom('audit_events')
        .select('after')
        .where('action', '=', 'guest_link.cancelled')
        .where('object_id', '=', created.link.id)
        .execute();
      assert.deepEqual(
        cancelled.map((c) => JSON.parse(c.after!)),
        [{ reason: 'transferred' }],
      );
    });

    test("playback: the guest plays back what was recorded inside the link's window, nothing before it", async () => {
      const dev = await device(2);
      const t0 = h().clock.now();
      const created = await createLink(h(), owner, dev.id, {
        channels: [1],
        playback: true,
        validity: { preset: '24h' },
      });
      h().clock.set(t0 + 30 * MIN);
      const s = await session(h(), created.token);
      const windows = (query: { channel: number; from?: number; until?: number }) =>
        api(h()).GET('/api/guest/playback-windows', { params: { query }, ...asGuest(s) });
      const allowed = await windows({ channel: 1, from: t0 - H, until: t0 + 30 * MIN });
      const allowedBody = await ok(Promise.resolve(allowed), 200);
      assert.equal(allowed.response.headers.get('cache-control'), 'no-store');
      assert.deepEqual(allowedBody, {
        windows: [{ from: t0, until: t0 + 30 * MIN }],
        allowedNow: true,
        reason: null,
        detail: null,
      });
      // A channel outside the link opens no recorded time.
      const other = await ok(windows({ channel: 2, from: t0 - H, until: t0 + 30 * MIN }), 200);
      assert.deepEqual(other.windows, []);
      assert.equal(other.allowedNow, false);
      await problemOf(windows({ channel: 1, from: t0, until: t0 }), 400);
      await problemOf(api(h()).GET('/api/guest/playback-windows', { params: { query: { channel: 1 } } }), 401);

      const issued = await ok(
        guestTicket(h(), s, { channel: 1, permission: 'playback', from: t0 - H, until: t0 + H }),
        201,
      );
      assert.equal(issued.action, 'playback');
      // MediaMTX's body for its playback server (/get: start + duration; /list: start + end).
      const ask = (query: string, channel = 1) =>
        mediamtxAuth(h(), {
          ...readAuth(issued.ticket, `${dev.id}/${channel}`),
          action: 'playback',
          protocol: '',
          query,
        });
      const iso = (ms: number) => new Date(ms).toISOString();
      await ok(ask(`start=${iso(t0 + 5 * MIN)}&duration=60`), 200);
      await ok(ask(`start=${iso(t0)}&end=${iso(t0 + 30 * MIN)}`), 200);
      // Recorded before the link was made: refused, also when the clip only starts a millisecond early.
      await problemOf(ask(`start=${iso(t0 - 10 * MIN)}&duration=60`), 403);
      await problemOf(ask(`start=${iso(t0 - 1)}&duration=60`), 403);
      await problemOf(ask(`start=${iso(t0 - H)}&end=${iso(t0 + 30 * MIN)}`), 403);
      // Another channel with the same ticket: refused.
      await problemOf(ask(`start=${iso(t0 + 5 * MIN)}&duration=60`, 2), 403);
      // After a revocation nothing plays back, and the page is told why.
      await revokeLink(h(), owner, created.link.id);
      await problemOf(ask(`start=${iso(t0 + 5 * MIN)}&duration=60`), 403);
      assert.equal((await problemOf(windows({ channel: 1 }), 410)).code, 'guest_link_revoked');
    });

    test('outsiders are refused on every guest-link route, and a guest session opens nothing else', async () => {
      const dev = await device(2);
      const recipient = await signUp(h(), 'Recipient');
      const stranger = await signUp(h(), 'Stranger');
      await seedShare(h().runtime, dev.id, owner.id, recipient.id, { channels: [1], permissions: ['live_view'] });
      const created = await createLink(h(), owner, dev.id, { channels: [1], validity: { preset: '1h' } });
      const s = await session(h(), created.token);
      const otherDevice = await device(1);
      const before = await h().runtime.ctx.db.selectFrom('guest_links').select(['id', 'revoked_at']).execute();
      for (const who of [recipient, stranger]) {
        const as = api(h(), who.token);
        for (const call of [
          () => postLink(h(), who, dev.id, { channels: [1], validity: { preset: '15m' } }),
          () => as.GET('/api/devices/{id}/guest-links', onDevice(dev.id)),
          () => as.DELETE('/api/guest-links/{id}', onLink(created.link.id)),
        ])
          await problemOf(call(), 404);
      }
      // The guest's session is no login: not as a bearer token, not as its own header on account routes.
      for (const headers of [{ authorization: `Bearer ${s}` }, { 'x-guest-session': s }]) {
        const as = api(h());
        for (const call of [
          () => as.GET('/api/devices/{id}/guest-links', { ...onDevice(dev.id), headers }),
          () => as.DELETE('/api/guest-links/{id}', { ...onLink(created.link.id), headers }),
          () => as.GET('/api/devices/{id}/media', { ...onDevice(dev.id), headers }),
        ])
          await problemOf(call(), 401);
      }
      // Nor the link's token.
      await problemOf(api(h()).GET('/api/guest/session', asGuest(created.token)), 401);
      // Tickets only for the link's own device: another device's channel is not reachable through the link.
      const t = await ok(guestTicket(h(), s, { channel: 1, permission: 'live_view' }), 201);
      assert.equal(t.path, `${dev.id}/1`);
      await problemOf(mediamtxAuth(h(), readAuth(t.ticket, `${otherDevice.id}/1`)), 403);
      assert.equal(
        (await problemOf(guestTicket(h(), s, { channel: 1, permission: 'playback' }), 403)).code,
        'permission_not_granted',
      );
      await problemOf(open(h(), { token: 'x'.repeat(43) }), 404);
      assert.deepEqual(
        await h().runtime.ctx.db.selectFrom('guest_links').select(['id', 'revoked_at']).execute(),
        before,
        'nothing changed',
      );
      // The access review names the link as a guest link.
      const review = await ok(api(h(), owner.token).GET('/api/devices/{id}/access', onDevice(dev.id)), 200);
      const entry = review.entries.find((e) => e.source === 'guest_link');
      assert.equal(entry?.sourceId, created.link.id);
      assert.equal(entry?.subject.name, 'Guest link');
    });
  },
  { MEDIAMTX_API_URL: standin.apiUrl, GUEST_LINKS_PER_DEVICE: '3' },
);

test('the token never reaches a log line (every request of a guest link, at trace level)', async () => {
  const lines: string[] = [];
  const out = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-guest-log-'));
  const config = testConfig({ DATA_DIR: dir, LOG_LEVEL: 'trace', LOG_FORMAT: 'json' });
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  const rt = await createRuntime(config, {
    clock,
    log: createLogger(config, out),
    expiryNotices: { intervalMs: 0 },
    deviceLink: { offlineSweepMs: 0 },
  });
  try {
    const h = harnessOver(rt, clock, 'sqlite');
    const owner = await signUp(h, 'Logged Owner');
    const dev = await seedDevice(rt, owner.id, 2);
    const created = await createLink(h, owner, dev.id, {
      channels: [1],
      pin: '2468',
      singleUse: true,
      validity: { preset: '1h' },
    });
    // Right, wrong, malformed and misplaced: every way the token may travel to the server.
    const s = (await ok(open(h, { token: created.token, pin: '2468' }), 201)).session;
    await open(h, { token: created.token, pin: '0000' });
    await h.request({ method: 'POST', url: '/api/guest/session', body: { token: created.token, extra: 1 } });
    await h.request({ method: 'POST', url: '/api/guest/session', body: { token: 5 } });
    await h.request({ method: 'GET', url: '/api/guest/session', headers: { 'x-guest-session': created.token } });
    await h.request({
      method: 'GET',
      url: '/api/guest/session',
      headers: { authorization: `Bearer ${created.token}` },
    });
    await guestTicket(h, s, { channel: 1, permission: 'live_view' });
    await guestTicket(h, s, { channel: 9, permission: 'live_view' });
    await h.request({ method: 'DELETE', url: `/api/guest-links/${created.link.id}`, token: owner.token });
    await guestTicket(h, s, { channel: 1, permission: 'live_view' });
    const log = lines.join('');
    assert.ok(lines.length > 10, `only ${lines.length} log lines`);
    assert.match(log, /\/api\/guest\/session/, 'the requests were logged');
    assert.ok(!log.includes(created.token), 'the link token is in the log');
    assert.ok(!log.includes(s), 'the guest session is in the log');
    assert.ok(!log.includes('2468'), 'the PIN is in the log');
  } finally {
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

after(() => standin.stop());
