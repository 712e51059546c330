// "Who can see the camera that sees me?": for a person with access to a device, everyone else who can watch
// (live or recorded) at least one of the channels that person can watch. Pure; the owner's switch and the names
// are the service's (src/services/household.ts). Documented in docs/sharing.md ("People on this camera").
import type { AccessPrincipal, DeviceFacts } from './access.ts';
import { accessOf } from './access-diff.ts';
import type { Permission } from './permissions.ts';

/** What "seeing" a channel means here: watching it live or its recordings. */
export const SEEING: readonly Permission[] = ['live_view', 'playback'];

export type HouseholdRelation = 'owner' | 'holder' | 'grant' | null;

export interface HouseholdMember {
  subject: { type: 'account' | 'org'; id: string };
  /** owner, installer (holding organization or authorization), recipient (share), or a grant's own source. */
  kind: string;
  permissions: Permission[];
  /** The channels both this member and the viewer can see. */
  channels: number[];
}

export interface Household {
  relation: HouseholdRelation;
  /** The channels the viewer can see (live or recorded), in order. */
  channels: number[];
  members: HouseholdMember[];
}

const KIND_OF_SOURCE: Record<string, string> = { share: 'recipient', authorization: 'installer' };

/**
 * The viewer's relation to the device and, for someone with a relation, who else sees what they see. Grants that
 * have ended do not count (someone whose grants all ended has no relation); grants not yet started or outside their schedule do: those
 * people can see the channel at other times.
 */
export function householdOf(facts: DeviceFacts, viewer: AccessPrincipal, at: number): Household {
  const access = accessOf(facts, at);
  const mine = (type: 'account' | 'org', id: string) =>
    (type === 'account' && id === viewer.accountId) || (type === 'org' && viewer.orgIds.includes(id));
  const seen = new Set<number>();
  let relation: HouseholdRelation = null;
  for (const e of access.values()) {
    if (!mine(e.subject.type, e.subject.id)) continue;
    if (e.roles.has('owner')) relation = 'owner';
    else if (e.roles.has('holder') && relation !== 'owner') relation = 'holder';
    else relation ??= 'grant';
    for (const p of SEEING) for (const c of e.permissions.get(p)?.channels ?? []) seen.add(c);
  }
  const kinds = new Map<string, string>();
  for (const g of facts.grants) {
    const k = `${g.subject.type}:${g.subject.id}`;
    if (!kinds.has(k)) kinds.set(k, KIND_OF_SOURCE[g.source] ?? g.source);
  }
  const members: HouseholdMember[] = [];
  for (const [k, e] of access) {
    if (mine(e.subject.type, e.subject.id)) continue;
    const permissions: Permission[] = [];
    const channels = new Set<number>();
    for (const p of SEEING) {
      const overlap = [...(e.permissions.get(p)?.channels ?? [])].filter((c) => seen.has(c));
      if (overlap.length > 0) {
        permissions.push(p);
        for (const c of overlap) channels.add(c);
      }
    }
    if (permissions.length === 0) continue;
    const kind = e.roles.has('owner') ? 'owner' : e.roles.has('holder') ? 'installer' : (kinds.get(k) ?? 'recipient');
    members.push({ subject: e.subject, kind, permissions, channels: [...channels].sort((a, b) => a - b) });
  }
  return { relation, channels: [...seen].sort((a, b) => a - b), members };
}
