// The same world and checks for CASL (@casl/ability), the most used TypeScript authorization library, as an
// application would use it: one ability per person, built from the rules of every grant that reaches them
// (ownership = "manage" the device, shares, their organizations' holdings and authorizations), with conditions on
// the device id, the channel and the time. CASL's conditions (MongoDB query syntax) cannot express a weekly
// schedule in a time zone: the subject carries which of the world's schedules are open at the requested instant
// (computed with Keyholder's schedule code), and a scheduled rule requires its schedule to be among them.
import { createMongoAbility, subject, type AnyMongoAbility, type MongoAbility, type RawRuleOf } from '@casl/ability';
import { inSchedule, type CompiledSchedule } from '../src/domain/validity.ts';
import type { Check, World } from './world.ts';

type Rule = RawRuleOf<MongoAbility>;

export interface Casl {
  can(c: Check): boolean;
  abilitiesBuilt(): number;
}

export function caslFor(world: World): Casl {
  const schedules: CompiledSchedule[] = [];
  const rulesOf = new Map<string, Rule[]>();
  const add = (account: string, rule: Rule) => {
    let list = rulesOf.get(account);
    if (!list) rulesOf.set(account, (list = []));
    list.push(rule);
  };
  for (const f of world.devices.values()) {
    const holders = f.holderOrgId ? (world.orgMembers.get(f.holderOrgId) ?? []) : [];
    if (f.ownerAccountId)
      add(f.ownerAccountId, { action: 'manage', subject: 'Device', conditions: { id: f.deviceId } });
    for (const m of holders) add(m, { action: 'manage', subject: 'Device', conditions: { id: f.deviceId } });
    for (const g of f.grants) {
      const who = g.subject.type === 'account' ? [g.subject.id] : (world.orgMembers.get(g.subject.id) ?? []);
      for (const gp of g.permissions) {
        const v = gp.validity ?? g.validity;
        const conditions: Record<string, unknown> = { id: f.deviceId };
        if (g.channels !== 'all') conditions.channel = { $in: g.channels };
        if (v.from !== null || v.until !== null)
          conditions.at = {
            ...(v.from !== null ? { $gte: v.from } : {}),
            ...(v.until !== null ? { $lt: v.until } : {}),
          };
        if (v.schedule !== null) {
          let i = schedules.indexOf(v.schedule);
          if (i < 0) i = schedules.push(v.schedule) - 1;
          conditions.open = { $in: [i] };
        }
        for (const m of new Set(who)) add(m, { action: gp.permission, subject: 'Device', conditions });
      }
    }
  }
  const abilities = new Map<string, AnyMongoAbility>();
  return {
    can(c) {
      let ability = abilities.get(c.accountId);
      if (ability === undefined) {
        ability = createMongoAbility(rulesOf.get(c.accountId) ?? []);
        abilities.set(c.accountId, ability);
      }
      const open: number[] = [];
      for (let i = 0; i < schedules.length; i++) if (inSchedule(schedules[i]!, c.at)) open.push(i);
      return ability.can(
        c.permission,
        subject('Device', { id: c.deviceId, channel: c.channel === null ? '-' : c.channel, at: c.at, open }),
      );
    },
    abilitiesBuilt: () => abilities.size,
  };
}
