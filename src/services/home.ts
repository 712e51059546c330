// The Home list: devices I own, then devices shared with me (marked, with who shared them and what I may do now).
// It is read on every app start, for people with thousands of devices, so it is produced as JSON text: the
// database writes each device's fields as JSON (two queries, whatever the number of devices), default channel
// lists are built once per channel count, and what a share allows now is decided once per distinct set of terms.
// The text has exactly the shape of the route's response schema (`HomeItem` in src/http/schemas/sharing.ts).
import type { DeviceView } from './devices.ts';
import * as shares from '../persistence/repositories/shares.ts';
import type { PermissionsNow } from './sharing.ts';
import type { ServiceContext } from './context.ts';
import { decideNow, type DeviceFacts, type Grant } from '../domain/access.ts';
import { defaultChannelName } from '../domain/devices.ts';
import { PERMISSIONS, isDeviceLevel, type Permission } from '../domain/permissions.ts';
import { allowsAt, nextChange } from '../domain/validity.ts';
import { shareToGrant } from '../persistence/repositories/grants.ts';
import type { SharesTable } from '../persistence/schema.ts';
import { invalidInput } from '../domain/errors.ts';

export interface HomeItem extends Omit<DeviceView, 'serial'> {
  /** null on a device shared with me: the serial is the owner's to know. */
  serial: string | null;
  access: 'owner' | 'shared';
  /** For shared devices: the share, who shared it, and what is allowed right now. */
  shareId: string | null;
  sharedBy: { id: string; displayName: string } | null;
  activeNow: boolean;
  changesAt: number | null;
  permissionsNow: PermissionsNow[] | null;
}

type Channel = { number: number; name: string };

const OWNED_TAIL =
  ',"access":"owner","shareId":null,"sharedBy":null,"activeNow":true,"changesAt":null,"permissionsNow":null}';

// Channel counts are few (1-4 for cameras, up to 256 for recorders): the default list of each is built once.
const defaultChannelsJson = new Map<number, string>();
const defaultCoveredJson = new Map<string, string>();

function channelList(count: number, renamed: Record<string, string> | null): Channel[] {
  const out: Channel[] = new Array(count);
  for (let n = 1; n <= count; n++) out[n - 1] = { number: n, name: renamed?.[n] ?? defaultChannelName(n) };
  return out;
}

/** The channels a share covers that the device has, in order (a recipient sees only these). */
function coveredChannels(count: number, covered: readonly number[], renamed: string | null): string {
  const names = renamed !== null && renamed !== '{}' ? (JSON.parse(renamed) as Record<string, string>) : null;
  const out: Channel[] = [];
  for (const n of [...new Set(covered)].sort((a, b) => a - b)) {
    if (n >= 1 && n <= count) out.push({ number: n, name: names?.[n] ?? defaultChannelName(n) });
  }
  return JSON.stringify(out);
}

/** The `channels` JSON of a device: 1..channel_count (the numbering every decision uses), renamed ones by name. */
function channelsJson(count: number, renamed: string | null, covered: 'all' | readonly number[] = 'all'): string {
  if (covered !== 'all') {
    if (renamed !== null && renamed !== '{}') return coveredChannels(count, covered, renamed);
    // Without renamed channels the list depends only on the count and the covered numbers: built once.
    const key = `${count}:${covered.join(',')}`;
    let json = defaultCoveredJson.get(key);
    if (json === undefined) {
      json = coveredChannels(count, covered, null);
      if (defaultCoveredJson.size < 10_000) defaultCoveredJson.set(key, json);
    }
    return json;
  }
  // SQLite's json_group_object gives "{}" for no rows, PostgreSQL's json_object_agg gives null.
  if (renamed !== null && renamed !== '{}')
    return JSON.stringify(channelList(count, JSON.parse(renamed) as Record<string, string>));
  let json = defaultChannelsJson.get(count);
  if (json === undefined) {
    json = JSON.stringify(channelList(count, null));
    if (count <= 256) defaultChannelsJson.set(count, json);
  }
  return json;
}

