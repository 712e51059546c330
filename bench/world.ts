// A synthetic world for the benchmarks: accounts owning cameras and 4-32 channel recorders, shares with channel
// scopes, time windows and weekly schedules, installer organizations with members and per-permission
// authorizations. Deterministic for a seed, so two runs compare.
import type { DeviceFacts, Grant, GrantedPermission, AccessPrincipal } from '../src/domain/access.ts';
import { PERMISSION_NAMES, isDeviceLevel, type Permission } from '../src/domain/permissions.ts';
import { PERMANENT, compileSchedule, type ScheduleSpec, type Validity } from '../src/domain/validity.ts';
import { sharePermissions } from '../src/persistence/repositories/grants.ts';

/** Small fast PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const BASE_TIME = Date.UTC(2026, 10, 23, 9, 0, 0);
const DAY = 86_400_000;

export interface World {
  devices: Map<string, DeviceFacts>;
  principals: Map<string, AccessPrincipal>;
  accountIds: string[];
  orgMembers: Map<string, string[]>;
  deviceIds: string[];
  grants: number;
}

export interface Check {
  accountId: string;
  deviceId: string;
  channel: number | null;
  permission: Permission;
  at: number;
}

const SCHEDULE_SPECS: Array<[ScheduleSpec, string]> = [
  [{ windows: [{ days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' }] }, 'Europe/Dublin'],
  [{ windows: [{ days: [0, 6], from: '00:00', to: '24:00' }] }, 'America/New_York'],
  [{ windows: [{ days: [5], from: '22:00', to: '06:00' }] }, 'Asia/Tokyo'],
];
const SCHEDULES = SCHEDULE_SPECS.map(([spec, tz]) => compileSchedule(spec, tz));

/** The world's schedules with their stored form as one text (time zone, a space, the schedule's JSON). */
export function worldSchedules(): Array<{ schedule: (typeof SCHEDULES)[number]; key: string }> {
  return SCHEDULES.map((schedule, i) => ({
    schedule,
    key: `${SCHEDULE_SPECS[i]![1]} ${JSON.stringify(SCHEDULE_SPECS[i]![0])}`,
  }));
}

/** The stored form (JSON text and time zone) of a compiled schedule of this world, for writing it to a database. */
export function storedSchedule(schedule: object): { json: string; timeZone: string } {
  const i = SCHEDULES.indexOf(schedule as (typeof SCHEDULES)[number]);
  if (i < 0) throw new Error('not a schedule of the benchmark world');
  return { json: JSON.stringify(SCHEDULE_SPECS[i]![0]), timeZone: SCHEDULE_SPECS[i]![1] };
}

function validityFor(r: () => number): Validity {
  const x = r();
  if (x < 0.55) return PERMANENT;
  if (x < 0.75)
    return {
      from: BASE_TIME - Math.floor(r() * 30) * DAY,
      until: BASE_TIME + Math.floor(r() * 14 - 4) * DAY,
      schedule: null,
    };
  if (x < 0.9) return { from: null, until: null, schedule: SCHEDULES[Math.floor(r() * SCHEDULES.length)]! };
  return { from: BASE_TIME - DAY, until: BASE_TIME + 7 * DAY, schedule: SCHEDULES[0]! };
}

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

const CHANNEL_PERMS = PERMISSION_NAMES.filter((p) => !isDeviceLevel(p));

/** An id as `newId` mints it (a prefix and 16 random bytes in base64url), drawn from `r` so worlds repeat. */
function mintedId(r: () => number, prefix: string): string {
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) bytes[i] = Math.floor(r() * 256);
  // Through a Buffer: a flat string, as the database driver and JSON.parse give (a template literal of this
  // length is a rope, which V8 reads through one more pointer).
  return Buffer.from(`${prefix}_${bytes.toString('base64url')}`, 'latin1').toString('latin1');
}

/**
 * A grant's source id in the minted form, made from numbers (drawing it from the random stream would change every
 * world): what the store packs into 16 bytes, as it does the ids `newId` mints.
 */
function sourceIdOf(prefix: string, device: number, n: number): string {
  const bytes = Buffer.alloc(16, 0x5a);
  bytes.writeUInt32BE(device, 0);
  bytes.writeUInt32BE(n, 4);
  return Buffer.from(`${prefix}_${bytes.toString('base64url')}`, 'latin1').toString('latin1');
}

