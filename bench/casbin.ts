// The same world expressed for node-casbin: one policy line per ownership, holding and grant, organizations as
// roles, channel lists, permission lists and validities (incl. schedules) as custom matcher functions.
import { newEnforcer, newModelFromString, StringAdapter, type Enforcer } from 'casbin';
import { allowsAt, type Validity } from '../src/domain/validity.ts';
import type { Check, World } from './world.ts';

export const CASBIN_MODEL = `
[request_definition]
r = sub, dev, ch, act, at

[policy_definition]
p = sub, dev, ch, act, vid

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.dev == p.dev && g(r.sub, p.sub) && inList(r.ch, p.ch) && inList(r.act, p.act) && validAt(p.vid, r.at)
`;

export async function casbinEnforcer(world: World): Promise<Enforcer> {
  const validities: Validity[] = [];
  const lines: string[] = [];
  for (const f of world.devices.values()) {
    if (f.ownerAccountId) lines.push(`p, ${f.ownerAccountId}, ${f.deviceId}, *, *, -`);
    if (f.holderOrgId) lines.push(`p, ${f.holderOrgId}, ${f.deviceId}, *, *, -`);
    for (const g of f.grants) {
      const ch = g.channels === 'all' ? '*' : g.channels.join('|');
      for (const gp of g.permissions) {
        validities.push(gp.validity ?? g.validity);
        lines.push(`p, ${g.subject.id}, ${f.deviceId}, ${ch}, ${gp.permission}, ${validities.length - 1}`);
      }
    }
  }
  for (const [org, members] of world.orgMembers) for (const m of new Set(members)) lines.push(`g, ${m}, ${org}`);
  const e = await newEnforcer(newModelFromString(CASBIN_MODEL), new StringAdapter(lines.join('\n')));
  // "-" for a device-level request (no channel): only whole-device grants ("*") cover it, as in decide().
  e.addFunction('inList', (value: string, list: string) => list === '*' || (value !== '-' && list.split('|').includes(String(value))));
  e.addFunction('validAt', (vid: string, at: number) => vid === '-' || allowsAt(validities[Number(vid)]!, Number(at)));
  return e;
}

export function casbinRequest(c: Check): [string, string, string, string, number] {
  return [c.accountId, c.deviceId, c.channel === null ? '-' : String(c.channel), c.permission, c.at];
}
