// Bulk rows for the service benchmarks, written straight into the database in large batches.
import { newId } from '../src/lib/ids.ts';
import type { Runtime } from '../src/runtime.ts';

export async function seedBenchDevice(rt: Runtime, ownerId: string, channels: number): Promise<string> {
  const [id] = await seedBenchDevices(rt, ownerId, 1, channels);
  return id!;
}

/** `count` devices owned by `ownerId` (null: unowned), each with `channels` channels. */
export async function seedBenchDevices(
  rt: Runtime,
  ownerId: string | null,
  count: number,
  channels: number,
  prefix = 'B',
): Promise<string[]> {
  const now = rt.ctx.clock.now();
  const ids: string[] = [];
  const tag = Math.random().toString(36).slice(2, 8).toUpperCase();
  for (let start = 0; start < count; start += 500) {
    const rows = [];
    const chans = [];
    for (let i = start; i < Math.min(count, start + 500); i++) {
      const id = newId('dev');
      ids.push(id);
      rows.push({
        id,
        serial: `${prefix}${tag}${i}`,
        model: channels > 1 ? 'NVR-Bench' : 'CAM-Bench',
        kind: (channels > 1 ? 'recorder' : 'camera') as 'recorder' | 'camera',
        name: `Device ${i}`,
        verification_code_hash: 'x',
        firmware_version: null,
        capabilities: '{"supportsSharing":true}',
        supports_sharing: 1,
        channel_count: channels,
        online: 1,
        last_seen_at: null,
        owner_account_id: ownerId,
        owner_since: ownerId ? now : null,
        holder_org_id: null,
        site_id: null,
        created_at: now,
      });
      for (let c = 1; c <= channels; c++) chans.push({ device_id: id, number: c, name: `Channel ${c}` });
    }
    await rt.ctx.db.insertInto('devices').values(rows).execute();
    for (let c = 0; c < chans.length; c += 1000)
      await rt.ctx.db
        .insertInto('device_channels')
        .values(chans.slice(c, c + 1000))
        .execute();
  }
  return ids;
}

export async function seedBenchShares(
  rt: Runtime,
  ownerId: string,
  recipientId: string,
  deviceIds: string[],
): Promise<void> {
  const now = rt.ctx.clock.now();
  for (let start = 0; start < deviceIds.length; start += 500) {
    await rt.ctx.db
      .insertInto('shares')
      .values(
        deviceIds.slice(start, start + 500).map((d) => ({
          id: newId('shr'),
          device_id: d,
          owner_account_id: ownerId,
          recipient_account_id: recipientId,
          scope: 'device' as const,
          channels: '[]',
          permissions: '["live_view","playback"]',
          valid_from: null,
          valid_until: null,
          schedule: null,
          time_zone: 'UTC',
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  }
}
