import { newId } from '../../lib/ids.ts';
import type { Executor } from '../db.ts';

export interface AuditInput {
  at: number;
  actorAccountId: string | null;
  actorOrgId?: string | null;
  /** Dotted verb, e.g. `share.created`, `device.bound`, `ticket.issued`. */
  action: string;
  deviceId?: string | null;
  objectType: string;
  objectId?: string | null;
  before?: unknown;
  after?: unknown;
}

/** Appends one audit event. There is no update or delete for this table anywhere in the code. */
export async function appendAudit(db: Executor, e: AuditInput): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      id: newId('aud'),
      at: e.at,
      actor_account_id: e.actorAccountId,
      actor_org_id: e.actorOrgId ?? null,
      action: e.action,
      device_id: e.deviceId ?? null,
      object_type: e.objectType,
      object_id: e.objectId ?? null,
      before: e.before === undefined || e.before === null ? null : JSON.stringify(e.before),
      after: e.after === undefined || e.after === null ? null : JSON.stringify(e.after),
    })
    .execute();
}

export async function listDeviceAudit(db: Executor, deviceId: string, limit: number, beforeSeq?: number) {
  let q = db.selectFrom('audit_events').selectAll().where('device_id', '=', deviceId);
  if (beforeSeq !== undefined) q = q.where('seq', '<', beforeSeq);
  const rows = await q.orderBy('seq', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    ...r,
    before: r.before === null ? null : (JSON.parse(r.before) as unknown),
    after: r.after === null ? null : (JSON.parse(r.after) as unknown),
  }));
}

/** Display names of accounts and organizations an audit page mentions (with whom a share or authorization was). */
export async function subjectNames(
  db: Executor,
  accountIds: readonly string[],
  orgIds: readonly string[],
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (accountIds.length > 0)
    for (const r of await db
      .selectFrom('accounts')
      .select(['id', 'display_name'])
      .where('id', 'in', [...new Set(accountIds)])
      .execute())
      names.set(r.id, r.display_name);
  if (orgIds.length > 0)
    for (const r of await db
      .selectFrom('installer_orgs')
      .select(['id', 'name'])
      .where('id', 'in', [...new Set(orgIds)])
      .execute())
      names.set(r.id, r.name);
  return names;
}
