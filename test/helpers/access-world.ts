// Seeds devices, shares and authorizations straight into the database the way the services do (one
// transaction, announcing the access change), for tests of the access engine, tickets and MediaMTX.
import { newId } from '../../src/lib/ids.ts';
import { transact } from '../../src/services/context.ts';
import type { Runtime } from '../../src/runtime.ts';

let serials = 0;

export async function seedDevice(
  rt: Runtime,
  ownerId: string | null,
  channels = 1,
): Promise<{ id: string; serial: string }> {
  serials += 1;
  const id = newId('dev');
  const serial = `TST${Date.now().toString(36).toUpperCase()}${serials}${Math.floor(Math.random() * 1e6)}`;
  await transact(rt.ctx, async (tx) => {
    await tx.db
      .insertInto('devices')
      .values({
        id,
        serial,
        model: channels > 1 ? 'NVR-Test' : 'CAM-Test',
        kind: channels > 1 ? 'recorder' : 'camera',
        name: channels > 1 ? 'Recorder' : 'Camera',
        verification_code_hash: 'x',
        firmware_version: null,
        capabilities: '{"supportsSharing":true}',
        supports_sharing: 1,
        channel_count: channels,
        online: 1,
        last_seen_at: null,
        owner_account_id: ownerId,
        owner_since: ownerId ? tx.now : null,
        holder_org_id: null,
        site_id: null,
        created_at: tx.now,
      })
      .execute();
    await tx.db
      .insertInto('device_channels')
      .values(Array.from({ length: channels }, (_, i) => ({ device_id: id, number: i + 1, name: `Channel ${i + 1}` })))
      .execute();
    tx.changed({ type: 'device', deviceId: id });
  });
  return { id, serial };
}

export async function seedShare(
  rt: Runtime,
  deviceId: string,
  ownerId: string,
  recipientId: string,
  opts: { channels?: number[]; permissions?: string[]; from?: number | null; until?: number | null } = {},
): Promise<string> {
  const id = newId('shr');
  await transact(rt.ctx, async (tx) => {
    await tx.db
      .insertInto('shares')
      .values({
        id,
        device_id: deviceId,
        owner_account_id: ownerId,
        recipient_account_id: recipientId,
        scope: opts.channels ? 'channels' : 'device',
        channels: JSON.stringify(opts.channels ?? []),
        permissions: JSON.stringify(opts.permissions ?? ['live_view']),
        valid_from: opts.from ?? null,
        valid_until: opts.until ?? null,
        schedule: null,
        time_zone: 'UTC',
        created_at: tx.now,
        updated_at: tx.now,
      })
      .execute();
    tx.changed({ type: 'device', deviceId });
  });
  return id;
}

export async function deleteShare(rt: Runtime, shareId: string, deviceId: string): Promise<void> {
  await transact(rt.ctx, async (tx) => {
    await tx.db.deleteFrom('shares').where('id', '=', shareId).execute();
    tx.changed({ type: 'device', deviceId });
  });
}

export async function seedOrg(rt: Runtime, memberIds: string[]): Promise<string> {
  const id = newId('org');
  await transact(rt.ctx, async (tx) => {
    await tx.db
      .insertInto('installer_orgs')
      .values({ id, name: 'Fit & Fix Security', qr_ref: newId('qr'), created_at: tx.now })
      .execute();
    for (const [i, accountId] of memberIds.entries()) {
      await tx.db
        .insertInto('org_members')
        .values({ org_id: id, account_id: accountId, role: i === 0 ? 'admin' : 'technician', created_at: tx.now })
        .execute();
      tx.changed({ type: 'membership', accountId });
    }
  });
  return id;
}

export async function seedAuthorization(
  rt: Runtime,
  deviceId: string,
  orgId: string,
  grantedBy: string,
  permissions: Array<{ permission: string; until?: number | null }>,
): Promise<string> {
  const id = newId('auz');
  await transact(rt.ctx, async (tx) => {
    await tx.db
      .insertInto('authorizations')
      .values({
        id,
        device_id: deviceId,
        org_id: orgId,
        granted_by_account_id: grantedBy,
        created_at: tx.now,
        updated_at: tx.now,
      })
      .execute();
    for (const p of permissions) {
      await tx.db
        .insertInto('authorization_permissions')
        .values({ authorization_id: id, permission: p.permission, valid_from: null, valid_until: p.until ?? null })
        .execute();
    }
    tx.changed({ type: 'device', deviceId });
  });
  return id;
}

export async function makeOperator(rt: Runtime, accountId: string): Promise<void> {
  await rt.ctx.db.updateTable('accounts').set({ is_operator: 1 }).where('id', '=', accountId).execute();
}
