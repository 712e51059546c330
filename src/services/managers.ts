// Co-managers: an owner lets another account manage chosen devices (share, edit and revoke shares, answer
// installer applications, edit installer permissions, see the audit). Only the owner makes or removes managers;
// a manager may step down. What a manager may do is decided in guards.ts; what they can watch, by the access
// engine (a `manager` grant). What a manager does is audited as theirs and the owner is told.
import { AppError, invalidInput, notFound } from '../domain/errors.ts';
import { newId } from '../lib/ids.ts';
import * as accounts from '../persistence/repositories/accounts.ts';
import * as devices from '../persistence/repositories/devices.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import * as repo from '../persistence/repositories/managers.ts';
import { transact, type ServiceContext, type Tx } from './context.ts';
import { requireDeviceManager, requireDeviceOwner } from './guards.ts';
import { notify } from './notifier.ts';
import { nameFor } from './device-names.ts';
import { resolveRecipient, type RecipientInput } from './recipients.ts';

export interface ManagerView {
  accountId: string;
  displayName: string;
  email: string | null;
  since: number;
}

export interface ManagedDeviceView {
  deviceId: string;
  name: string;
  model: string;
  kind: string;
  online: boolean;
  supportsSharing: boolean;
  channelCount: number;
  owner: { id: string; displayName: string };
  since: number;
}

/** The device's managers (its owner and its managers may see them). */
export async function listManagers(ctx: ServiceContext, actorId: string, deviceId: string): Promise<ManagerView[]> {
  await requireDeviceManager(ctx.db, actorId, deviceId);
  return (await repo.listManagers(ctx.db, deviceId)).map((m) => ({
    accountId: m.manager_account_id,
    displayName: m.display_name,
    email: m.email,
    since: m.created_at,
  }));
}

/** The owner makes the person a manager of the device. */
export async function addManager(
  ctx: ServiceContext,
  ownerId: string,
  deviceId: string,
  input: RecipientInput,
): Promise<ManagerView> {
  const person = await resolveRecipient(ctx, input, 'manager');
  return transact(ctx, async (tx) => {
    const device = await requireDeviceOwner(tx.db, ownerId, deviceId);
    if (person.id === ownerId)
      throw invalidInput('You own this device: you manage it already.', 'manager_is_owner', 'manager');
    if (await repo.isManager(tx.db, person.id, deviceId))
      throw new AppError(
        'conflict',
        `${person.display_name} already manages "${device.name}".`,
        'manager',
        'manager_exists',
      ).with({ person: person.display_name, device: device.name });
    const row = {
      id: newId('mgr'),
      device_id: deviceId,
      owner_account_id: ownerId,
      manager_account_id: person.id,
      created_at: tx.now,
    };
    await repo.upsertManager(tx.db, row);
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: ownerId,
      action: 'manager.added',
      deviceId,
      objectType: 'manager',
      objectId: person.id,
      after: { managerAccountId: person.id },
    });
    const owner = await accounts.findAccountById(tx.db, ownerId);
    await notify(tx, [person.id], {
      kind: 'manager_added',
      facts: { owner: owner?.display_name ?? 'The owner', device: device.name },
      data: { deviceId },
    });
    tx.changed({ type: 'device', deviceId });
    return { accountId: person.id, displayName: person.display_name, email: person.email, since: tx.now };
  });
}

export interface ManagerOfDevices {
  manager: { accountId: string; displayName: string; email: string | null };
  /** Devices the person manages from now on. */
  added: Array<{ deviceId: string; name: string }>;
  /** Devices the person managed already (left as they were). */
  alreadyManaged: Array<{ deviceId: string; name: string }>;
}

/** The most devices one request names (the owner's "all" is not bounded by it). */
export const MAX_MANAGED_AT_ONCE = 200;

/**
 * The owner makes the person a manager of several devices in one transaction: a list of their devices, or
 * `'all'`, every device they own at this moment (devices bound later are not included: giving someone the running
 * of a camera is a choice made per camera, so a new one is never handed over silently). Any device in a list that
 * the owner does not own refuses the whole request, so nothing is half done.
 */
