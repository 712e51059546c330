import type { Executor } from '../db.ts';
import type { AccountsTable } from '../schema.ts';

export type AccountRow = AccountsTable;

export function findAccountById(db: Executor, id: string) {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findAccountByEmail(db: Executor, email: string) {
  return db.selectFrom('accounts').selectAll().where('email', '=', email).executeTakeFirst();
}

export function findAccountByPhone(db: Executor, phone: string) {
  return db.selectFrom('accounts').selectAll().where('phone', '=', phone).executeTakeFirst();
}

export function findAccountByQrRef(db: Executor, ref: string) {
  return db.selectFrom('accounts').selectAll().where('qr_ref', '=', ref).executeTakeFirst();
}

export async function insertAccount(db: Executor, row: AccountRow): Promise<void> {
  await db.insertInto('accounts').values(row).execute();
}

export async function updateAccount(db: Executor, id: string, patch: Partial<AccountRow>): Promise<void> {
  await db.updateTable('accounts').set(patch).where('id', '=', id).execute();
}