/**
 * The device's JSON object (closing brace dropped) followed by its channels: all of them for the owner, only
 * those the share covers for a recipient (whose device JSON already leaves out the owner-only fields).
 */
function deviceHead(d: shares.HomeDeviceJson, covered: 'all' | readonly number[] = 'all'): string {
  return `${d.json.slice(0, d.json.lastIndexOf('}'))},"channels":${channelsJson(d.channel_count, d.renamed, covered)}`;
}

const CHANNEL_PERMISSIONS = (Object.keys(PERMISSIONS) as Permission[]).filter((p) => !isDeviceLevel(p));
const DEVICE_PERMISSIONS = (Object.keys(PERMISSIONS) as Permission[]).filter((p) => isDeviceLevel(p));

/**
 * Per channel, what the share allows at `at`, by the same decision every check uses (as `permissionsNow` of
 * the sharing service). One share is one grant whose answer differs between channels only by whether it covers
 * them, so the permissions are decided once and reused for every covered channel.
 */
function sharePermissionsNow(
  grant: Grant,
  deviceId: string,
  recipientId: string,
  channelCount: number,
  at: number,
): PermissionsNow[] {
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

type Terms = [SharesTable['scope'], string, string, number | null, number | null, string | null, string];

/**
 * The access part of a shared device's item, from the share's terms alone: the decision does not depend on
 * which share or device it is (a grant with the same terms on a device with as many channels answers the same).
 */
function accessTail(
  termsText: string,
  channelCount: number,
  recipientId: string,
  at: number,
): { tail: string; covered: 'all' | readonly number[] } {
  const [scope, channels, permissions, validFrom, validUntil, schedule, timeZone] = JSON.parse(termsText) as Terms;
  const grant = shareToGrant({
    id: '',
    device_id: '',
    owner_account_id: '',
    recipient_account_id: recipientId,
    scope,
    channels,
    permissions,
    valid_from: validFrom,
    valid_until: validUntil,
    schedule,
    time_zone: timeZone,
    created_at: 0,
    updated_at: 0,
  });
  const now = sharePermissionsNow(grant, '', recipientId, channelCount, at);
  return {
    tail: `,"activeNow":${allowsAt(grant.validity, at)},"changesAt":${JSON.stringify(nextChange(grant.validity, at))},"permissionsNow":${JSON.stringify(now)}}`,
    covered: grant.channels,
  };
}

/** The Home list as the JSON text of `GET /api/devices`. */
export async function homeListJson(ctx: ServiceContext, accountId: string): Promise<string> {
  const now = ctx.clock.now();
  const [owned, received] = await Promise.all([
    shares.listHomeOwnedJson(ctx.db, accountId),
    shares.listHomeReceivedJson(ctx.db, accountId),
  ]);
  const parts: string[] = new Array(owned.length + received.length);
  let i = 0;
  for (const d of owned) parts[i++] = deviceHead(d) + OWNED_TAIL;
  const tails = new Map<string, ReturnType<typeof accessTail>>();
  const sharedBy = new Map<string, string>();
  for (const r of received) {
    const key = `${r.channel_count} ${r.terms}`;
    let access = tails.get(key);
    if (access === undefined) tails.set(key, (access = accessTail(r.terms, r.channel_count, accountId, now)));
    let by = sharedBy.get(r.owner_account_id);
    if (by === undefined) {
      by = r.owner_name === null ? 'null' : JSON.stringify({ id: r.owner_account_id, displayName: r.owner_name });
      sharedBy.set(r.owner_account_id, by);
    }
    parts[i++] =
      `${deviceHead(r, access.covered)},"access":"shared","shareId":${JSON.stringify(r.share_id)},"sharedBy":${by}` +
      access.tail;
  }
  return `[${parts.join(',')}]`;
}

/** The Home list as objects (for callers in the same process). */
export async function homeList(ctx: ServiceContext, accountId: string): Promise<HomeItem[]> {
  return JSON.parse(await homeListJson(ctx, accountId)) as HomeItem[];
}

/** A page of the Home list: `?limit` (1-200), `?cursor` from the previous page, and what narrows it. */
export interface HomePageQuery {
  limit: number;
  cursor?: string;
  /** owned: my devices only; shared: devices shared with me only; online: both, those the device link reports online. */
  filter?: 'owned' | 'shared' | 'online';
  siteId?: string;
  /** Part of the name or the serial (any case). */
  search?: string;
}

export const HOME_PAGE_DEFAULT = 50;
export const HOME_PAGE_MAX = 200;

type Cursor = { o: [string, string] } | { s: [number, string] };

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
    if ('o' in c && Array.isArray(c.o) && typeof c.o[0] === 'string' && typeof c.o[1] === 'string') return c;
    if ('s' in c && Array.isArray(c.s) && Number.isSafeInteger(c.s[0]) && typeof c.s[1] === 'string') return c;
  } catch {
    // fall through
  }
  throw invalidInput('This cursor is not one the device list gave out.', 'invalid_cursor', 'cursor');
}

