// Devices come alive over MQTT: real simulated devices (the `mqtt` client) on the embedded broker, checked through
// the HTTP API as a person would see it, on both databases.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { ownDevice } from '../helpers/devices.ts';
import { signUp, type Person } from '../helpers/people.ts';
import { inbox, verifiedPerson } from '../helpers/installer.ts';
import { brokerUrl, connectDevice, deviceOnline, linkSecret, metricValue, waitFor } from '../helpers/device-link.ts';
import type { SimulatedDevice } from '../../src/device-link/simulator.ts';
import { topics } from '../../src/device-link/protocol.ts';
import { api, ok, problemOf, statusOf, type RequestOf } from '../helpers/api.ts';

type Command = RequestOf<'sendDeviceCommand'>;

const running: SimulatedDevice[] = [];
after(async () => {
  for (const d of running) await d.disconnect().catch(() => {});
});

async function live(h: Harness, owner: Person, deviceId: string, opts: Parameters<typeof connectDevice>[3] = {}) {
  const d = await connectDevice(h, owner, deviceId, opts);
  running.push(d);
  return d;
}

function health(h: Harness, person: Person, deviceId: string) {
  return api(h, person.token).GET('/api/devices/{id}/health', { params: { path: { id: deviceId } } });
}
const healthOf = (h: Harness, person: Person, deviceId: string) => ok(health(h, person, deviceId), 200);
/** A command sent as given: the bad-input cases send what the schema refuses. */
function command(h: Harness, person: Person, deviceId: string, body: unknown) {
  return api(h, person.token).POST('/api/devices/{id}/commands', {
    params: { path: { id: deviceId } },
    body: body as Command,
  });
}

async function share(
  h: Harness,
  owner: Person,
  deviceId: string,
  to: Person,
  channels: number[],
  permissions: string[],
) {
  const res = await h.request({
    method: 'POST',
    url: `/api/devices/${deviceId}/shares`,
    token: owner.token,
    body: { recipient: { email: to.email }, scope: 'channels', channels, permissions },
  });
  assert.equal(res.statusCode, 201, res.body);
}

