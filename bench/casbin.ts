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

/**
 * The world as a casbin enforcer. Policy rows are handed to the model in one go (casbin's own string adapter
 * parses every line as CSV, which alone took ~10 s at 100k devices); role links go through the adapter.
 */
export async function casbinEnforcer(world: World): Promise<Enforcer> {
  const validities: Validity[] = [];
  const rows: string[][] = [];
  for (const f of world.devices.values()) {
    if (f.ownerAccountId) rows.push([f.ownerAccountId, f.deviceId, '*', '*', '-']);
    if (f.holderOrgId) rows.push([f.holderOrgId, f.deviceId, '*', '*', '-']);
    for (const g of f.grants) {
      const ch = g.channels === 'all' ? '*' : g.channels.join('|');
      for (const gp of g.permissions) {
        validities.push(gp.validity ?? g.validity);
        rows.push([g.subject.id, f.deviceId, ch, gp.permission, String(validities.length - 1)]);
      }
    }
  }
  const roles: string[] = [];
  for (const [org, members] of world.orgMembers) for (const m of new Set(members)) roles.push(`g, ${m}, ${org}`);
  const e = await newEnforcer(newModelFromString(CASBIN_MODEL), new StringAdapter(roles.join('\n')));
  const p = e.getModel().model.get('p')?.get('p');
  if (!p) throw new Error('casbin model has no policy section "p"');
  p.policy = rows;
  // "-" for a device-level request (no channel): only whole-device grants ("*") cover it, as in decide().
  await e.addFunction(
    'inList',
    (value: string, list: string) => list === '*' || (value !== '-' && list.split('|').includes(String(value))),
  );
  await e.addFunction(
    'validAt',
    (vid: string, at: number) => vid === '-' || allowsAt(validities[Number(vid)]!, Number(at)),
  );
  return e;
}

/** How many policy lines the enforcer holds (for the report). */
export function casbinPolicyCount(e: Enforcer): number {
  return e.getModel().model.get('p')?.get('p')?.policy.length ?? 0;
}

export function casbinRequest(c: Check): [string, string, string, string, number] {
  return [c.accountId, c.deviceId, c.channel === null ? '-' : String(c.channel), c.permission, c.at];
}
