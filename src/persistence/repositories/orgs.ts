import type { Executor } from '../db.ts';
import { isPostgres } from '../migrations/columns.ts';
import type { InstallerOrgsTable, OrgInvitationsTable, OrgMembersTable } from '../schema.ts';

export type OrgRow = InstallerOrgsTable;
export type MemberRow = OrgMembersTable;
export type OrgInvitationRow = OrgInvitationsTable;

export async function insertOrg(db: Executor, row: OrgRow): Promise<void> {
  await db.insertInto('installer_orgs').values(row).execute();
}

export function findOrg(db: Executor, id: string) {
  return db.selectFrom('installer_orgs').selectAll().where('id', '=', id).executeTakeFirst();
}

export function orgNames(db: Executor, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('installer_orgs').select(['id', 'name']).where('id', 'in', ids).execute();
}

export function findOrgByQrRef(db: Executor, ref: string) {
  return db.selectFrom('installer_orgs').selectAll().where('qr_ref', '=', ref).executeTakeFirst();
}

export async function renameOrg(db: Executor, id: string, name: string): Promise<void> {
  await db.updateTable('installer_orgs').set({ name }).where('id', '=', id).execute();
}

/**
 * Serializes membership changes of one organization (so two admins demoting each other cannot leave it with
 * none). SQLite runs write transactions one at a time already; PostgreSQL takes a row lock.
 */
export async function lockOrg(db: Executor, orgId: string): Promise<void> {
  if (isPostgres(db)) await db.selectFrom('installer_orgs').select('id').where('id', '=', orgId).forUpdate().execute();
}

export function findMembership(db: Executor, orgId: string, accountId: string) {
  return db
    .selectFrom('org_members')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
}

/** The organizations a person belongs to, with their role. */
export function listOrgsOf(db: Executor, accountId: string) {
  return db
    .selectFrom('org_members')
    .innerJoin('installer_orgs', 'installer_orgs.id', 'org_members.org_id')
    .select([
      'installer_orgs.id',
      'installer_orgs.name',
      'installer_orgs.qr_ref',
      'installer_orgs.created_at',
      'org_members.role',
    ])
    .where('org_members.account_id', '=', accountId)
    .orderBy('installer_orgs.name')
    .execute();
}

export function listMembers(db: Executor, orgId: string) {
  return db
    .selectFrom('org_members')
    .innerJoin('accounts', 'accounts.id', 'org_members.account_id')
    .select([
      'org_members.account_id',
      'org_members.role',
      'org_members.created_at',
      'accounts.display_name',
      'accounts.email',
    ])
    .where('org_members.org_id', '=', orgId)
    .orderBy('org_members.created_at')
    .execute();
}

export async function adminIds(db: Executor, orgId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('org_members')
    .select('account_id')
    .where('org_id', '=', orgId)
    .where('role', '=', 'admin')
    .execute();
  return rows.map((r) => r.account_id);
}

export async function insertMember(db: Executor, row: MemberRow): Promise<void> {
  await db.insertInto('org_members').values(row).execute();
}

export async function setRole(db: Executor, orgId: string, accountId: string, role: MemberRow['role']): Promise<void> {
  await db
    .updateTable('org_members')
    .set({ role })
    .where('org_id', '=', orgId)
    .where('account_id', '=', accountId)
    .execute();
}

export async function deleteMember(db: Executor, orgId: string, accountId: string): Promise<void> {
  await db.deleteFrom('org_members').where('org_id', '=', orgId).where('account_id', '=', accountId).execute();
}

export async function insertOrgInvitation(db: Executor, row: OrgInvitationRow): Promise<void> {
  await db.insertInto('org_invitations').values(row).execute();
}

export function findOrgInvitation(db: Executor, id: string) {
  return db.selectFrom('org_invitations').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listOrgInvitations(db: Executor, orgId: string) {
  return db
    .selectFrom('org_invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at', 'desc')
    .limit(200)
    .execute();
}

export function listInvitationsForEmail(db: Executor, email: string) {
  return db
    .selectFrom('org_invitations')
    .innerJoin('installer_orgs', 'installer_orgs.id', 'org_invitations.org_id')
    .selectAll('org_invitations')
    .select('installer_orgs.name as org_name')
    .where('org_invitations.email', '=', email)
    .where('org_invitations.status', '=', 'pending')
    .orderBy('org_invitations.created_at', 'desc')
    .execute();
}

/** Moves a pending invitation on; false when someone else already did (only one answer counts). */
export async function settleOrgInvitation(
  db: Executor,
  id: string,
  status: 'accepted' | 'declined' | 'cancelled',
  by: string,
  now: number,
  opts: { mustBeUnexpired: boolean },
): Promise<boolean> {
  let q = db
    .updateTable('org_invitations')
    .set({ status, responded_at: now, responded_by_account_id: by })
    .where('id', '=', id)
    .where('status', '=', 'pending');
  if (opts.mustBeUnexpired) q = q.where('expires_at', '>', now);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
