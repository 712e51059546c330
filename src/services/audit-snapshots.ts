// What the audit trail keeps of each kind of object: one shape per object, whichever use case wrote the event
// (sharing, device cleanup on unbind/transfer/handover, the access review's revoke-everything), so the owner's
// audit reads the same whatever caused the change. No names (they can change): ids and rules only.
import type { ScheduleSpec } from '../domain/validity.ts';
import type { AuthorizationPermissionsTable, AuthorizationsTable, SharesTable } from '../persistence/schema.ts';

type ShareLike = Pick<
  SharesTable,
  | 'device_id'
  | 'owner_account_id'
  | 'recipient_account_id'
  | 'scope'
  | 'channels'
  | 'permissions'
  | 'valid_from'
  | 'valid_until'
  | 'schedule'
  | 'time_zone'
>;

export const snapshot = {
  share(row: ShareLike) {
    return {
      deviceId: row.device_id,
      ownerAccountId: row.owner_account_id,
      recipientAccountId: row.recipient_account_id,
      scope: row.scope,
      channels: JSON.parse(row.channels) as number[],
      permissions: JSON.parse(row.permissions) as string[],
      validFrom: row.valid_from,
      validUntil: row.valid_until,
      schedule: row.schedule === null ? null : (JSON.parse(row.schedule) as ScheduleSpec),
      timeZone: row.time_zone,
    };
  },

  /** An authorization with its permissions (pass every permission row of it; others are ignored). */
  authorization(
    auth: Pick<AuthorizationsTable, 'id' | 'device_id' | 'org_id' | 'granted_by_account_id'>,
    permissions: ReadonlyArray<AuthorizationPermissionsTable>,
  ) {
    return {
      deviceId: auth.device_id,
      orgId: auth.org_id,
      grantedByAccountId: auth.granted_by_account_id,
      permissions: permissions
        .filter((p) => p.authorization_id === auth.id)
        .map((p) => ({ permission: p.permission, validFrom: p.valid_from, validUntil: p.valid_until })),
    };
  },
};
