// People on this camera: the owner's per-device switches (people with access see each other; refused attempts
// are told to the owner) and the screen that answers "who can see the camera that sees me?".
import { householdOf, type HouseholdMember } from '../domain/household.ts';
import { forbidden, notFound } from '../domain/errors.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import type { Executor } from '../persistence/db.ts';
import { transact, type ServiceContext } from './context.ts';
import { requireDeviceOwner } from './guards.ts';

export interface VisibilitySettings {
  /** People with access to the device see who else can see the channels they see. */
  householdVisible: boolean;
  /** The owner is told (inbox, push; at most hourly) when someone with access is refused. */
  notifyDenied: boolean;
}

async function settingsOf(db: Executor, deviceId: string): Promise<VisibilitySettings> {
  const row = await db
    .selectFrom('device_visibility')
    .select(['household_visible', 'notify_denied'])
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  return { householdVisible: row?.household_visible === 1, notifyDenied: row?.notify_denied === 1 };
}

export async function getVisibility(ctx: ServiceContext, actorId: string, deviceId: string) {
  await requireDeviceOwner(ctx.db, actorId, deviceId);
  return settingsOf(ctx.db, deviceId);
}

/** Owner only: these switches decide what other people learn about each other. */
export function setVisibility(
  ctx: ServiceContext,
  actorId: string,
  deviceId: string,
  patch: Partial<VisibilitySettings>,
): Promise<VisibilitySettings> {
  return transact(ctx, async (tx) => {
    await requireDeviceOwner(tx.db, actorId, deviceId);
    const before = await settingsOf(tx.db, deviceId);
    const after: VisibilitySettings = {
      householdVisible: patch.householdVisible ?? before.householdVisible,
      notifyDenied: patch.notifyDenied ?? before.notifyDenied,
    };
    const values = {
      household_visible: after.householdVisible ? 1 : 0,
      notify_denied: after.notifyDenied ? 1 : 0,
      updated_at: tx.now,
    };
    await tx.db
      .insertInto('device_visibility')
      .values({ device_id: deviceId, denied_notified_at: null, ...values })
      .onConflict((oc) => oc.column('device_id').doUpdateSet(values))
      .execute();
    if (before.householdVisible !== after.householdVisible || before.notifyDenied !== after.notifyDenied) {
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: actorId,
        action: 'device.visibility_changed',
        deviceId,
        objectType: 'device',
        objectId: deviceId,
        before,
        after,
      });
    }
    return after;
  });
}

export interface HouseholdView {
  device: { id: string; name: string };
  /** The channels the caller can see (live or recorded). */
  channels: Array<{ number: number; name: string }>;
  /** Everyone else who can see at least one of those channels: names only. */
  people: Array<{ name: string; kind: string; permissions: string[]; channels: number[] }>;
}

/**
 * Who else can see what the caller can see on the device. Someone with no access gets the 404 of a device that
 * does not exist; someone with access, while the owner has not turned this on, a 403 saying so.
 */
export async function household(ctx: ServiceContext, actorId: string, deviceId: string): Promise<HouseholdView> {
  const [facts, principal] = await Promise.all([ctx.access.factsFor(deviceId), ctx.access.principalFor(actorId)]);
  if (!facts) throw notFound('No such device.', 'device_not_found');
  const h = householdOf(facts, principal, ctx.clock.now());
  if (h.relation === null) throw notFound('No such device.', 'device_not_found');
  if (h.relation !== 'owner' && !(await settingsOf(ctx.db, deviceId)).householdVisible)
    throw forbidden(
      "The device's owner has not chosen to let the people on this device see each other.",
      'household_hidden',
    );
  const device = await ctx.db
    .selectFrom('devices')
    .select(['id', 'name'])
    .where('id', '=', deviceId)
    .executeTakeFirst();
  if (!device) throw notFound('No such device.', 'device_not_found');
  const channelRows = await ctx.db
    .selectFrom('device_channels')
    .select(['number', 'name'])
    .where('device_id', '=', deviceId)
    .execute();
  const channelName = new Map(channelRows.map((c) => [c.number, c.name]));
  const names = await namesOf(ctx, h.members);
  return {
    device,
    channels: h.channels.map((n) => ({ number: n, name: channelName.get(n) ?? `Channel ${n}` })),
    people: h.members
      .map((m) => ({
        name: names.get(`${m.subject.type}:${m.subject.id}`) ?? '',
        kind: m.kind,
        permissions: m.permissions,
        channels: m.channels,
      }))
      .filter((p) => p.name !== '')
      .sort((a, b) => (a.kind === 'owner' ? -1 : b.kind === 'owner' ? 1 : a.name.localeCompare(b.name))),
  };
}

async function namesOf(ctx: ServiceContext, members: HouseholdMember[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const accounts = members.filter((m) => m.subject.type === 'account').map((m) => m.subject.id);
  const orgs = members.filter((m) => m.subject.type === 'org').map((m) => m.subject.id);
  if (accounts.length > 0)
    for (const r of await ctx.db
      .selectFrom('accounts')
      .select(['id', 'display_name'])
      .where('id', 'in', accounts)
      .execute())
      names.set(`account:${r.id}`, r.display_name);
  if (orgs.length > 0)
    for (const r of await ctx.db.selectFrom('installer_orgs').select(['id', 'name']).where('id', 'in', orgs).execute())
      names.set(`org:${r.id}`, r.name);
  return names;
}
