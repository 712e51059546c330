import type { Executor } from '../db.ts';
import type { AccountTotpTable, RecoveryCodesTable } from '../schema.ts';

export type TotpRow = AccountTotpTable;
export type RecoveryCodeRow = RecoveryCodesTable;

export function findTotp(db: Executor, accountId: string) {
  return db.selectFrom('account_totp').selectAll().where('account_id', '=', accountId).executeTakeFirst();
}

export async function putTotp(db: Executor, row: TotpRow): Promise<void> {
  await db
    .insertInto('account_totp')
    .values(row)
    .onConflict((oc) =>
      oc.column('account_id').doUpdateSet({
        secret: row.secret,
        enabled_at: row.enabled_at,
        last_step: row.last_step,
        created_at: row.created_at,
      }),
    )
    .execute();
}

/** Records the accepted time step, only if it is newer than the last one: a code is accepted once, even in a race. */
export async function advanceStep(db: Executor, accountId: string, step: number): Promise<boolean> {
  const r = await db
    .updateTable('account_totp')
    .set({ last_step: step })
    .where('account_id', '=', accountId)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function enableTotp(db: Executor, accountId: string, at: number, step: number): Promise<void> {
  await db
    .updateTable('account_totp')
    .set({ enabled_at: at, last_step: step })
    .where('account_id', '=', accountId)
    .execute();
}

export async function deleteTotp(db: Executor, accountId: string): Promise<void> {
  await db.deleteFrom('account_totp').where('account_id', '=', accountId).execute();
  await db.deleteFrom('recovery_codes').where('account_id', '=', accountId).execute();
}

export async function replaceRecoveryCodes(db: Executor, rows: RecoveryCodeRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.deleteFrom('recovery_codes').where('account_id', '=', rows[0]!.account_id).execute();
  await db.insertInto('recovery_codes').values(rows).execute();
}

/** Uses up a recovery code: true only for the one request that marks it used. */
export async function useRecoveryCode(db: Executor, accountId: string, codeHash: string, at: number): Promise<boolean> {
  const r = await db
    .updateTable('recovery_codes')
    .set({ used_at: at })
    .where('account_id', '=', accountId)
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function recoveryCodesLeft(db: Executor, accountId: string): Promise<number> {
  const r = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('account_id', '=', accountId)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function accountsWithTwoFactor(db: Executor, accountIds: string[]): Promise<Set<string>> {
  if (accountIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('account_totp')
    .select('account_id')
    .where('account_id', 'in', accountIds)
    .where('enabled_at', 'is not', null)
    .execute();
  return new Set(rows.map((r) => r.account_id));
}

export function findOrgPolicy(db: Executor, orgId: string) {
  return db.selectFrom('org_policies').selectAll().where('org_id', '=', orgId).executeTakeFirst();
}

export async function putOrgPolicy(db: Executor, orgId: string, requireTwoFactor: boolean, at: number): Promise<void> {
  const values = { require_two_factor: requireTwoFactor ? 1 : 0, updated_at: at };
  await db
    .insertInto('org_policies')
    .values({ org_id: orgId, ...values })
    .onConflict((oc) => oc.column('org_id').doUpdateSet(values))
    .execute();
}
