// Web Push: opting a browser in and out, delivery through the outbox to a push service (a local stand-in that
// decrypts with the subscription's keys), retries, and the ends of a subscription (410, logout).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { ownDevice } from '../helpers/devices.ts';
import { verifiedPerson } from '../helpers/installer.ts';
import { assertProblem, type Person } from '../helpers/people.ts';
import { mailTo } from '../helpers/sharing.ts';
import { startPushService, type TestPushService } from '../helpers/push-service.ts';
import { api, ok } from '../helpers/api.ts';

let service: TestPushService;
before(async () => {
  service = await startPushService();
});
after(() => service.stop());

async function subscribe(h: Harness, person: Person) {
  const subscription = service.newSubscription();
  const res = await h.request({
    method: 'PUT',
    url: '/api/push/subscription',
    token: person.token,
    body: subscription,
  });
  assert.equal(res.statusCode, 200, res.body);
  return subscription;
}

async function share(h: Harness, owner: Person, recipient: Person) {
  const device = await ownDevice(h, owner, { model: 'Porch Cam' });
  const created = await ok(
    api(h, owner.token).POST('/api/devices/{id}/shares', {
      params: { path: { id: device.id } },
      body: { recipient: { email: recipient.email }, scope: 'device', permissions: ['live_view'] },
    }),
    201,
  );
  return { device, shareId: created.id };
}

function pushRows(h: Harness) {
  return h.runtime.ctx.db
    .selectFrom('outbox')
    .selectAll()
    .where('channel', '=', 'push')
    .orderBy('created_at')
    .execute();
}

