// The same world and checks for Cedar (@cedar-policy/cedar-wasm, AWS's policy language, evaluated by its Rust
// authorizer compiled to WebAssembly), written as a Cedar user would: one static policy per ownership, holding,
// share and authorization permission, scoped to the device (`resource == Device::"…"`), the person
// (`principal == User::"…"`) or the organization (`principal in Org::"…"`, the person's organizations are their
// parents in the request's entities), with `when` conditions on the channel and the time.
//
// Schedules: Cedar has no weekday or time-zone functions (its `datetime` extension counts UTC instants and
// durations), so a weekly schedule in a time zone cannot be written in a policy. As for CASL, the application
// computes which of the world's schedules are open at the requested instant (Keyholder's schedule code) and passes
// them in the context; a scheduled policy requires `context.open.contains(i)`.
//
// An application would not hand Cedar one policy set of the whole world (every check would evaluate every policy's
// scope): the policies are grouped per device and each device's set is parsed once (`preparsePolicySet`) when a
// check first needs it, then authorized with `statefulIsAuthorized`. Parsing is counted apart from the checks.
import { preparsePolicySet, statefulIsAuthorized, type Entities } from '@cedar-policy/cedar-wasm/nodejs';
import { inSchedule, type CompiledSchedule, type Validity } from '../src/domain/validity.ts';
import type { Check, World } from './world.ts';

export interface Cedar {
  can(c: Check): boolean;
  /** Parses the device's policy set if no check needed it yet. */
  prepare(deviceId: string): void;
  policySetsParsed(): number;
  policiesParsed(): number;
}

const q = (s: string) => JSON.stringify(s);

function timeCondition(v: Validity, schedules: CompiledSchedule[]): string[] {
  const out: string[] = [];
  if (v.from !== null) out.push(`context.at >= ${v.from}`);
  if (v.until !== null) out.push(`context.at < ${v.until}`);
  if (v.schedule !== null) {
    let i = schedules.indexOf(v.schedule);
    if (i < 0) i = schedules.push(v.schedule) - 1;
    out.push(`context.open.contains(${i})`);
  }
  return out;
}

export function cedarFor(world: World): Cedar {
  const schedules: CompiledSchedule[] = [];
  const parsed = new Set<string>();
  let policies = 0;

  function policyText(deviceId: string): string {
    const f = world.devices.get(deviceId)!;
    const dev = `Device::${q(deviceId)}`;
    const lines: string[] = [];
    if (f.ownerAccountId) lines.push(`permit(principal == User::${q(f.ownerAccountId)}, action, resource == ${dev});`);
    if (f.holderOrgId) lines.push(`permit(principal in Org::${q(f.holderOrgId)}, action, resource == ${dev});`);
    for (const g of f.grants) {
      const who =
        g.subject.type === 'account' ? `principal == User::${q(g.subject.id)}` : `principal in Org::${q(g.subject.id)}`;
      const channel =
        g.channels === 'all' ? [] : [`context has channel && [${g.channels.join(', ')}].contains(context.channel)`];
      if (g.source === 'share') {
        const actions = g.permissions.map((gp) => `Action::${q(gp.permission)}`).join(', ');
        const when = [...channel, ...timeCondition(g.validity, schedules)];
        lines.push(
          `permit(${who}, action in [${actions}], resource == ${dev})${when.length ? ` when { ${when.join(' && ')} }` : ''};`,
        );
      } else {
        for (const gp of g.permissions) {
          const when = [...channel, ...timeCondition(gp.validity ?? g.validity, schedules)];
          lines.push(
            `permit(${who}, action == Action::${q(gp.permission)}, resource == ${dev})${when.length ? ` when { ${when.join(' && ')} }` : ''};`,
          );
        }
      }
    }
    policies += lines.length;
    return lines.join('\n');
  }

  function prepare(deviceId: string): void {
    if (parsed.has(deviceId)) return;
    const answer = preparsePolicySet(deviceId, { staticPolicies: policyText(deviceId) });
    if (answer.type !== 'success')
      throw new Error(`Cedar refused the policies of ${deviceId}: ${JSON.stringify(answer)}`);
    parsed.add(deviceId);
  }

  return {
    can(c) {
      prepare(c.deviceId);
      const open: number[] = [];
      for (let i = 0; i < schedules.length; i++) if (inSchedule(schedules[i]!, c.at)) open.push(i);
      const context: Record<string, number | number[]> = { at: c.at, open };
      if (c.channel !== null) context.channel = c.channel;
      const entities: Entities = [
        {
          uid: { type: 'User', id: c.accountId },
          attrs: {},
          parents: world.principals.get(c.accountId)!.orgIds.map((o) => ({ type: 'Org', id: o })),
        },
      ];
      const answer = statefulIsAuthorized({
        principal: { type: 'User', id: c.accountId },
        action: { type: 'Action', id: c.permission },
        resource: { type: 'Device', id: c.deviceId },
        context,
        preparsedPolicySetId: c.deviceId,
        entities,
      });
      if (answer.type !== 'success') throw new Error(`Cedar failed on ${JSON.stringify(c)}: ${JSON.stringify(answer)}`);
      return answer.response.decision === 'allow';
    },
    prepare,
    policySetsParsed: () => parsed.size,
    policiesParsed: () => policies,
  };
}
