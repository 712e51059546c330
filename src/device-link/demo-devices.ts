// The demo world's devices come alive at every `npm start`: simulated devices (real MQTT clients) connect to the
// embedded broker, so a newcomer sees devices Online on Home and one exception (a disk error) on the installer's
// site. Their link secrets are reissued at each start (the secrets are only ever kept hashed).
import { newToken } from '../lib/ids.ts';
import { hashToken } from '../lib/secrets.ts';
import { setLinkSecret } from '../persistence/repositories/device-link.ts';
import type { ServiceContext } from '../services/context.ts';
import { SimulatedDevice } from './simulator.ts';

/** Serial prefixes of the demo devices that connect (the AX PRO stays offline, to show both states). */
const LIVE = ['DEMO-NVR-', 'DEMO-CAM-', 'DEMO-BELL-', 'DEMO-SNVR-', 'DEMO-SCAM-'];
/** The installer's site NVR reports a failing disk. */
const FAILING_DISK = 'DEMO-SNVR-';

export async function startDemoDevices(
  ctx: ServiceContext,
  port: number,
): Promise<{ count: number; stop(): Promise<void> }> {
  const rows = await ctx.db
    .selectFrom('devices')
    .select(['id', 'serial', 'channel_count', 'firmware_version'])
    .where((eb) => eb.or(LIVE.map((p) => eb('serial', 'like', `${p}%`))))
    .where((eb) => eb.or([eb('owner_account_id', 'is not', null), eb('holder_org_id', 'is not', null)]))
    .execute();
  const devices: SimulatedDevice[] = [];
  for (const r of rows) {
    const secret = newToken();
    await setLinkSecret(ctx.db, r.id, hashToken(secret), ctx.clock.now());
    const device = new SimulatedDevice({
      url: `mqtt://127.0.0.1:${port}`,
      deviceId: r.id,
      secret,
      prefix: ctx.config.deviceLink.topicPrefix,
      channels: r.channel_count,
      firmware: r.firmware_version ?? undefined,
      healthIntervalMs: 5 * 60_000,
    });
    if (r.serial.startsWith(FAILING_DISK)) device.storage[0] = { slot: 1, state: 'error' };
    try {
      await device.connect();
      devices.push(device);
    } catch (err) {
      ctx.log.warn({ err, deviceId: r.id }, 'demo device could not connect');
    }
  }
  return {
    count: devices.length,
    async stop() {
      for (const d of devices) await d.disconnect().catch(() => {});
    },
  };
}