describeEachDatabase(
  'device link',
  (h) => {
    test('online from the retained status, offline from the last will and from a polite goodbye', async () => {
      const owner = await signUp(h(), 'Owner');
      const cam = await ownDevice(h(), owner);
      assert.equal(cam.view.online, false);
      const d = await live(h(), owner, cam.id);
      const asOwner = api(h(), owner.token);
      const seen = await ok(asOwner.GET('/api/devices/{id}', { params: { path: { id: cam.id } } }), 200);
      assert.equal(seen.online, true);
      assert.ok(seen.lastSeenAt! > 0);
      // The Home list shows it too.
      const home = await ok(asOwner.GET('/api/devices'), 200);
      const row = home.find((x) => x.id === cam.id)!;
      assert.equal(row.online, true);

      d.crash(); // no goodbye: the broker publishes the last will
      await waitFor(async () => !(await deviceOnline(h(), owner, cam.id)), 'the last will to take it offline');

      await d.connect();
      await waitFor(() => deviceOnline(h(), owner, cam.id), 'online again');
      await d.goOffline();
      await waitFor(async () => !(await deviceOnline(h(), owner, cam.id)), 'offline after its goodbye');
    });

    test('MQTT over WebSocket at /mqtt on the HTTP port', async () => {
      const owner = await signUp(h(), 'Owner');
      const cam = await ownDevice(h(), owner);
      const app = h().runtime.app;
      if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      assert.ok(address && typeof address === 'object');
      await live(h(), owner, cam.id, { url: `ws://127.0.0.1:${address.port}/mqtt` });
      assert.equal(await deviceOnline(h(), owner, cam.id), true);
    });

    test('wrong secrets and foreign client ids are refused at connect', async () => {
      const owner = await signUp(h(), 'Owner');
      const cam = await ownDevice(h(), owner);
      const secret = await linkSecret(h(), owner, cam.id);
      const attempt = (opts: mqtt.IClientOptions) =>
        mqtt.connectAsync(brokerUrl(h()), { reconnectPeriod: 0, connectTimeout: 10_000, ...opts });
      await assert.rejects(attempt({ clientId: cam.id, username: cam.id, password: 'not-the-secret' }));
      await assert.rejects(attempt({ clientId: 'someone-else', username: cam.id, password: secret }));
      // A reissued secret replaces the old one, and ends the session opened with the old one.
      const d = await live(h(), owner, cam.id);
      await linkSecret(h(), owner, cam.id);
      await waitFor(async () => !(await deviceOnline(h(), owner, cam.id)), 'the old session to end');
      await assert.rejects(attempt({ clientId: cam.id, username: cam.id, password: d.options.secret }));
      assert.ok((await metricValue(h(), 'keyholder_device_link_refused_total', 'what="connect"')) >= 3);
    });

    test("a device cannot publish to another device's topics; bad messages are dropped and change nothing", async () => {
      const owner = await signUp(h(), 'Owner');
      const [a, b] = [await ownDevice(h(), owner), await ownDevice(h(), owner)];
      const da = await live(h(), owner, a.id);
      const db = await live(h(), owner, b.id);
      const prefix = h().config.deviceLink.topicPrefix;

      // Malformed, oversized, unknown version, unknown shape on its own topics: dropped, logged, counted.
      const before = await metricValue(h(), 'keyholder_device_messages_dropped_total', '');
      await da.publishRaw(topics.health(prefix, a.id), 'not json {');
      await da.publishRaw(topics.health(prefix, a.id), JSON.stringify({ v: 1, pad: 'x'.repeat(20_000) }));
      await da.publishRaw(topics.status(prefix, a.id), JSON.stringify({ v: 2, state: 'offline' }));
      await da.publishRaw(topics.health(prefix, a.id), JSON.stringify({ v: 1, type: 'firmware_upgrade' }));
      await waitFor(
        async () => (await metricValue(h(), 'keyholder_device_messages_dropped_total', '')) >= before + 4,
        'four drops to be counted',
      );
      for (const reason of ['not_json', 'oversized', 'unknown_version', 'invalid'])
        assert.ok(
          (await metricValue(h(), 'keyholder_device_messages_dropped_total', `reason="${reason}"`)) >= 1,
          reason,
        );
      assert.equal(await deviceOnline(h(), owner, a.id), true, 'bad messages do not change its own state');

      // Publishing "offline" for device B from A's connection: refused, A is disconnected, B stays online.
      // (Not awaited: a refused QoS 1 publish is never acknowledged; the broker closes the connection instead.)
      void da.publishRaw(topics.status(prefix, b.id), JSON.stringify({ v: 1, state: 'offline' }), true).catch(() => {});
      await waitFor(
        async () => (await metricValue(h(), 'keyholder_device_link_refused_total', 'what="publish"')) >= 1,
        'the refusal to be counted',
      );
      await waitFor(async () => !(await deviceOnline(h(), owner, a.id)), "A's last will after being disconnected");
      assert.equal(await deviceOnline(h(), owner, b.id), true, "B's state is untouched");

      // Subscribing to B's commands is refused too (negative SUBACK), nothing delivered.
      await da.connect();
      const granted = await da.client!.subscribeAsync(topics.commands(prefix, b.id), { qos: 1 }).then(
        (g) => g[0]!.qos,
        () => 128,
      );
      assert.equal(granted, 128);
      assert.equal(db.commands.length, 0);
    });

    test('health → exception → told to the owner and to those with alarm_notifications on that channel only', async () => {
      const owner = await verifiedPerson(h(), 'Owner');
      const watcher = await verifiedPerson(h(), 'Watcher');
      const viewer = await verifiedPerson(h(), 'Viewer');
      const nvr = await ownDevice(h(), owner, { kind: 'recorder', channels: 4 });
      await share(h(), owner, nvr.id, watcher, [2], ['live_view', 'alarm_notifications']);
      await share(h(), owner, nvr.id, viewer, [2], ['live_view']);
      const d = await live(h(), owner, nvr.id, { channels: 4 });

      await d.setVideoLoss(2, true);
      await waitFor(async () => (await inbox(h(), owner)).some((m) => m.kind === 'device_exception'), 'the owner told');
      const ownerMsgs = (await inbox(h(), owner)).filter((m) => m.kind === 'device_exception');
      assert.match(ownerMsgs[0]!.title, /Video loss/);
      assert.equal((await inbox(h(), watcher)).filter((m) => m.kind === 'device_exception').length, 1);
      assert.equal((await inbox(h(), viewer)).filter((m) => m.kind === 'device_exception').length, 0);
      const mails = await h().runtime.ctx.db.selectFrom('outbox').select(['recipient', 'subject']).execute();
      assert.ok(mails.some((m) => m.recipient === watcher.email && /Video loss/.test(m.subject)));
      assert.ok(!mails.some((m) => m.recipient === viewer.email && /Video loss/.test(m.subject)));

      // A device-wide problem (disk error) needs alarm_notifications on every channel: the owner only.
      await d.setDisk('error');
      await waitFor(
        async () => (await inbox(h(), owner)).some((m) => /Disk error/.test(m.title)),
        'the owner told of the disk error',
      );
      assert.ok(!(await inbox(h(), watcher)).some((m) => /Disk error/.test(m.title)));

      const view = await healthOf(h(), owner, nvr.id);
      assert.equal(view.online, true);
      assert.equal(view.health!.report.storage![0]!.state, 'error');
      const open = view.exceptions.filter((e) => e.clearedAt === null);
      assert.deepEqual(open.map((e) => [e.kind, e.channel]).sort(), [
        ['storage_error', null],
        ['video_loss', 2],
      ]);
      // Share recipients never see health details.
      await problemOf(health(h(), watcher, nvr.id), 404);

      // Fixed: the next report clears both, with a time.
      await d.setVideoLoss(2, false);
      await d.setDisk('ok');
      await waitFor(
        async () => (await healthOf(h(), owner, nvr.id)).exceptions.every((e) => e.clearedAt),
        'both exceptions to clear',
      );
    });

    test('a flapping device does not flood anyone', async () => {
      const owner = await verifiedPerson(h(), 'Owner');
      const cam = await ownDevice(h(), owner);
      const d = await live(h(), owner, cam.id);
      for (let i = 0; i < 8; i++) {
        await d.setDisk('error');
        await d.setDisk('ok');
      }
      await h().runtime.deviceLink!.link.idle();
      await waitFor(async () => {
        const v = await healthOf(h(), owner, cam.id);
        return v.exceptions.length === 8 && v.exceptions.every((e) => e.clearedAt);
      }, 'eight raised and cleared');
      const told = (await inbox(h(), owner)).filter((m) => m.kind === 'device_exception');
      assert.equal(told.length, 5, 'at most 5 alerts per device inside the window');
    });

    test('offline for more than N minutes raises an exception; coming back clears it', async () => {
      const owner = await verifiedPerson(h(), 'Owner');
      const cam = await ownDevice(h(), owner);
      const d = await live(h(), owner, cam.id);
      d.crash();
      await waitFor(async () => !(await deviceOnline(h(), owner, cam.id)), 'offline');
      const sweep = h().runtime.deviceLink!.offlineSweep;
      await sweep.runOnce();
      assert.equal((await healthOf(h(), owner, cam.id)).exceptions.length, 0, 'not yet: only just offline');
      h().clock.advance(11 * 60_000);
      assert.ok((await sweep.runOnce()) >= 1);
      const exc = (await healthOf(h(), owner, cam.id)).exceptions;
      assert.equal(exc[0]!.kind, 'offline');
      assert.equal(exc[0]!.clearedAt, null);
      assert.ok((await inbox(h(), owner)).some((m) => /Offline/.test(m.title)));
      await sweep.runOnce();
      assert.equal((await healthOf(h(), owner, cam.id)).exceptions.length, 1, 'raised once');
      await d.connect();
      await waitFor(
        async () => (await healthOf(h(), owner, cam.id)).exceptions[0]!.clearedAt !== null,
        'cleared when back online',
      );
    });

    test('commands: allowed with configuration, refused without; 409 offline; audited with the result', async () => {
      const owner = await signUp(h(), 'Owner');
      const recipient = await signUp(h(), 'Recipient');
      const stranger = await signUp(h(), 'Stranger');
      const cam = await ownDevice(h(), owner, { kind: 'recorder', channels: 2 });
      await share(h(), owner, cam.id, recipient, [1], ['live_view']);
      const d = await live(h(), owner, cam.id, { channels: 2 });
      const send = (p: Person, body: unknown) => command(h(), p, cam.id, body);

      const tz = await ok(send(owner, { type: 'set_time_zone', params: { timeZone: 'Europe/Dublin' } }), 200);
      assert.equal(tz.ok, true);
      assert.equal(d.timeZone, 'Europe/Dublin');

      await problemOf(send(stranger, { type: 'reboot' }), 404);
      const refused = await problemOf(send(recipient, { type: 'reboot' }), 403);
      assert.match(refused.detail, /not part of what was shared/);
      await problemOf(send(owner, { type: 'format_storage', params: { slot: 1 } }), 400);
      await problemOf(send(owner, { type: 'set_channel_name', params: { channel: 3, name: 'Gate' } }), 400);
      await problemOf(send(owner, { type: 'set_time_zone', params: { timeZone: 'Mars/Base' } }), 400);
      await problemOf(send(owner, { type: 'self_destruct' }), 400);
      const failed = await ok(send(owner, { type: 'format_storage', params: { slot: 9 }, confirm: true }), 200);
      assert.equal(failed.ok, false);
      assert.equal(failed.error!.code, 'no_such_slot');
      assert.equal(d.commands.length, 2, 'refused commands never reach the device');

      await ok(send(owner, { type: 'reboot' }), 200);
      await waitFor(async () => !(await deviceOnline(h(), owner, cam.id)), 'the reboot takes it offline');
      await problemOf(send(owner, { type: 'reboot' }), 409);
      await waitFor(() => deviceOnline(h(), owner, cam.id), 'back after the reboot');

      const audit = await ok(
        api(h(), owner.token).GET('/api/devices/{id}/audit', {
          params: { path: { id: cam.id }, query: { limit: 50 } },
        }),
        200,
      );
      const cmds = audit.items.filter((e) => e.action === 'device.command');
      const outcomes = cmds.map((e) => {
        const after = e.after as { type: string; outcome: string };
        return `${after.type}:${after.outcome}`;
      });
      assert.deepEqual(outcomes.sort(), ['format_storage:failed', 'reboot:offline', 'reboot:ok', 'set_time_zone:ok']);
      assert.ok(cmds.every((e) => e.actor!.accountId === owner.id));
    });

    test('an installer reboots with configuration and is told it has no permission without it', async () => {
      const { handedOverSite } = await import('../helpers/installer.ts');
      const site = await handedOverSite(h(), { devices: 1 });
      const dev = site.devices[0]!;
      const d = await live(h(), site.owner, dev.id);
      const send = (p: Person) => command(h(), p, dev.id, { type: 'request_health' });
      const asInstaller = api(h(), site.installer.token);
      const exceptionTab = () =>
        ok(asInstaller.GET('/api/sites/{siteId}/exceptions', { params: { path: { siteId: site.site.id } } }), 200);
      assert.equal(await statusOf(send(site.installer)), 200);
      // The installer sees health and the site's Exception tab.
      assert.equal(await statusOf(health(h(), site.installer, dev.id)), 200);
      await d.setDisk('full');
      await waitFor(async () => (await exceptionTab()).open === 1, 'the Exception tab to show the full disk');
      const counts = await ok(
        asInstaller.GET('/api/orgs/{orgId}/exception-counts', { params: { path: { orgId: site.org.id } } }),
        200,
      );
      assert.deepEqual(counts, [{ siteId: site.site.id, open: 1 }]);

      // The owner withdraws every installer permission: refused with the seed's words, nothing sent.
      const withdraw = await h().request({
        method: 'PUT',
        url: `/api/devices/${dev.id}/authorizations/${site.org.id}`,
        token: site.owner.token,
        body: { permissions: [] },
      });
      assert.equal(withdraw.statusCode, 200, withdraw.body);
      const before = d.commands.length;
      const p = await problemOf(send(site.installer), 403);
      assert.equal(p.detail, 'The installer has no permission to operate or configure the device.');
      assert.equal(d.commands.length, before);
      assert.equal(await statusOf(health(h(), site.installer, dev.id)), 403);
      const tab = await exceptionTab();
      assert.equal(tab.open, 0, 'no health details without a permission that shows them');
    });
  },
  { DEVICE_COMMAND_TIMEOUT_SECONDS: '2' },
);

describeEachDatabase(
  'device link: a device that does not answer',
  (h) => {
    test('504 after the timeout, audited as such', async () => {
      const owner = await signUp(h(), 'Owner');
      const cam = await ownDevice(h(), owner);
      const d = await live(h(), owner, cam.id, { answerCommands: false });
      const p = await problemOf(command(h(), owner, cam.id, { type: 'reboot' }), 504);
      assert.match(p.detail, /did not answer within 1 second/);
      assert.equal(d.commands.length, 1);
      const audit = await ok(
        api(h(), owner.token).GET('/api/devices/{id}/audit', { params: { path: { id: cam.id } } }),
        200,
      );
      assert.ok(
        audit.items.some(
          (e) => e.action === 'device.command' && (e.after as { outcome: string }).outcome === 'timeout',
        ),
      );
    });
  },
  { DEVICE_COMMAND_TIMEOUT_SECONDS: '1' },
);
