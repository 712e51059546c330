// Devices for sharing tests, put straight into the registry already bound to their owner
// (binding itself is tested elsewhere), plus small readers for what the recipient was told.
import { randomBytes } from 'node:crypto';
import { newId } from '../../src/lib/ids.ts';
import type { Harness } from './harness.ts';

export interface DeviceOptions {
  name?: string;
  channels?: number;
  supportsSharing?: boolean;
}

export async function ownDevices(
  h: Harness,
  ownerId: string,
  count: number,
  opts: DeviceOptions = {},
): Promise<string[]> {
  const db = h.runtime.ctx.db;
  const now = h.clock.now();
  const channels = opts.channels ?? 4;
  const rows = Array.from({ length: count }, (_, i) => ({
    id: newId('dev'),
    serial: `S-${randomBytes(6).toString('hex').toUpperCase()}`,
    model: channels > 1 ? 'Coastal I-Series NVR' : 'Acusense Bullet',
    kind: (channels > 1 ? 'recorder' : 'camera') as 'recorder' | 'camera',
    name: count === 1 ? (opts.name ?? 'Coastal NVR') : `${opts.name ?? 'Camera'} ${i + 1}`,
    verification_code_hash: 'x',
    firmware_version: null,
    capabilities: JSON.stringify({ supportsSharing: opts.supportsSharing ?? true }),
    supports_sharing: opts.supportsSharing === false ? 0 : 1,
    channel_count: channels,
    online: 0,
    last_seen_at: null,
    owner_account_id: ownerId,
    owner_since: now,
    holder_org_id: null,
    site_id: null,
    created_at: now,
  }));
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('devices')
      .values(rows.slice(i, i + 500))
      .execute();
  const channelRows = rows.flatMap((r) =>
    Array.from({ length: channels }, (_, c) => ({ device_id: r.id, number: c + 1, name: `Channel ${c + 1}` })),
  );
  for (let i = 0; i < channelRows.length; i += 2000)
    await db
      .insertInto('device_channels')
      .values(channelRows.slice(i, i + 2000))
      .execute();
  return rows.map((r) => r.id);
}

export async function ownDevice(h: Harness, ownerId: string, opts: DeviceOptions = {}): Promise<string> {
  return (await ownDevices(h, ownerId, 1, opts))[0]!;
}

export function inboxOf(h: Harness, accountId: string) {
  return h.runtime.ctx.db
    .selectFrom('inbox_messages')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export function mailTo(h: Harness, email: string) {
  return h.runtime.ctx.db.selectFrom('outbox').selectAll().where('recipient', '=', email).execute();
}

export async function sharesOf(h: Harness, deviceId: string) {
  return h.runtime.ctx.db.selectFrom('shares').selectAll().where('device_id', '=', deviceId).execute();
}

export async function auditOf(h: Harness, deviceId: string) {
  const rows = await h.runtime.ctx.db
    .selectFrom('audit_events')
    .selectAll()
    .where('device_id', '=', deviceId)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({
    ...r,
    before: r.before ? JSON.parse(r.before) : null,
    after: r.after ? JSON.parse(r.after) : null,
  }));
}
