// The device link through an external broker: two Keyholder instances on one PostgreSQL database, both clients of
// the REAL Mosquitto at 127.0.0.1:1883 (shared by everyone on this machine: this run uses its own topic prefix and
// client ids), reading device traffic with a shared subscription so each message is handled exactly once.
// Also the EMQX-format HTTP auth/ACL hooks an external broker calls, on both databases.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import mqtt from 'mqtt';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { SimulatedDevice } from '../../src/device-link/simulator.ts';
import { topics } from '../../src/device-link/protocol.ts';
import { metricsOf } from '../../src/services/metrics.ts';
import { PG_URL, describeEachDatabase, testConfig, type Harness } from '../helpers/harness.ts';
import { ownDevice } from '../helpers/devices.ts';
import { signUp, type Person } from '../helpers/people.ts';
import { linkSecret, waitFor } from '../helpers/device-link.ts';

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

async function pgProblem(): Promise<string | null> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c.end().catch(() => {});
  }
}

const brokerProblem = await reachable(MOSQUITTO);
const databaseProblem = await pgProblem();
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
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const prefix = `kh-test-${randomBytes(4).toString('hex')}`;
  const env = {
    DATABASE_URL: PG_URL,
    MQTT_URL: MOSQUITTO,
    MQTT_TOPIC_PREFIX: prefix,
    MQTT_SHARE_GROUP: `kh-${randomBytes(4).toString('hex')}`,
    DEVICE_COMMAND_TIMEOUT_SECONDS: '10',
  };
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  let a: Runtime;
  let b: Runtime;
  const devices: SimulatedDevice[] = [];
  const http = (r: Runtime) => ({
    request: (o: { method: 'GET' | 'POST'; url: string; token?: string; body?: unknown }) =>
      r.app.inject({
        method: o.method,
        url: o.url,
        headers: o.token ? { authorization: `Bearer ${o.token}` } : {},
        ...(o.body === undefined ? {} : { payload: o.body as object }),
      }),
  });

  before(async () => {
    const options = { clock, pgSchema: schema, expiryNotices: { intervalMs: 0 }, deviceLink: { offlineSweepMs: 0 } };
    a = await createRuntime(testConfig(env), options);
    b = await createRuntime(testConfig(env), options);
  });
  after(async () => {
    // Leave no retained messages behind on the shared broker.
    const cleaner = await mqtt.connectAsync(MOSQUITTO, { clientId: `${prefix}-cleaner`, reconnectPeriod: 0 });
    for (const d of devices) {
      await d.disconnect().catch(() => {});
      await cleaner.publishAsync(topics.status(prefix, d.deviceId), '', { qos: 1, retain: true });
    }
    await cleaner.endAsync();
    await a?.close();
    await b?.close();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });

  test('each message is handled once across the two; commands answered through either; last will seen by both', async () => {
    // People and devices through instance A (the harness helpers only need `request`, `runtime` and `config`).
    const ha = { ...http(a), runtime: a, config: a.ctx.config } as unknown as Harness;
    const hb = { ...http(b), runtime: b, config: b.ctx.config } as unknown as Harness;
    const owner: Person = await signUp(ha, 'Owner');
    const cam = await ownDevice(ha, owner, { kind: 'recorder', channels: 2 });
    const secret = await linkSecret(ha, owner, cam.id);
    const device = new SimulatedDevice({ url: MOSQUITTO, deviceId: cam.id, secret, prefix, channels: 2 });
    devices.push(device);
    await device.connect();
    const online = async (h: Harness) =>
      (await h.request({ method: 'GET', url: `/api/devices/${cam.id}`, token: owner.token })).json().online === true;
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
      const res = await h.request({
        method: 'POST',
        url: `/api/devices/${cam.id}/commands`,
        token: owner.token,
        body: { type: 'set_channel_name', params: { channel: 2, name: 'Gate' } },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().ok, true);
    }
    assert.equal(device.commands.length, 2);

    device.crash();
    await waitFor(async () => !(await online(ha)) && !(await online(hb)), 'the last will seen through both');
  });

  test('a new instance reads the retained statuses it missed', async () => {
    const ha = { ...http(a), runtime: a, config: a.ctx.config } as unknown as Harness;
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
    const c = await createRuntime(testConfig(env), {
      clock,
      pgSchema: schema,
      expiryNotices: { intervalMs: 0 },
      deviceLink: { offlineSweepMs: 0 },
    });
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
    const auth = (body: unknown) => h().request({ method: 'POST', url: '/mqtt/auth', body });
    const acl = (body: unknown) => h().request({ method: 'POST', url: '/mqtt/acl', body });

    assert.deepEqual((await auth({ clientid: cam.id, username: cam.id, password: secret })).json(), {
      result: 'allow',
      is_superuser: false,
    });
    assert.equal((await auth({ clientid: cam.id, username: cam.id, password: 'wrong' })).json().result, 'deny');
    assert.equal((await auth({ clientid: 'x', username: cam.id, password: secret })).json().result, 'deny');
    assert.equal((await auth({ clientid: 'svc', username: 'keyholder', password: 'p' })).json().result, 'ignore');
    // EMQX templates may add fields: they are ignored.
    assert.equal(
      (await auth({ clientid: cam.id, username: cam.id, password: secret, peerhost: '10.0.0.9' })).json().result,
      'allow',
    );

    const own = { clientid: cam.id, username: cam.id };
    const ok = async (topic: string, action: string) => (await acl({ ...own, topic, action })).json().result;
    assert.equal(await ok(topics.status(prefix, cam.id), 'publish'), 'allow');
    assert.equal(await ok(topics.health(prefix, cam.id), 'publish'), 'allow');
    assert.equal(await ok(topics.reply(prefix, cam.id, 'kabc'), 'publish'), 'allow');
    assert.equal(await ok(topics.commands(prefix, cam.id), 'subscribe'), 'allow');
    assert.equal(await ok(topics.status(prefix, other.id), 'publish'), 'deny');
    assert.equal(await ok(topics.commands(prefix, other.id), 'subscribe'), 'deny');
    assert.equal(await ok(topics.commands(prefix, cam.id), 'publish'), 'deny');
    assert.equal(await ok(`${prefix}/v1/devices/+/status`, 'subscribe'), 'deny');
    assert.equal(await ok(`$share/g/${topics.commands(prefix, cam.id)}`, 'subscribe'), 'deny');
    assert.equal((await acl({ username: 'keyholder', topic: 'x', action: 'publish' })).json().result, 'ignore');
  });
});