/**
 * One page of the Home list in its stable order (my devices by name, then devices shared with me in the order
 * they were shared), as JSON text, and the cursor of the next page (null after the last). Reads at most
 * `limit` + 1 rows per part, through the indexes the whole list uses.
 */
export async function homePageJson(
  ctx: ServiceContext,
  accountId: string,
  query: HomePageQuery,
): Promise<{ body: string; next: string | null }> {
  const now = ctx.clock.now();
  const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
  const filter = {
    siteId: query.siteId,
    search: query.search === undefined || query.search.trim() === '' ? undefined : query.search.trim().toLowerCase(),
    online: query.filter === 'online',
  };
  const parts: string[] = [];
  let next: Cursor | null = null;
  const wantOwned = query.filter !== 'shared' && (cursor === null || 'o' in cursor);
  if (wantOwned) {
    const after = cursor && 'o' in cursor ? { name: cursor.o[0], id: cursor.o[1] } : null;
    const owned = await shares.pageHomeOwnedJson(ctx.db, accountId, after, query.limit + 1, filter);
    for (const d of owned.slice(0, query.limit)) parts.push(deviceHead(d) + OWNED_TAIL);
    if (owned.length > query.limit) {
      const last = owned[query.limit - 1]!;
      next = { o: [last.name, last.id] };
    }
  }
  const room = query.limit - parts.length;
  if (next === null && query.filter !== 'owned' && room > 0) {
    const after = cursor && 's' in cursor ? { createdAt: cursor.s[0], shareId: cursor.s[1] } : null;
    const received = await shares.pageHomeReceivedJson(ctx.db, accountId, after, room + 1, filter);
    const tails = new Map<string, ReturnType<typeof accessTail>>();
    const sharedBy = new Map<string, string>();
    for (const r of received.slice(0, room)) {
      const key = `${r.channel_count} ${r.terms}`;
      let access = tails.get(key);
      if (access === undefined) tails.set(key, (access = accessTail(r.terms, r.channel_count, accountId, now)));
      let by = sharedBy.get(r.owner_account_id);
      if (by === undefined) {
        by = r.owner_name === null ? 'null' : JSON.stringify({ id: r.owner_account_id, displayName: r.owner_name });
        sharedBy.set(r.owner_account_id, by);
      }
      parts.push(
        `${deviceHead(r, access.covered)},"access":"shared","shareId":${JSON.stringify(r.share_id)},"sharedBy":${by}` +
          access.tail,
      );
    }
    if (received.length > room) {
      const last = received[room - 1]!;
      next = { s: [last.created_at, last.share_id] };
    }
  } else if (next === null && query.filter !== 'owned' && room === 0 && wantOwned) {
    // The page ended exactly with my last device: shared ones follow if there are any.
    const first = await shares.pageHomeReceivedJson(ctx.db, accountId, null, 1, filter);
    if (first.length > 0) next = { s: [Number.MIN_SAFE_INTEGER, ''] };
  }
  return { body: `[${parts.join(',')}]`, next: next === null ? null : encodeCursor(next) };
}
