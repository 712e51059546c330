// The device link through an external broker: two Keyholder instances on one PostgreSQL database, both clients of
// the REAL Mosquitto at 127.0.0.1:1883 (shared by everyone on this machine: this run uses its own topic prefix and
// client ids), reading device traffic with a shared subscription so each message is handled exactly once.
// Also the EMQX-format HTTP auth/ACL hooks an external broker calls, on both databases.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import type { Runtime } from '../../src/runtime.ts';
import { SimulatedDevice } from '../../src/device-link/simulator.ts';
import { topics } from '../../src/device-link/protocol.ts';
import { metricsOf } from '../../src/services/metrics.ts';
import { describeEachDatabase, harnessOver, type Harness } from '../helpers/harness.ts';
import { ownDevice } from '../helpers/devices.ts';
import { signUp, type Person } from '../helpers/people.ts';
import { linkSecret, waitFor } from '../helpers/device-link.ts';
import { pgProblem, startTwoInstances, type TwoInstances } from '../helpers/two-instances.ts';
import { api, ok, type RequestOf } from '../helpers/api.ts';

const MOSQUITTO = process.env.TEST_MQTT_URL || 'mqtt://127.0.0.1:1883';

async function reachable(url: string): Promise<string | null> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || 1883) });
    s.setTimeout(2000);
    s.once('connect', () => {
      s.destroy();
      resolve(null);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve('timed out');
    });
    s.once('error', (err) => resolve(err.message));
  });
}

const brokerProblem = await reachable(MOSQUITTO);
const databaseProblem = pgProblem;
if (process.env.CI === 'true' && (brokerProblem || databaseProblem))
  throw new Error(`CI needs Mosquitto at ${MOSQUITTO} and PostgreSQL: ${brokerProblem ?? databaseProblem}`);
const skip = brokerProblem
  ? `Mosquitto not reachable at ${MOSQUITTO} (${brokerProblem})`
  : databaseProblem
    ? `PostgreSQL not reachable (${databaseProblem})`
    : false;

async function handled(r: Runtime, kind: string): Promise<number> {
  const m = await metricsOf(r.ctx).registry.getSingleMetric('keyholder_device_messages_total')?.get();
  return m?.values.find((v) => v.labels.kind === kind)?.value ?? 0;
}

describe('device link: two instances on the real Mosquitto, shared subscription [postgres]', { skip }, () => {
  const prefix = `kh-test-${randomBytes(4).toString('hex')}`;
  const env = {
    MQTT_URL: MOSQUITTO,
    MQTT_TOPIC_PREFIX: prefix,
    MQTT_SHARE_GROUP: `kh-${randomBytes(4).toString('hex')}`,
    DEVICE_COMMAND_TIMEOUT_SECONDS: '10',
  };
  let pair: TwoInstances | undefined;
  let a: Runtime;
  let b: Runtime;
  const devices: SimulatedDevice[] = [];
  /** The harness helpers (signUp, ownDevice, api…) through one instance. */
  const through = (r: Runtime) => harnessOver(r, pair!.clock, 'postgres');

  before(async () => {
    pair = await startTwoInstances(env, {
      runtime: { expiryNotices: { intervalMs: 0 }, deviceLink: { offlineSweepMs: 0 } },
    });
    ({ one: a, two: b } = pair);
  });
  after(async () => {
    // Leave no retained messages behind on the shared broker.
    const cleaner = await mqtt.connectAsync(MOSQUITTO, { clientId: `${prefix}-cleaner`, reconnectPeriod: 0 });
    for (const d of devices) {
      await d.disconnect().catch(() => {});
      await cleaner.publishAsync(topics.status(prefix, d.deviceId), '', { qos: 1, retain: true });
    }
    await cleaner.endAsync();
    await pair?.stop();
  });

  test('each message is handled once across the two; commands answered through either; last will seen by both', async () => {
    // People and devices through instance A (the harness helpers only need `request`, `runtime` and `config`).
    const ha = through(a);
    const hb = through(b);
    const owner: Person = await signUp(ha, 'Owner');
    const cam = await ownDevice(ha, owner, { kind: 'recorder', channels: 2 });
    const secret = await linkSecret(ha, owner, cam.id);
    const device = new SimulatedDevice({ url: MOSQUITTO, deviceId: cam.id, secret, prefix, channels: 2 });
    devices.push(device);
    await device.connect();
    const onCam = { params: { path: { id: cam.id } } };
    const online = async (h: Harness) =>
      (await ok(api(h, owner.token).GET('/api/devices/{id}', onCam), 200)).online === true;
    await waitFor(() => online(hb), 'instance B to show the device online');
    assert.equal(await online(ha), true);

    const reports = 40;
    for (let i = 0; i < reports; i++) await device.reportHealth();
    const total = async () => (await handled(a, 'health')) + (await handled(b, 'health'));
    await waitFor(async () => (await total()) >= reports + 1, 'every report handled');
    await a.deviceLink!.link.idle();
    await b.deviceLink!.link.idle();
    // Exactly once: nothing handled twice (the history has one row per report), and both instances took a share.
    assert.equal(await total(), reports + 1);
    const rows = await a.ctx.db
      .selectFrom('device_health_history')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('device_id', '=', cam.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(rows.n), reports + 1);
    assert.ok((await handled(a, 'health')) > 0 && (await handled(b, 'health')) > 0, 'both instances handled some');

    // A command through either instance: the reply comes back to the instance that asked.
    for (const h of [ha, hb]) {
      const res = await ok(
        api(h, owner.token).POST('/api/devices/{id}/commands', {
          ...onCam,
          body: { type: 'set_channel_name', params: { channel: 2, name: 'Gate' } },
        }),
        200,
      );
      assert.equal(res.ok, true);
    }
    assert.equal(device.commands.length, 2);

    device.crash();
    await waitFor(async () => !(await online(ha)) && !(await online(hb)), 'the last will seen through both');
  });

  test('a new instance reads the retained statuses it missed', async () => {
    const ha = through(a);
    const owner = await signUp(ha, 'Owner');
    const cam = await ownDevice(ha, owner);
    const secret = await linkSecret(ha, owner, cam.id);
    // The device comes online, then the database is made to forget it: a fresh instance must restore "online"
    // from the broker's retained status (shared subscriptions never deliver retained messages).
    const device = new SimulatedDevice({ url: MOSQUITTO, deviceId: cam.id, secret, prefix });
    devices.push(device);
    await device.connect();
    await a.deviceLink!.link.idle();
    await waitFor(
      async () =>
        (await a.ctx.db.selectFrom('devices').select('online').where('id', '=', cam.id).executeTakeFirst())?.online ===
        1,
      'online',
    );
    await a.ctx.db.updateTable('devices').set({ online: 0 }).where('id', '=', cam.id).execute();
    const c = await pair!.another();
    try {
      await waitFor(
        async () =>
          (await c.ctx.db.selectFrom('devices').select('online').where('id', '=', cam.id).executeTakeFirst())
            ?.online === 1,
        'the retained status read at start',
      );
    } finally {
      await c.close();
    }
  });
});

