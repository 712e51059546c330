// The Home list: devices I own, then devices shared with me (marked, with who shared them and what I may do now).
import { deviceView, listOwnedDevices, type DeviceView } from './devices.ts';
import * as shares from '../persistence/repositories/shares.ts';
import { permissionsNow, type PermissionsNow } from './sharing.ts';
import type { ServiceContext } from './context.ts';
import { allowsAt, nextChange } from '../domain/validity.ts';
import { shareToGrant } from '../persistence/repositories/grants.ts';

export interface HomeItem extends DeviceView {
  access: 'owner' | 'shared';
  /** For shared devices: the share, who shared it, and what is allowed right now. */
  shareId: string | null;
  sharedBy: { id: string; displayName: string } | null;
  activeNow: boolean;
  changesAt: number | null;
  permissionsNow: PermissionsNow[] | null;
}

export async function homeList(ctx: ServiceContext, accountId: string): Promise<HomeItem[]> {
  const now = ctx.clock.now();
  const [owned, received] = await Promise.all([listOwnedDevices(ctx, accountId), shares.listReceivedShares(ctx.db, accountId)]);
  const items: HomeItem[] = owned.map((d) => ({ ...d, access: 'owner', shareId: null, sharedBy: null, activeNow: true, changesAt: null, permissionsNow: null }));
  if (received.length === 0) return items;
  // Joins by recipient rather than id lists: the cost stays flat however many devices are shared.
  const [devices, channels, owners] = await Promise.all([
    shares.listReceivedDevices(ctx.db, accountId),
    shares.listReceivedChannels(ctx.db, accountId),
    shares.listReceivedOwners(ctx.db, accountId),
  ]);
  const deviceById = new Map(devices.map((d) => [d.id, d]));
  const ownerById = new Map(owners.map((o) => [o.id, o]));
  const channelsOf = new Map<string, Array<{ number: number; name: string }>>();
  for (const c of channels) {
    let list = channelsOf.get(c.device_id);
    if (!list) channelsOf.set(c.device_id, (list = []));
    list.push({ number: c.number, name: c.name });
  }
  for (const r of received) {
    const d = deviceById.get(r.device_id);
    if (!d) continue;
    const owner = ownerById.get(r.owner_account_id);
    const validity = shareToGrant(r).validity;
    items.push({
      ...deviceView(d, channelsOf.get(d.id) ?? []),
      access: 'shared',
      shareId: r.id,
      sharedBy: owner ? { id: owner.id, displayName: owner.display_name } : null,
      activeNow: allowsAt(validity, now),
      changesAt: nextChange(validity, now),
      permissionsNow: permissionsNow(r, d.channel_count, now),
    });
  }
  return items;
}