export function generateWorld(deviceCount: number, seed = 42): World {
  const r = rng(seed);
  const accountCount = Math.max(10, Math.floor(deviceCount / 4));
  const accountIds = Array.from({ length: accountCount }, () => mintedId(r, 'acc'));
  const orgCount = Math.max(2, Math.floor(deviceCount / 2000));
  const orgMembers = new Map<string, string[]>();
  const memberships = new Map<string, string[]>();
  for (let o = 0; o < orgCount; o++) {
    const org = mintedId(r, 'org');
    const members = [pick(r, accountIds), pick(r, accountIds), pick(r, accountIds)];
    orgMembers.set(org, members);
    for (const m of members) memberships.set(m, [...(memberships.get(m) ?? []), org]);
  }
  const orgIds = [...orgMembers.keys()];
  const devices = new Map<string, DeviceFacts>();
  const deviceIds: string[] = [];
  let grants = 0;
  for (let d = 0; d < deviceCount; d++) {
    const id = mintedId(r, 'dev');
    const recorder = r() < 0.3;
    const channelCount = recorder ? pick(r, [4, 8, 16, 32]) : 1;
    const held = r() < 0.02;
    const owner = held ? null : pick(r, accountIds);
    const list: Grant[] = [];
    const shareCount = held ? 0 : r() < 0.4 ? 1 + Math.floor(r() * 3) : 0;
    for (let s = 0; s < shareCount; s++) {
      let recipient = pick(r, accountIds);
      if (recipient === owner) recipient = accountIds[(accountIds.indexOf(recipient) + 1) % accountIds.length]!;
      const scoped = recorder && r() < 0.6;
      const channels = scoped
        ? [...new Set(Array.from({ length: 1 + Math.floor(r() * 4) }, () => 1 + Math.floor(r() * channelCount)))].sort(
            (a, b) => a - b,
          )
        : 'all';
      const perms = new Set<Permission>(['live_view']);
      for (const p of PERMISSION_NAMES) if (r() < 0.3) perms.add(p);
      list.push({
        source: 'share',
        sourceId: sourceIdOf('shr', d, s),
        subject: { type: 'account', id: recipient },
        channels,
        // As the repository builds them: one shared list per distinct permission set.
        permissions: sharePermissions(JSON.stringify(PERMISSION_NAMES.filter((p) => perms.has(p)))),
        validity: validityFor(r),
      });
    }
    if (!held && r() < 0.1) {
      const perms: GrantedPermission[] = [];
      for (const p of ['live_view', 'playback', 'configuration'] as Permission[]) {
        if (r() < 0.6)
          perms.push({
            permission: p,
            validity:
              r() < 0.5
                ? PERMANENT
                : { from: null, until: BASE_TIME + Math.floor(r() * 8 - 2) * 3_600_000, schedule: null },
          });
      }
      list.push({
        source: 'authorization',
        sourceId: sourceIdOf('auz', d, 0),
        subject: { type: 'org', id: pick(r, orgIds) },
        channels: 'all',
        permissions: perms,
        validity: PERMANENT,
      });
    }
    grants += list.length + 1;
    devices.set(id, {
      deviceId: id,
      channelCount,
      ownerAccountId: owner,
      holderOrgId: held ? pick(r, orgIds) : null,
      grants: list,
    });
    deviceIds.push(id);
  }
  const principals = new Map<string, AccessPrincipal>();
  for (const a of accountIds) principals.set(a, { accountId: a, orgIds: memberships.get(a) ?? [] });
  return { devices, principals, accountIds, orgMembers, deviceIds, grants };
}

/**
 * An id as a check receives it: its own string, parsed from the request just before (here: made in the order the
 * checks run), not the world's string object, whose hash V8 has cached and which a Map compares by pointer.
 */
function asReceived(id: string): string {
  return Buffer.from(id, 'latin1').toString('latin1');
}

/** A device's facts with every id a string of its own, as a database read gives them. */
export function freshFacts(f: DeviceFacts): DeviceFacts {
  const own = (id: string | null) => (id === null ? null : asReceived(id));
  return {
    ...f,
    deviceId: asReceived(f.deviceId),
    ownerAccountId: own(f.ownerAccountId),
    holderOrgId: own(f.holderOrgId),
    grants: f.grants.map((g) => ({
      ...g,
      sourceId: asReceived(g.sourceId),
      subject: { ...g.subject, id: asReceived(g.subject.id) },
    })),
  };
}

export function freshPrincipal(p: AccessPrincipal): AccessPrincipal {
  return { accountId: asReceived(p.accountId), orgIds: p.orgIds.map(asReceived) };
}

/**
 * Random checks: about half ask about someone with a grant on the device, the rest a stranger. Devices are drawn
 * from the whole world, or from a random subset of `workingSet` devices (the busy part of a large installation).
 */
export function sampleChecks(world: World, n: number, seed = 7, workingSet?: number): Check[] {
  const r = rng(seed);
  let ids = world.deviceIds;
  if (workingSet !== undefined && workingSet < ids.length)
    ids = Array.from({ length: workingSet }, () => pick(r, world.deviceIds));
  const out: Check[] = [];
  for (let i = 0; i < n; i++) {
    const facts = world.devices.get(pick(r, ids))!;
    let accountId: string;
    const x = r();
    if (x < 0.25 && facts.ownerAccountId) accountId = facts.ownerAccountId;
    else if (x < 0.7 && facts.grants.length > 0) {
      const g = pick(r, facts.grants);
      accountId = g.subject.type === 'account' ? g.subject.id : pick(r, world.orgMembers.get(g.subject.id)!);
    } else if (x < 0.75 && facts.holderOrgId) accountId = pick(r, world.orgMembers.get(facts.holderOrgId)!);
    else accountId = pick(r, world.accountIds);
    const permission = r() < 0.12 ? 'configuration' : pick(r, CHANNEL_PERMS);
    const channel = permission === 'configuration' ? null : 1 + Math.floor(r() * facts.channelCount);
    out.push({
      accountId: asReceived(accountId),
      deviceId: asReceived(facts.deviceId),
      channel,
      permission,
      at: BASE_TIME + Math.floor(r() * 7 * DAY),
    });
  }
  return out;
}