describeEachDatabase('device link: EMQX HTTP authentication and authorization hooks', (h) => {
  test('devices are allowed with their secret and only on their own topics; other usernames are ignored', async () => {
    const owner = await signUp(h(), 'Owner');
    const cam = await ownDevice(h(), owner);
    const other = await ownDevice(h(), owner);
    const secret = await linkSecret(h(), owner, cam.id);
    const prefix = h().config.deviceLink.topicPrefix;
    const broker = api(h());
    const auth = (body: RequestOf<'emqxAuthenticate'>) => ok(broker.POST('/mqtt/auth', { body }), 200);
    const acl = (body: RequestOf<'emqxAuthorize'>) => ok(broker.POST('/mqtt/acl', { body }), 200);

    assert.deepEqual(await auth({ clientid: cam.id, username: cam.id, password: secret }), {
      result: 'allow',
      is_superuser: false,
    });
    assert.equal((await auth({ clientid: cam.id, username: cam.id, password: 'wrong' })).result, 'deny');
    assert.equal((await auth({ clientid: 'x', username: cam.id, password: secret })).result, 'deny');
    assert.equal((await auth({ clientid: 'svc', username: 'keyholder', password: 'p' })).result, 'ignore');
    // EMQX templates may add fields: they are ignored.
    assert.equal(
      (await auth({ clientid: cam.id, username: cam.id, password: secret, peerhost: '10.0.0.9' })).result,
      'allow',
    );

    const own = { clientid: cam.id, username: cam.id };
    const may = async (topic: string, action: string) => (await acl({ ...own, topic, action })).result;
    assert.equal(await may(topics.status(prefix, cam.id), 'publish'), 'allow');
    assert.equal(await may(topics.health(prefix, cam.id), 'publish'), 'allow');
    assert.equal(await may(topics.reply(prefix, cam.id, 'kabc'), 'publish'), 'allow');
    assert.equal(await may(topics.commands(prefix, cam.id), 'subscribe'), 'allow');
    assert.equal(await may(topics.status(prefix, other.id), 'publish'), 'deny');
    assert.equal(await may(topics.commands(prefix, other.id), 'subscribe'), 'deny');
    assert.equal(await may(topics.commands(prefix, cam.id), 'publish'), 'deny');
    assert.equal(await may(`${prefix}/v1/devices/+/status`, 'subscribe'), 'deny');
    assert.equal(await may(`$share/g/${topics.commands(prefix, cam.id)}`, 'subscribe'), 'deny');
    assert.equal((await acl({ username: 'keyholder', topic: 'x', action: 'publish' })).result, 'ignore');
  });
});