describeEachDatabase(
  'push notifications',
  (h) => {
    let owner: Person;
    let recipient: Person;
    before(async () => {
      owner = await verifiedPerson(h(), 'Olivia Owner');
      recipient = await verifiedPerson(h(), 'Sam Recipient');
    });

    test('the VAPID key pair is made once, stored, and given to signed-in people only', async () => {
      const { publicKey } = await ok(api(h(), owner.token).GET('/api/push/config'), 200);
      assert.equal(Buffer.from(publicKey, 'base64url').length, 65);
      const again = await ok(api(h(), recipient.token).GET('/api/push/config'));
      assert.equal(again.publicKey, publicKey);
      const stored = await h().runtime.ctx.db.selectFrom('push_vapid_keys').selectAll().execute();
      assert.deepEqual(
        stored.map((r) => r.public_key),
        [publicKey],
      );
      assertProblem(await h().request({ method: 'GET', url: '/api/push/config' }), 401);
    });

    test('a share arrives as an encrypted, VAPID-signed push that opens the message', async () => {
      const sub = await subscribe(h(), recipient);
      const before = service.received.length;
      await share(h(), owner, recipient);
      await h().runtime.outbox.runOnce();
      const got = service.received.slice(before).filter((r) => r.endpoint === sub.endpoint);
      assert.equal(got.length, 1);
      const inbox = await ok(api(h(), recipient.token).GET('/api/inbox'));
      const message = inbox.items[0]!;
      assert.equal(message.kind, 'share_received');
      assert.deepEqual(got[0]!.payload, {
        title: message.title,
        body: got[0]!.payload.body,
        url: `/messages/${message.id}`,
        tag: message.id,
      });
      // Written for the recipient, not the owner's confirmation ("Share … with Sam Recipient").
      assert.match(String(got[0]!.payload.body), /^You can use "Porch Cam": /);
      assert.doesNotMatch(String(got[0]!.payload.body), /Sam Recipient/);
      assert.equal(got[0]!.ttl, '86400');
      assert.equal(got[0]!.urgency, 'high');
      const config = await ok(api(h(), owner.token).GET('/api/push/config'));
      assert.equal(got[0]!.vapid.publicKey, config.publicKey);
      assert.equal(got[0]!.vapid.aud, service.url);
      assert.match(got[0]!.vapid.sub, /^mailto:/);
      // The owner, who has no browser subscribed, gets nothing; kinds that are not worth a push get none.
      assert.equal((await pushRows(h())).filter((r) => r.delivered_at === null).length, 0);
    });

    test('a person who chose German gets the push in German; the choice is on the account', async () => {
      const greta = await verifiedPerson(h(), 'Greta Deutsch');
      const chosen = await h().request({
        method: 'PUT',
        url: '/api/me/language',
        token: greta.token,
        body: { language: 'de' },
      });
      assert.equal(chosen.statusCode, 200, chosen.body);
      const me = await ok(api(h(), greta.token).GET('/api/me'));
      assert.equal(me.language, 'de');
      assertProblem(
        await h().request({ method: 'PUT', url: '/api/me/language', token: greta.token, body: { language: 'xx' } }),
        400,
      );
      const sub = await subscribe(h(), greta);
      await share(h(), owner, greta);
      // The email, the inbox message and the push are all in German; the owner (no choice) reads English.
      const mails = await mailTo(h(), greta.email);
      await h().runtime.outbox.runOnce();
      const got = service.received.filter((r) => r.endpoint === sub.endpoint);
      assert.equal(got.length, 1);
      assert.equal(got[0]!.payload.title, 'Olivia Owner hat „Porch Cam“ mit Ihnen geteilt');
      assert.match(String(got[0]!.payload.body), /^Sie können „Porch Cam“ jetzt nutzen\./);
      assert.match(String(got[0]!.payload.url), /^\/messages\/msg_/);
      const mail = mails.at(-1)!;
      assert.equal(mail.subject, 'Olivia Owner hat „Porch Cam“ mit Ihnen geteilt');
      assert.match(mail.body, /Jetzt ansehen: http\S+\/messages\/msg_/);
      assert.doesNotMatch(mail.body, /View now|You can use/);
      const inbox = await h().request({ method: 'GET', url: '/api/inbox', token: greta.token });
      assert.match(inbox.body, /hat „Porch Cam“ mit Ihnen geteilt/);
    });

    test('a failing push service is retried with back-off; 410 Gone ends the subscription', async () => {
      const other = await verifiedPerson(h(), 'Rita Retry');
      const sub = await subscribe(h(), other);
      service.answer(sub.endpoint, 500);
      await share(h(), owner, other);
      await h().runtime.outbox.runOnce();
      let rows = (await pushRows(h())).filter((r) => r.delivered_at === null);
      assert.equal(rows.length, 1);
      assert.match(rows[0]!.last_error ?? '', /push service answered 500/);
      assert.equal(Number(rows[0]!.attempts), 1);

      service.answer(sub.endpoint, 201);
      const before = service.received.length;
      h().clock.advance(31_000);
      await h().runtime.outbox.runOnce();
      assert.equal(service.received.length, before + 1);
      rows = (await pushRows(h())).filter((r) => r.recipient === rows[0]!.recipient);
      assert.ok(rows.every((r) => r.delivered_at !== null));

      service.answer(sub.endpoint, 410);
      await share(h(), owner, other);
      await h().runtime.outbox.runOnce();
      const subs = await h()
        .runtime.ctx.db.selectFrom('push_subscriptions')
        .select('id')
        .where('endpoint', '=', sub.endpoint)
        .execute();
      assert.deepEqual(subs, [], 'the subscription is gone');
      const last = (await pushRows(h())).at(-1)!;
      assert.equal(last.transport, 'webpush:gone');
    });

    test('logging out of the session that subscribed ends the subscription', async () => {
      const { token } = await ok(
        api(h()).POST('/api/auth/tokens', { body: { login: recipient.email, password: 'correct horse battery' } }),
      );
      const sub = service.newSubscription();
      const put = await h().request({ method: 'PUT', url: '/api/push/subscription', token, body: sub });
      assert.equal(put.statusCode, 200, put.body);
      const count = () =>
        h()
          .runtime.ctx.db.selectFrom('push_subscriptions')
          .select('id')
          .where('endpoint', '=', sub.endpoint)
          .execute()
          .then((r) => r.length);
      assert.equal(await count(), 1);
      const out = await h().request({ method: 'POST', url: '/api/auth/logout', token });
      assert.equal(out.statusCode, 200, out.body);
      assert.equal(await count(), 0);
    });

    test('opting out; nobody can remove or take over another person’s browser by guessing', async () => {
      const sub = await subscribe(h(), recipient);
      assertProblem(
        await h().request({
          method: 'DELETE',
          url: '/api/push/subscription',
          token: owner.token,
          body: { endpoint: sub.endpoint },
        }),
        404,
      );
      const off = await h().request({
        method: 'DELETE',
        url: '/api/push/subscription',
        token: recipient.token,
        body: { endpoint: sub.endpoint },
      });
      assert.equal(off.statusCode, 200, off.body);
      assertProblem(
        await h().request({
          method: 'DELETE',
          url: '/api/push/subscription',
          token: recipient.token,
          body: { endpoint: sub.endpoint },
        }),
        404,
      );
    });

    test('endpoints that are not a push service, and malformed keys, are refused', async () => {
      const good = service.newSubscription();
      for (const [endpoint, keys, field] of [
        ['http://push.example.com/x', good.keys, 'endpoint'],
        ['https://10.0.0.7/x', good.keys, 'endpoint'],
        ['not a url', good.keys, 'endpoint'],
        [good.endpoint, { ...good.keys, p256dh: 'AAAA' }, 'keys.p256dh'],
        [good.endpoint, { ...good.keys, auth: 'AAAA' }, 'keys.auth'],
      ] as const) {
        const res = await h().request({
          method: 'PUT',
          url: '/api/push/subscription',
          token: owner.token,
          body: { endpoint, keys },
        });
        const problem = assertProblem(res, 400) as { field?: string };
        assert.equal(problem.field, field, endpoint);
      }
    });
  },
  { PUSH_ALLOW_LOOPBACK_ENDPOINTS: '1' },
);
