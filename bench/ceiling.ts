// The ceiling for an in-memory check, written independently of the engine: the world in flat typed arrays
// (devices and accounts interned to integers beforehand, grants of a device contiguous, channels as a 32-bit mask,
// permissions as a bit mask, validity bounds as numbers, schedules by index), and a check that receives integer ids
// and answers only yes or no — no string look-up, no reason, no bookkeeping, no change tracking. What no real
// engine can beat on this machine; the engine's fraction of it is printed.
import { PERMISSION_NAMES } from '../src/domain/permissions.ts';
import { inSchedule, type CompiledSchedule } from '../src/domain/validity.ts';
import type { Check, World } from './world.ts';

export interface IntCheck {
  a: number;
  d: number;
  /** 0 = no channel */
  ch: number;
  perm: number;
  at: number;
}

export interface Ceiling {
  toInts(c: Check): IntCheck;
  can(c: IntCheck): boolean;
}

export function ceilingFor(world: World): Ceiling {
  const accounts = new Map<string, number>();
  world.accountIds.forEach((a, i) => accounts.set(a, i));
  const orgs = new Map<string, number>();
  [...world.orgMembers.keys()].forEach((o, i) => orgs.set(o, i + 1));
  const devices = new Map<string, number>();
  world.deviceIds.forEach((d, i) => devices.set(d, i));
  const permBit = new Map(PERMISSION_NAMES.map((p, i) => [p, 1 << i]));

  // Organizations of each account (CSR).
  const orgStart = new Int32Array(world.accountIds.length + 1);
  const orgList: number[] = [];
  world.accountIds.forEach((a, i) => {
    orgStart[i] = orgList.length;
    for (const o of world.principals.get(a)!.orgIds) orgList.push(orgs.get(o)!);
  });
  orgStart[world.accountIds.length] = orgList.length;
  const orgOf = Int32Array.from(orgList);

  const n = world.deviceIds.length;
  const owner = new Int32Array(n).fill(-1);
  const holder = new Int32Array(n);
  const grantStart = new Int32Array(n + 1);
  const schedules: CompiledSchedule[] = [];
  const gSubject: number[] = []; // account index, or -(org number) for an organization
  const gChannels: number[] = []; // bit c-1 for channel c; -1 = every channel and device-level permissions
  const gPerms: number[] = [];
  const gFrom: number[] = [];
  const gUntil: number[] = [];
  const gSched: number[] = [];
  world.deviceIds.forEach((id, d) => {
    const f = world.devices.get(id)!;
    owner[d] = f.ownerAccountId === null ? -1 : accounts.get(f.ownerAccountId)!;
    holder[d] = f.holderOrgId === null ? 0 : orgs.get(f.holderOrgId)!;
    grantStart[d] = gSubject.length;
    for (const g of f.grants) {
      const subject = g.subject.type === 'account' ? accounts.get(g.subject.id)! : -orgs.get(g.subject.id)!;
      const channels = g.channels === 'all' ? -1 : g.channels.reduce((m, c) => m | (1 << (c - 1)), 0);
      const byValidity = new Map<(typeof g)['validity'], number>();
      for (const gp of g.permissions) {
        const v = gp.validity ?? g.validity;
        byValidity.set(v, (byValidity.get(v) ?? 0) | permBit.get(gp.permission)!);
      }
      for (const [v, perms] of byValidity) {
        gSubject.push(subject);
        gChannels.push(channels);
        gPerms.push(perms);
        gFrom.push(v.from ?? -Infinity);
        gUntil.push(v.until ?? Infinity);
        let s = -1;
        if (v.schedule !== null) {
          s = schedules.indexOf(v.schedule);
          if (s < 0) s = schedules.push(v.schedule) - 1;
        }
        gSched.push(s);
      }
    }
  });
  grantStart[n] = gSubject.length;
  const subject = Int32Array.from(gSubject);
  const chans = Int32Array.from(gChannels);
  const perms = Int32Array.from(gPerms);
  const from = Float64Array.from(gFrom);
  const until = Float64Array.from(gUntil);
  const sched = Int8Array.from(gSched);

  const memberOf = (a: number, org: number) => {
    for (let i = orgStart[a]!; i < orgStart[a + 1]!; i++) if (orgOf[i] === org) return true;
    return false;
  };

  return {
    toInts: (c) => ({
      a: accounts.get(c.accountId)!,
      d: devices.get(c.deviceId)!,
      ch: c.channel ?? 0,
      perm: permBit.get(c.permission)!,
      at: c.at,
    }),
    can({ a, d, ch, perm, at }) {
      if (owner[d] === a) return true;
      if (holder[d] !== 0 && memberOf(a, holder[d]!)) return true;
      for (let i = grantStart[d]!; i < grantStart[d + 1]!; i++) {
        const s = subject[i]!;
        if (s >= 0 ? s !== a : !memberOf(a, -s)) continue;
        const c = chans[i]!;
        if (c !== -1 && (ch === 0 || (c & (1 << (ch - 1))) === 0)) continue;
        if ((perms[i]! & perm) === 0 || at < from[i]! || at >= until[i]!) continue;
        if (sched[i]! >= 0 && !inSchedule(schedules[sched[i]!]!, at)) continue;
        return true;
      }
      return false;
    },
  };
}