export async function addManagerOfDevices(
  ctx: ServiceContext,
  ownerId: string,
  input: RecipientInput,
  which: 'all' | readonly string[],
): Promise<ManagerOfDevices> {
  const person = await resolveRecipient(ctx, input, 'manager');
  return transact(ctx, async (tx) => {
    let targets: Array<{ id: string; name: string }>;
    if (which === 'all') {
      targets = await devices.listOwnedDevices(tx.db, ownerId);
      if (targets.length === 0) throw invalidInput('You have no devices yet.', 'no_devices', 'devices');
    } else {
      targets = [];
      for (const id of new Set(which)) {
        const d = await requireDeviceOwner(tx.db, ownerId, id);
        targets.push({ id: d.id, name: d.name });
      }
    }
    // After the devices are known to be the caller's: an outsider hears only about the device.
    if (person.id === ownerId)
      throw invalidInput('You own these devices: you manage them already.', 'manager_is_owner', 'manager');
    const added: ManagerOfDevices['added'] = [];
    const alreadyManaged: ManagerOfDevices['alreadyManaged'] = [];
    for (const d of targets) {
      if (await repo.isManager(tx.db, person.id, d.id)) {
        alreadyManaged.push({ deviceId: d.id, name: d.name });
        continue;
      }
      await repo.upsertManager(tx.db, {
        id: newId('mgr'),
        device_id: d.id,
        owner_account_id: ownerId,
        manager_account_id: person.id,
        created_at: tx.now,
      });
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: ownerId,
        action: 'manager.added',
        deviceId: d.id,
        objectType: 'manager',
        objectId: person.id,
        after: { managerAccountId: person.id, ...(which === 'all' ? { allDevices: true } : {}) },
      });
      tx.changed({ type: 'device', deviceId: d.id });
      added.push({ deviceId: d.id, name: d.name });
    }
    if (added.length > 0) {
      const owner = await accounts.findAccountById(tx.db, ownerId);
      const ownerName = owner?.display_name ?? 'The owner';
      await notify(
        tx,
        [person.id],
        added.length === 1
          ? {
              kind: 'manager_added',
              facts: { owner: ownerName, device: added[0]!.name },
              data: { deviceId: added[0]!.deviceId },
            }
          : { kind: 'manager_added_many', facts: { owner: ownerName, devices: added.map((d) => d.name) }, data: {} },
      );
    }
    return {
      manager: { accountId: person.id, displayName: person.display_name, email: person.email },
      added,
      alreadyManaged,
    };
  });
}

/** The owner removes a manager, or a manager steps down; effective on the next check. */
export async function removeManager(
  ctx: ServiceContext,
  actorId: string,
  deviceId: string,
  managerId: string,
): Promise<void> {
  await transact(ctx, async (tx) => {
    const device =
      actorId === managerId
        ? await requireDeviceManager(tx.db, actorId, deviceId)
        : await requireDeviceOwner(tx.db, actorId, deviceId);
    if (!(await repo.isManager(tx.db, managerId, deviceId)) || !(await repo.deleteManager(tx.db, deviceId, managerId)))
      throw notFound('This person does not manage this device.', 'manager_not_found');
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: actorId,
      action: 'manager.removed',
      deviceId,
      objectType: 'manager',
      objectId: managerId,
      before: { managerAccountId: managerId },
    });
    const actor = await accounts.findAccountById(tx.db, actorId);
    const steppedDown = actorId === managerId;
    const reader = steppedDown ? device.owner_account_id! : managerId;
    await notify(tx, [reader], {
      kind: 'manager_removed',
      facts: {
        who: actor?.display_name ?? 'Someone',
        device: await nameFor(tx.db, reader, device),
        why: steppedDown ? 'stepped_down' : 'removed',
      },
      data: { deviceId },
    });
    tx.changed({ type: 'device', deviceId });
  });
}

/** Devices the account manages for their owners (the manager's own list). */
export async function listManagedDevices(ctx: ServiceContext, accountId: string): Promise<ManagedDeviceView[]> {
  return (await repo.listManagedDevices(ctx.db, accountId)).map((d) => ({
    deviceId: d.id,
    name: d.name,
    model: d.model,
    kind: d.kind,
    online: d.online === 1,
    supportsSharing: d.supports_sharing === 1,
    channelCount: d.channel_count,
    owner: { id: d.owner_id, displayName: d.owner_name },
    since: d.created_at,
  }));
}

/**
 * Tells the device's owner what a manager did on it (nothing when the owner did it). `what` completes
 * "<manager> … on <device>", e.g. `shared it with Bea`.
 */
export async function tellOwnerIfManager(
  tx: Tx,
  actorId: string,
  device: { id: string; name: string; owner_account_id: string | null },
  what: string,
): Promise<void> {
  if (device.owner_account_id === null || device.owner_account_id === actorId) return;
  const actor = await accounts.findAccountById(tx.db, actorId);
  await notify(tx, [device.owner_account_id], {
    kind: 'managed_device_changed',
    facts: {
      manager: actor?.display_name ?? 'A manager',
      device: await nameFor(tx.db, device.owner_account_id, device),
      what,
    },
    data: { deviceId: device.id, managerAccountId: actorId },
  });
}

/** `tellOwnerIfManager` for callers that hold only the device's id. */
export async function tellOwnerIfManagerOf(tx: Tx, actorId: string, deviceId: string, what: string): Promise<void> {
  const device = await devices.findDeviceById(tx.db, deviceId);
  if (device) await tellOwnerIfManager(tx, actorId, device, what);
}
