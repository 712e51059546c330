// Webhooks through HTTP, on both databases: registering (secret shown once), SSRF refusals, Standard Webhooks
// signatures checked with the reference library, delivery only to the event's audience, retries with back-off,
// automatic disabling with an inbox notice, the organization scope and its outsiders.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { transact } from '../../src/services/context.ts';
import { emitDeviceEvent, emitWebhookEvent } from '../../src/webhooks/service.ts';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.ts';
import { assertProblem, signUp, type Person } from '../helpers/people.ts';
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

async function register(h: Harness, p: Person, body: Record<string, unknown>, prefix = '/api/me/webhooks') {
  return h.request({ method: 'POST', url: prefix, token: p.token, body });
}

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
      const res = await register(h(), olivia, {
        url: `${rx.url}/olivia`,
        description: 'my automation',
        events: ['share.created', 'share.revoked'],
      });
      assert.equal(res.statusCode, 201, res.body);
      const created = json(res);
      assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      assert.deepEqual(created.events, ['share.created', 'share.revoked']);
      assert.equal(created.enabled, true);
      hookId = created.id;
      secret = created.secret;
      const list = json(await h().request({ method: 'GET', url: '/api/me/webhooks', token: olivia.token }));
      assert.equal(list.length, 1);
      assert.equal(list[0].secret, undefined, 'the secret is not shown again');

      const unknown = await register(h(), olivia, { url: `${rx.url}/x`, events: ['share.exploded'] });
      assert.equal(assertProblem(unknown, 400).code, 'unknown_event');
      for (const url of [
        'http://10.1.2.3/hook',
        'http://169.254.169.254/latest/meta-data',
        'http://[::1]:8080/hook',
        'http://192.168.1.20/hook',
        'http://224.0.0.1/hook',
      ]) {
        const refused = await register(h(), olivia, { url, events: ['share.created'] });
        const problem = assertProblem(refused, 400);
        assert.equal(problem.code, 'target_refused', url);
        assert.match(problem.detail, /private, loopback, link-local or multicast/);
      }
      const creds = await register(h(), olivia, { url: 'https://u:p@hooks.example.com/', events: ['share.created'] });
      assert.equal(assertProblem(creds, 400).field, 'url');
    });

    test('send test event: a signed POST that the Standard Webhooks library verifies, logged as delivered', async () => {
      const before = rx.got.length;
      const res = await h().request({ method: 'POST', url: `/api/me/webhooks/${hookId}/test`, token: olivia.token });
      assert.equal(res.statusCode, 202, res.body);
      await h().runtime.webhooks.runOnce();
      const got = rx.got.slice(before);
      assert.equal(got.length, 1);
      const { headers, body, path } = got[0]!;
      assert.equal(path, '/olivia');
      assert.equal(headers['webhook-id'], json(res).deliveryId);
      const verified = new Webhook(secret).verify(body, headers) as { type: string; data: { endpointId: string } };
      assert.equal(verified.type, 'webhook.test');
      assert.equal(verified.data.endpointId, hookId);
      // A tampered body fails verification.
      assert.throws(() => new Webhook(secret).verify(body.replace('test', 'tost'), headers));

      const log = json(
        await h().request({ method: 'GET', url: `/api/me/webhooks/${hookId}/deliveries`, token: olivia.token }),
      );
      assert.equal(log[0].state, 'delivered');
      assert.equal(log[0].attempts.length, 1);
      assert.equal(log[0].attempts[0].status, 200);
    });

    test('an event reaches only subscribed endpoints of its audience', async () => {
      const samHook = json(await register(h(), sam, { url: `${rx.url}/sam`, events: ['share.created'] }));
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
      for (const [method, url] of [
        ['GET', `/api/me/webhooks/${samHook.id}`],
        ['PATCH', `/api/me/webhooks/${samHook.id}`],
        ['DELETE', `/api/me/webhooks/${samHook.id}`],
        ['POST', `/api/me/webhooks/${samHook.id}/test`],
        ['GET', `/api/me/webhooks/${samHook.id}/deliveries`],
      ] as const)
        assertProblem(
          await h().request({
            method,
            url,
            token: olivia.token,
            ...(method === 'PATCH' ? { body: { enabled: false } } : {}),
          }),
          404,
        );
      assert.equal(
        json(await h().request({ method: 'GET', url: '/api/me/webhooks', token: sam.token }))[0].enabled,
        true,
      );
    });

    test('failures are retried with back-off; repeated failures disable the endpoint with an inbox notice', async () => {
      const p = await signUp(h(), 'Failing');
      const res = json(await register(h(), p, { url: `${rx.url}/failing`, events: ['share.revoked'] }));
      const emit = () =>
        transact(h().runtime.ctx, (tx) =>
          emitWebhookEvent(tx, { type: 'share.revoked', accounts: [p.id], data: { shareId: 'shr_x' } }),
        );
      rx.state.status = 500;
      try {
        await emit();
        const wd = h().runtime.webhooks;
        await wd.runOnce();
        let log = json(
          await h().request({ method: 'GET', url: `/api/me/webhooks/${res.id}/deliveries`, token: p.token }),
        );
        assert.equal(log[0].state, 'pending');
        assert.equal(log[0].lastStatus, 500);
        assert.equal(log[0].nextAttemptAt, h().clock.now() + wd.retryDelay(1));
        // Not due yet: nothing is sent.
        const sent = rx.got.length;
        await wd.runOnce();
        assert.equal(rx.got.length, sent);
        // Due after the back-off; the second wait is twice the first.
        h().clock.advance(wd.retryDelay(1));
        await wd.runOnce();
        log = json(await h().request({ method: 'GET', url: `/api/me/webhooks/${res.id}/deliveries`, token: p.token }));
        assert.equal(log[0].attempts.length, 2);
        assert.equal(log[0].nextAttemptAt, h().clock.now() + wd.retryDelay(2));
        assert.equal(wd.retryDelay(2), 2 * wd.retryDelay(1));
        // A redirect is not followed: it counts as a failure too.
        rx.state.status = 302;
        rx.state.location = 'http://169.254.169.254/';
        h().clock.advance(wd.retryDelay(2));
        await wd.runOnce();
        log = json(await h().request({ method: 'GET', url: `/api/me/webhooks/${res.id}/deliveries`, token: p.token }));
        assert.equal(log[0].lastStatus, 302);
      } finally {
        rx.state.status = 200;
        rx.state.location = '';
      }
      const endpoint = json(await h().request({ method: 'GET', url: `/api/me/webhooks/${res.id}`, token: p.token }));
      assert.equal(endpoint.enabled, false, 'disabled after 3 failures in a row (the test runtime’s limit)');
      assert.match(endpoint.disabledReason, /3 failed deliveries in a row/);
      const notices = (await inbox(h(), p)).filter((m: { kind: string }) => m.kind === 'webhook_disabled');
      assert.equal(notices.length, 1);
      assert.match(notices[0]!.body, /\/failing/);
      // While disabled, events are not queued; enabled again, they flow.
      const sent = rx.got.length;
      await emit();
      await h().runtime.webhooks.runOnce();
      assert.equal(rx.got.length, sent);
      const enabled = await h().request({
        method: 'PATCH',
        url: `/api/me/webhooks/${res.id}`,
        token: p.token,
        body: { enabled: true },
      });
      assert.equal(json(enabled).enabled, true);
      assert.equal(json(enabled).consecutiveFailures, 0);
      await emit();
      await h().runtime.webhooks.runOnce();
      assert.equal(rx.got.at(-1)!.path, '/failing');
    });

    test('stream_ticket.issued reaches the device owner when someone it shared with gets a ticket', async () => {
      const owner = await signUp(h(), 'Ticket Owner');
      const viewer = await signUp(h(), 'Ticket Viewer');
      const hook = json(await register(h(), owner, { url: `${rx.url}/tickets`, events: ['stream_ticket.issued'] }));
      const viewerHook = json(
        await register(h(), viewer, { url: `${rx.url}/viewer-tickets`, events: ['stream_ticket.issued'] }),
      );
      assert.ok(viewerHook.id);
      const deviceId = await ownDevice(h(), owner.id);
      const share = await h().request({
        method: 'POST',
        url: `/api/devices/${deviceId}/shares`,
        token: owner.token,
        body: { recipient: { email: viewer.email }, scope: 'channels', channels: [2], permissions: ['live_view'] },
      });
      assert.equal(share.statusCode, 201, share.body);
      const before = rx.got.length;
      const ticket = await h().request({
        method: 'POST',
        url: '/api/stream-tickets',
        token: viewer.token,
        body: { deviceId, channel: 2, permission: 'live_view' },
      });
      assert.equal(ticket.statusCode, 201, ticket.body);
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
          expiresAt: json(ticket).expiresAt,
          source: 'share',
        },
      );
      assert.doesNotMatch(got[0]!.body, /eyJ/, 'the ticket itself never leaves');
    });

    test('device events reach the owner, not others (the one call the device link uses)', async () => {
      const owner = await signUp(h(), 'Device Owner');
      const other = await signUp(h(), 'Other Owner');
      await register(h(), owner, { url: `${rx.url}/device-owner`, events: ['device.offline'] });
      await register(h(), other, { url: `${rx.url}/device-other`, events: ['device.offline'] });
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
      const viewerHook = json(
        await register(h(), viewer, {
          url: `${rx.url}/viewer`,
          events: ['share.created', 'share.changed', 'share.revoked'],
        }),
      );
      const deviceId = await ownDevice(h(), sharer.id);
      let before = rx.got.length;
      const share = await h().request({
        method: 'POST',
        url: `/api/devices/${deviceId}/shares`,
        token: sharer.token,
        body: { recipient: { email: viewer.email }, scope: 'device', permissions: ['live_view'] },
      });
      assert.equal(share.statusCode, 201, share.body);
      const revoke = await h().request({ method: 'DELETE', url: `/api/shares/${json(share).id}`, token: sharer.token });
      assert.equal(revoke.statusCode, 200, revoke.body);
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
      assert.equal(events[0]!.data.shareId, json(share).id);
      assert.equal(events[0]!.data.deviceId, deviceId);
      assert.equal(events[0]!.data.notice, 'share_received');
      assert.match(events[0]!.data.title, /Sharer shared/);

      // Two admins are told that the owner withdrew the organization's permissions: the organization's endpoint
      // gets one event, each admin's own endpoint one.
      const world = await handedOverSite(h(), { devices: 1 });
      const second = await verifiedPerson(h(), 'Second Admin');
      await addMember(h(), world.installer, world.org.id, second, 'admin');
      const orgHook = await register(
        h(),
        world.installer,
        { url: `${rx.url}/org-auth`, events: ['authorization.changed'] },
        `/api/orgs/${world.org.id}/webhooks`,
      );
      assert.equal(orgHook.statusCode, 201, orgHook.body);
      await register(h(), second, { url: `${rx.url}/second-auth`, events: ['authorization.changed'] });
      before = rx.got.length;
      const withdrawn = await h().request({
        method: 'PUT',
        url: `/api/devices/${world.devices[0]!.id}/authorizations/${world.org.id}`,
        token: world.owner.token,
        body: { permissions: [] },
      });
      assert.equal(withdrawn.statusCode, 200, withdrawn.body);
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
      const prefix = `/api/orgs/${org.id}/webhooks`;
      const created = await register(h(), admin, { url: `${rx.url}/org`, events: ['authorization.changed'] }, prefix);
      assert.equal(created.statusCode, 201, created.body);
      const id = json(created).id;
      assertProblem(await register(h(), tech, { url: `${rx.url}/t`, events: ['share.created'] }, prefix), 403);
      assertProblem(await h().request({ method: 'GET', url: prefix, token: tech.token }), 403);
      assertProblem(await register(h(), outsider, { url: `${rx.url}/o`, events: ['share.created'] }, prefix), 404);
      assertProblem(await h().request({ method: 'DELETE', url: `${prefix}/${id}`, token: outsider.token }), 404);
      // The organization's endpoint is not the admin's own.
      assertProblem(await h().request({ method: 'GET', url: `/api/me/webhooks/${id}`, token: admin.token }), 404);
      assert.equal(json(await h().request({ method: 'GET', url: prefix, token: admin.token })).length, 1);

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
      const rotated = await h().request({ method: 'POST', url: `${prefix}/${id}/rotate-secret`, token: admin.token });
      assert.equal(rotated.statusCode, 200, rotated.body);
      assert.notEqual(json(rotated).secret, json(created).secret);
      const del = await h().request({ method: 'DELETE', url: `${prefix}/${id}`, token: admin.token });
      assert.equal(del.statusCode, 200);
      assert.equal(json(await h().request({ method: 'GET', url: prefix, token: admin.token })).length, 0);
    });
  },
  { WEBHOOK_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_DISABLE_AFTER: '3' },
);
