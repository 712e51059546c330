// Webhooks through HTTP, on both databases: registering (secret shown once), SSRF refusals, Standard Webhooks
// signatures checked with the reference library, delivery only to the event's audience, retries with back-off,
// automatic disabling with an inbox notice, the organization scope and its outsiders.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { transact } from '../../src/services/context.ts';
import { emitDeviceEvent, emitWebhookEvent } from '../../src/webhooks/service.ts';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { signUp, type Person } from '../helpers/people.ts';
import { api, ok, problemOf, type RequestOf } from '../helpers/api.ts';
import { addMember, createOrg, handedOverSite, inbox, verifiedPerson } from '../helpers/installer.ts';
import { ownDevice } from '../helpers/sharing.ts';

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A receiver on loopback: records every POST and answers with `status` (changeable). */
function receiver() {
  const got: Received[] = [];
  const state = { status: 200, location: '' };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body });
      res.writeHead(state.status, state.location ? { location: state.location } : {});
      res.end('ok');
    });
  });
  return {
    got,
    state,
    server,
    url: '',
    async start() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      this.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const rx = receiver();
before(() => rx.start());
after(() => rx.stop());

/** Event names are loosely typed: the tests also send ones that do not exist. */
type Registration = { url: string; events: string[]; description?: string };

/** Registers an endpoint of the person's own, or of an organization they administer. */
function register(h: Harness, p: Person, body: Registration, orgId?: string) {
  const as = api(h, p.token);
  return orgId
    ? as.POST('/api/orgs/{orgId}/webhooks', {
        params: { path: { orgId } },
        body: body as RequestOf<'createOrgWebhook'>,
      })
    : as.POST('/api/me/webhooks', { body: body as RequestOf<'createMyWebhook'> });
}
const mine = (id: string) => ({ params: { path: { id } } });

describeEachDatabase(
  'webhooks',
  (h) => {
    let olivia: Person;
    let sam: Person;
    let hookId: string;
    let secret: string;

    before(async () => {
      olivia = await signUp(h(), 'Olivia');
      sam = await signUp(h(), 'Sam');
    });

    test('registering: the secret is shown once; unknown events and private targets are refused', async () => {
      const created = await ok(
        register(h(), olivia, {
          url: `${rx.url}/olivia`,
          description: 'my automation',
          events: ['share.created', 'share.revoked'],
        }),
        201,
      );
      assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      assert.deepEqual(created.events, ['share.created', 'share.revoked']);
      assert.equal(created.enabled, true);
      hookId = created.id;
      secret = created.secret;
      const list = await ok(api(h(), olivia.token).GET('/api/me/webhooks'), 200);
      assert.equal(list.length, 1);
      assert.equal((list[0] as Record<string, unknown>).secret, undefined, 'the secret is not shown again');

      const unknown = register(h(), olivia, { url: `${rx.url}/x`, events: ['share.exploded'] });
      assert.equal((await problemOf(unknown, 400)).code, 'unknown_event');
      for (const url of [
        'http://10.1.2.3/hook',
        'http://169.254.169.254/latest/meta-data',
        'http://[::1]:8080/hook',
        'http://192.168.1.20/hook',
        'http://224.0.0.1/hook',
      ]) {
        const problem = await problemOf(register(h(), olivia, { url, events: ['share.created'] }), 400);
        assert.equal(problem.code, 'target_refused', url);
        assert.match(problem.detail, /private, loopback, link-local or multicast/);
      }
      const creds = register(h(), olivia, { url: 'https://u:p@hooks.example.com/', events: ['share.created'] });
      assert.equal((await problemOf(creds, 400)).field, 'url');
    });

    test('send test event: a signed POST that the Standard Webhooks library verifies, logged as delivered', async () => {
      const before = rx.got.length;
      const res = await ok(api(h(), olivia.token).POST('/api/me/webhooks/{id}/test', mine(hookId)), 202);
      await h().runtime.webhooks.runOnce();
      const got = rx.got.slice(before);
      assert.equal(got.length, 1);
      const { headers, body, path } = got[0]!;
      assert.equal(path, '/olivia');
      assert.equal(headers['webhook-id'], res.deliveryId);
      const verified = new Webhook(secret).verify(body, headers) as { type: string; data: { endpointId: string } };
      assert.equal(verified.type, 'webhook.test');
      assert.equal(verified.data.endpointId, hookId);
      // A tampered body fails verification.
      assert.throws(() => new Webhook(secret).verify(body.replace('test', 'tost'), headers));

      const log = await ok(api(h(), olivia.token).GET('/api/me/webhooks/{id}/deliveries', mine(hookId)), 200);
      assert.equal(log[0]!.state, 'delivered');
      assert.equal(log[0]!.attempts.length, 1);
      assert.equal(log[0]!.attempts[0]!.status, 200);
    });

    test('an event reaches only subscribed endpoints of its audience', async () => {
      const samHook = await ok(register(h(), sam, { url: `${rx.url}/sam`, events: ['share.created'] }), 201);
      const before = rx.got.length;
      await transact(h().runtime.ctx, (tx) =>
        emitWebhookEvent(tx, {
          type: 'share.created',
          accounts: [olivia.id],
          data: (to) => ({ shareId: 'shr_1', seenBy: to.id }),
        }),
      );
      await transact(h().runtime.ctx, (tx) =>
        emitWebhookEvent(tx, { type: 'share.changed', accounts: [olivia.id, sam.id], data: { shareId: 'shr_1' } }),
      );
      await h().runtime.webhooks.runOnce();
      const got = rx.got.slice(before);
      assert.deepEqual(
        got.map((g) => g.path),
        ['/olivia'],
        'Sam is not in the audience of the first; nobody subscribed to share.changed',
      );
      const payload = new Webhook(secret).verify(got[0]!.body, got[0]!.headers) as { data: Record<string, unknown> };
      assert.deepEqual(payload.data, { shareId: 'shr_1', seenBy: olivia.id });
      // Someone else's endpoint is not found, and nothing changes.
      const asOlivia = api(h(), olivia.token);
      const theirs = mine(samHook.id);
      for (const call of [
        () => asOlivia.GET('/api/me/webhooks/{id}', theirs),
        () => asOlivia.PATCH('/api/me/webhooks/{id}', { ...theirs, body: { enabled: false } }),
        () => asOlivia.DELETE('/api/me/webhooks/{id}', theirs),
        () => asOlivia.POST('/api/me/webhooks/{id}/test', theirs),
        () => asOlivia.GET('/api/me/webhooks/{id}/deliveries', theirs),
      ])
        await problemOf(call(), 404);
      assert.equal((await ok(api(h(), sam.token).GET('/api/me/webhooks'), 200))[0]!.enabled, true);
    });

    test('failures are retried with back-off; repeated failures disable the endpoint with an inbox notice', async () => {
      const p = await signUp(h(), 'Failing');
      const res = await ok(register(h(), p, { url: `${rx.url}/failing`, events: ['share.revoked'] }), 201);
      const asP = api(h(), p.token);
      const deliveries = () => ok(asP.GET('/api/me/webhooks/{id}/deliveries', mine(res.id)), 200);
      const emit = () =>
        transact(h().runtime.ctx, (tx) =>
          emitWebhookEvent(tx, { type: 'share.revoked', accounts: [p.id], data: { shareId: 'shr_x' } }),
        );
      rx.state.status = 500;
      try {
        await emit();
        const wd = h().runtime.webhooks;
        await wd.runOnce();
        let log = await deliveries();
        assert.equal(log[0]!.state, 'pending');
        assert.equal(log[0]!.lastStatus, 500);
        assert.equal(log[0]!.nextAttemptAt, h().clock.now() + wd.retryDelay(1));
        // Not due yet: nothing is sent.
        const sent = rx.got.length;
        await wd.runOnce();
        assert.equal(rx.got.length, sent);
        // Due after the back-off; the second wait is twice the first.
        h().clock.advance(wd.retryDelay(1));
        await wd.runOnce();
        log = await deliveries();
        assert.equal(log[0]!.attempts.length, 2);
        assert.equal(log[0]!.nextAttemptAt, h().clock.now() + wd.retryDelay(2));
        assert.equal(wd.retryDelay(2), 2 * wd.retryDelay(1));
        // A redirect is not followed: it counts as a failure too.
        rx.state.status = 302;
        rx.state.location = 'http://169.254.169.254/';
        h().clock.advance(wd.retryDelay(2));
        await wd.runOnce();
        log = await deliveries();
        assert.equal(log[0]!.lastStatus, 302);
      } finally {
        rx.state.status = 200;
        rx.state.location = '';
      }
      const endpoint = await ok(asP.GET('/api/me/webhooks/{id}', mine(res.id)), 200);
      assert.equal(endpoint.enabled, false, 'disabled after 3 failures in a row (the test runtime’s limit)');
      assert.match(String(endpoint.disabledReason), /3 failed deliveries in a row/);
      const notices = (await inbox(h(), p)).filter((m: { kind: string }) => m.kind === 'webhook_disabled');
      assert.equal(notices.length, 1);
      assert.match(notices[0]!.body, /\/failing/);
      // While disabled, events are not queued; enabled again, they flow.
      const sent = rx.got.length;
      await emit();
      await h().runtime.webhooks.runOnce();
      assert.equal(rx.got.length, sent);
      const enabled = await ok(asP.PATCH('/api/me/webhooks/{id}', { ...mine(res.id), body: { enabled: true } }), 200);
      assert.equal(enabled.enabled, true);
      assert.equal(enabled.consecutiveFailures, 0);
      await emit();
      await h().runtime.webhooks.runOnce();
      assert.equal(rx.got.at(-1)!.path, '/failing');
    });

    test('stream_ticket.issued reaches the device owner when someone it shared with gets a ticket', async () => {
      const owner = await signUp(h(), 'Ticket Owner');
      const viewer = await signUp(h(), 'Ticket Viewer');
      const hook = await ok(register(h(), owner, { url: `${rx.url}/tickets`, events: ['stream_ticket.issued'] }), 201);
      const viewerHook = await ok(
        register(h(), viewer, { url: `${rx.url}/viewer-tickets`, events: ['stream_ticket.issued'] }),
        201,
      );
      assert.ok(viewerHook.id);
      const deviceId = await ownDevice(h(), owner.id);
      await ok(
        api(h(), owner.token).POST('/api/devices/{id}/shares', {
          params: { path: { id: deviceId } },
          body: { recipient: { email: viewer.email }, scope: 'channels', channels: [2], permissions: ['live_view'] },
        }),
        201,
      );
      const before = rx.got.length;
      const ticket = await ok(
        api(h(), viewer.token).POST('/api/stream-tickets', { body: { deviceId, channel: 2, permission: 'live_view' } }),
        201,
      );
      await h().runtime.webhooks.runOnce();
      const got = rx.got.slice(before);
      assert.deepEqual(
        got.map((g) => g.path),
        ['/tickets'],
        "the owner's endpoint only: the viewer's account does not see the device's audit",
      );
      const event = new Webhook(hook.secret).verify(got[0]!.body, got[0]!.headers) as {
        type: string;
        data: Record<string, unknown>;
      };
      assert.equal(event.type, 'stream_ticket.issued');
      assert.deepEqual(
        { ...event.data, ticketId: undefined },
        {
          ticketId: undefined,
          deviceId,
          channel: 2,
          permission: 'live_view',
          accountId: viewer.id,
          expiresAt: ticket.expiresAt,
          source: 'share',
        },
      );
      assert.doesNotMatch(got[0]!.body, /eyJ/, 'the ticket itself never leaves');
    });

    test('device events reach the owner, not others (the one call the device link uses)', async () => {
      const owner = await signUp(h(), 'Device Owner');
      const other = await signUp(h(), 'Other Owner');
      await ok(register(h(), owner, { url: `${rx.url}/device-owner`, events: ['device.offline'] }), 201);
      await ok(register(h(), other, { url: `${rx.url}/device-other`, events: ['device.offline'] }), 201);
      const deviceId = await ownDevice(h(), owner.id);
      const before = rx.got.length;
      await transact(h().runtime.ctx, (tx) => emitDeviceEvent(tx, deviceId, 'device.offline', { since: 1 }));
      await h().runtime.webhooks.runOnce();
      const got = rx.got.slice(before);
      assert.deepEqual(
        got.map((g) => g.path),
        ['/device-owner'],
      );
      assert.deepEqual(JSON.parse(got[0]!.body).data, { since: 1, deviceId });
    });

    test('notices become events: the recipient hears of a share and its end; an organization once per change', async () => {
      const sharer = await signUp(h(), 'Sharer');
      const viewer = await signUp(h(), 'Viewer');
      const viewerHook = await ok(
        register(h(), viewer, {
          url: `${rx.url}/viewer`,
          events: ['share.created', 'share.changed', 'share.revoked'],
        }),
        201,
      );
      const deviceId = await ownDevice(h(), sharer.id);
      let before = rx.got.length;
      const asSharer = api(h(), sharer.token);
      const share = await ok(
        asSharer.POST('/api/devices/{id}/shares', {
          params: { path: { id: deviceId } },
          body: { recipient: { email: viewer.email }, scope: 'device', permissions: ['live_view'] },
        }),
        201,
      );
      await ok(asSharer.DELETE('/api/shares/{id}', { params: { path: { id: share.id! } } }), 200);
      await h().runtime.webhooks.runOnce();
      const events = rx.got
        .slice(before)
        .filter((g) => g.path === '/viewer')
        .map(
          (g) =>
            new Webhook(viewerHook.secret).verify(g.body, g.headers) as {
              type: string;
              data: { shareId: string; deviceId: string; notice: string; title: string };
            },
        );
      assert.deepEqual(
        events.map((e) => e.type),
        ['share.created', 'share.revoked'],
      );
      assert.equal(events[0]!.data.shareId, share.id);
      assert.equal(events[0]!.data.deviceId, deviceId);
      assert.equal(events[0]!.data.notice, 'share_received');
      assert.match(events[0]!.data.title, /Sharer shared/);

      // Two admins are told that the owner withdrew the organization's permissions: the organization's endpoint
      // gets one event, each admin's own endpoint one.
      const world = await handedOverSite(h(), { devices: 1 });
      const second = await verifiedPerson(h(), 'Second Admin');
      await addMember(h(), world.installer, world.org.id, second, 'admin');
      await ok(
        register(h(), world.installer, { url: `${rx.url}/org-auth`, events: ['authorization.changed'] }, world.org.id),
        201,
      );
      await ok(register(h(), second, { url: `${rx.url}/second-auth`, events: ['authorization.changed'] }), 201);
      before = rx.got.length;
      await ok(
        api(h(), world.owner.token).PUT('/api/devices/{id}/authorizations/{orgId}', {
          params: { path: { id: world.devices[0]!.id, orgId: world.org.id } },
          body: { permissions: [] },
        }),
        200,
      );
      await h().runtime.webhooks.runOnce();
      assert.deepEqual(
        rx.got
          .slice(before)
          .map((g) => g.path)
          .sort(),
        ['/org-auth', '/second-auth'],
      );
    });

    test("an organization's admins manage its endpoints; technicians are refused, outsiders see nothing", async () => {
      const admin = await verifiedPerson(h(), 'Ian Admin');
      const tech = await verifiedPerson(h(), 'Tina Tech');
      const outsider = await verifiedPerson(h(), 'Otto Outsider');
      const org = await createOrg(h(), admin, 'Hooked Security');
      await addMember(h(), admin, org.id, tech, 'technician');
      const created = await ok(
        register(h(), admin, { url: `${rx.url}/org`, events: ['authorization.changed'] }, org.id),
        201,
      );
      const id = created.id;
      const ofOrg = { params: { path: { orgId: org.id } } };
      const endpoint = { params: { path: { orgId: org.id, id } } };
      const asAdmin = api(h(), admin.token);
      await problemOf(register(h(), tech, { url: `${rx.url}/t`, events: ['share.created'] }, org.id), 403);
      await problemOf(api(h(), tech.token).GET('/api/orgs/{orgId}/webhooks', ofOrg), 403);
      await problemOf(register(h(), outsider, { url: `${rx.url}/o`, events: ['share.created'] }, org.id), 404);
      await problemOf(api(h(), outsider.token).DELETE('/api/orgs/{orgId}/webhooks/{id}', endpoint), 404);
      // The organization's endpoint is not the admin's own.
      await problemOf(asAdmin.GET('/api/me/webhooks/{id}', mine(id)), 404);
      assert.equal((await ok(asAdmin.GET('/api/orgs/{orgId}/webhooks', ofOrg), 200)).length, 1);

      const before = rx.got.length;
      await transact(h().runtime.ctx, (tx) =>
        emitWebhookEvent(tx, {
          type: 'authorization.changed',
          orgs: [org.id],
          accounts: [admin.id],
          data: { deviceId: 'dev_1', permissions: ['live_view'] },
        }),
      );
      await h().runtime.webhooks.runOnce();
      assert.deepEqual(
        rx.got.slice(before).map((g) => g.path),
        ['/org'],
      );
      const rotated = await ok(asAdmin.POST('/api/orgs/{orgId}/webhooks/{id}/rotate-secret', endpoint), 200);
      assert.notEqual(rotated.secret, created.secret);
      await ok(asAdmin.DELETE('/api/orgs/{orgId}/webhooks/{id}', endpoint), 200);
      assert.equal((await ok(asAdmin.GET('/api/orgs/{orgId}/webhooks', ofOrg), 200)).length, 0);
    });
  },
  { WEBHOOK_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_DISABLE_AFTER: '3' },
);
