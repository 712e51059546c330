// End times coming up (or just passed) that nobody has been told about yet, and the claim that makes a
// notice go out once. A candidate is "not yet told" when no expiry_notices row has its exact key.
import { sql } from 'kysely';
import type { Executor } from '../db.ts';

export interface EndWindow {
  /** The notice kind looked for, e.g. `authorization_expiring`. */
  kind: string;
  /** valid_until > after */
  after: number;
  /** valid_until <= upTo */
  upTo: number;
  limit: number;
}

export function authorizationEndings(db: Executor, w: EndWindow) {
  return db
    .selectFrom('authorization_permissions as ap')
    .innerJoin('authorizations as a', 'a.id', 'ap.authorization_id')
    .innerJoin('devices as d', 'd.id', 'a.device_id')
    .innerJoin('installer_orgs as o', 'o.id', 'a.org_id')
    .select([
      'ap.authorization_id as authorizationId',
      'ap.permission as permission',
      'ap.valid_until as validUntil',
      'a.device_id as deviceId',
      'a.org_id as orgId',
      'o.name as orgName',
      'd.name as deviceName',
      'd.owner_account_id as ownerId',
    ])
    .where('ap.valid_until', '>', w.after)
    .where('ap.valid_until', '<=', w.upTo)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('expiry_notices as n')
            .select(sql<number>`1`.as('one'))
            .where('n.kind', '=', w.kind)
            .whereRef('n.object_id', '=', 'ap.authorization_id')
            .whereRef('n.permission', '=', 'ap.permission')
            .whereRef('n.valid_until', '=', 'ap.valid_until'),
        ),
      ),
    )
    .orderBy('ap.valid_until')
    .orderBy('ap.authorization_id')
    .orderBy('ap.permission')
    .limit(w.limit)
    .execute() as Promise<Array<AuthorizationEnding>>;
}

export interface AuthorizationEnding {
  authorizationId: string;
  permission: string;
  validUntil: number;
  deviceId: string;
  orgId: string;
  orgName: string;
  deviceName: string;
  ownerId: string | null;
}

export interface ShareEnding {
  shareId: string;
  validUntil: number;
  permissions: string;
  deviceId: string;
  deviceName: string;
  ownerId: string;
  recipientId: string;
}

export function shareEndings(db: Executor, w: EndWindow) {
  return db
    .selectFrom('shares as s')
    .innerJoin('devices as d', 'd.id', 's.device_id')
    .select([
      's.id as shareId',
      's.valid_until as validUntil',
      's.permissions as permissions',
      's.device_id as deviceId',
      'd.name as deviceName',
      's.owner_account_id as ownerId',
      's.recipient_account_id as recipientId',
    ])
    .where('s.valid_until', '>', w.after)
    .where('s.valid_until', '<=', w.upTo)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('expiry_notices as n')
            .select(sql<number>`1`.as('one'))
            .where('n.kind', '=', w.kind)
            .whereRef('n.object_id', '=', 's.id')
            .where('n.permission', '=', '')
            .whereRef('n.valid_until', '=', 's.valid_until'),
        ),
      ),
    )
    .orderBy('s.valid_until')
    .orderBy('s.id')
    .limit(w.limit)
    .execute() as Promise<Array<ShareEnding>>;
}

/**
 * Claims one notice; true only for the one caller whose row went in. On PostgreSQL a second instance
 * inserting the same key waits for the first one's transaction and then gets nothing.
 */
export async function claimNotice(
  db: Executor,
  n: { kind: string; objectId: string; permission: string; validUntil: number; sentAt: number },
): Promise<boolean> {
  const r = await db
    .insertInto('expiry_notices')
    .values({
      kind: n.kind,
      object_id: n.objectId,
      permission: n.permission,
      valid_until: n.validUntil,
      sent_at: n.sentAt,
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}
