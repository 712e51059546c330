// The Home list: devices I own, then devices shared with me (marked, with who shared them and what I may do now).
// It is read on every app start, for people with thousands of devices: a fixed number of set-based queries
// (never one per device), only the columns shown, and cheap per-row work.
import type { DeviceView } from './devices.ts';
import type { Capabilities } from '../domain/devices.ts';
import * as shares from '../persistence/repositories/shares.ts';
import type { PermissionsNow } from './sharing.ts';
import type { ServiceContext } from './context.ts';
import { decideNow, type DeviceFacts, type Grant } from '../domain/access.ts';
import { PERMISSIONS, isDeviceLevel, type Permission } from '../domain/permissions.ts';
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

type Channel = { number: number; name: string };

/** Channels grouped by device, each list in channel order. */
function groupChannels(rows: ReadonlyArray<{ device_id: string; number: number; name: string }>): Map<string, Channel[]> {
  const byDevice = new Map<string, Channel[]>();
  const unsorted = new Set<Channel[]>();
  for (const r of rows) {
    let list = byDevice.get(r.device_id);
    if (!list) byDevice.set(r.device_id, (list = []));
    else if (list[list.length - 1]!.number > r.number) unsorted.add(list);
    list.push({ number: r.number, name: r.name });
  }
  for (const list of unsorted) list.sort((a, b) => a.number - b.number);
  return byDevice;
}

const NO_CHANNELS: Channel[] = [];

function view(d: shares.HomeDeviceRow, channels: Channel[], capabilities: (text: string) => Capabilities): DeviceView {
  return {
    id: d.id,
    serial: d.serial,
    model: d.model,
    kind: d.kind,
    name: d.name,
    firmwareVersion: d.firmware_version,
    capabilities: capabilities(d.capabilities),
    supportsSharing: d.supports_sharing === 1,
    online: d.online === 1,
    lastSeenAt: d.last_seen_at,
    channels,
  };
}

/** Parses each distinct capabilities text once per list (most devices of a model share it). */
function capabilityParser(): (text: string) => Capabilities {
  const seen = new Map<string, Capabilities>();
  return (text) => {
    let c = seen.get(text);
    if (c === undefined) {
      c = JSON.parse(text) as Capabilities;
      seen.set(text, c);
    }
    return c;
  };
}

const CHANNEL_PERMISSIONS = (Object.keys(PERMISSIONS) as Permission[]).filter((p) => !isDeviceLevel(p));
const DEVICE_PERMISSIONS = (Object.keys(PERMISSIONS) as Permission[]).filter((p) => isDeviceLevel(p));

/**
 * Per channel, what the share allows at `at`, by the same decision every check uses (as `permissionsNow` of
 * the sharing service). One share is one grant whose answer differs between channels only by whether it covers
 * them, so the permissions are decided once and reused for every covered channel.
 */
function sharePermissionsNow(grant: Grant, deviceId: string, recipientId: string, channelCount: number, at: number): PermissionsNow[] {
  const facts: DeviceFacts = { deviceId, channelCount, ownerAccountId: null, holderOrgId: null, grants: [grant] };
  const principal = { accountId: recipientId, orgIds: [] };
  const out: PermissionsNow[] = [];
  let shared: Permission[] | null = null;
  for (let c = 1; c <= channelCount; c++) {
    if (grant.channels !== 'all' && !grant.channels.includes(c)) continue;
    shared ??= CHANNEL_PERMISSIONS.filter((p) => decideNow(facts, principal, deviceId, c, p, at).allowed);
    if (shared.length > 0) out.push({ channel: c, permissions: shared });
  }
  const deviceLevel = DEVICE_PERMISSIONS.filter((p) => decideNow(facts, principal, deviceId, null, p, at).allowed);
  if (deviceLevel.length > 0) out.push({ channel: null, permissions: deviceLevel });
  return out;
}

export async function homeList(ctx: ServiceContext, accountId: string): Promise<HomeItem[]> {
  const now = ctx.clock.now();
  const [owned, ownedChannels, received] = await Promise.all([
    shares.listHomeOwnedDevices(ctx.db, accountId),
    shares.listHomeOwnedChannels(ctx.db, accountId),
    shares.listReceivedShares(ctx.db, accountId),
  ]);
  const capabilities = capabilityParser();
  const channelsOfOwned = groupChannels(ownedChannels);
  const items: HomeItem[] = new Array(owned.length);
  for (let i = 0; i < owned.length; i++) {
    const d = owned[i]!;
    const item = view(d, channelsOfOwned.get(d.id) ?? NO_CHANNELS, capabilities) as HomeItem;
    item.access = 'owner';
    item.shareId = null;
    item.sharedBy = null;
    item.activeNow = true;
    item.changesAt = null;
    item.permissionsNow = null;
    items[i] = item;
  }
  if (received.length === 0) return items;
  // Joins by recipient rather than id lists: the cost stays flat however many devices are shared.
  const [devices, channels, owners] = await Promise.all([
    shares.listHomeReceivedDevices(ctx.db, accountId),
    shares.listHomeReceivedChannels(ctx.db, accountId),
    shares.listReceivedOwners(ctx.db, accountId),
  ]);
  const deviceById = new Map(devices.map((d) => [d.id, d]));
  const ownerById = new Map(owners.map((o) => [o.id, o]));
  const channelsOf = groupChannels(channels);
  for (const r of received) {
    const d = deviceById.get(r.device_id);
    if (!d) continue;
    const owner = ownerById.get(r.owner_account_id);
    const grant = shareToGrant(r);
    const item = view(d, channelsOf.get(d.id) ?? NO_CHANNELS, capabilities) as HomeItem;
    item.access = 'shared';
    item.shareId = r.id;
    item.sharedBy = owner ? { id: owner.id, displayName: owner.display_name } : null;
    item.activeNow = allowsAt(grant.validity, now);
    item.changesAt = nextChange(grant.validity, now);
    item.permissionsNow = sharePermissionsNow(grant, d.id, r.recipient_account_id, d.channel_count, now);
    items.push(item);
  }
  return items;
}
