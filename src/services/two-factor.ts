// Two-factor login: TOTP (RFC 6238, 6 digits, 30 s, SHA-1: what every authenticator app reads from the QR code)
// with single-use recovery codes. Turning it on takes a first code from the app, so a mistyped secret cannot lock
// the person out. An organization may require it of its members (see requireTwoFactorFor).
import { randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { AppError, conflict, forbidden, invalidInput } from '../domain/errors.ts';
import { newId } from '../lib/ids.ts';
import { hashToken, verifyPassword } from '../lib/secrets.ts';
import * as accounts from '../persistence/repositories/accounts.ts';
import type { AccountRow } from '../persistence/repositories/accounts.ts';
import * as repo from '../persistence/repositories/two-factor.ts';
import type { Executor } from '../persistence/db.ts';
import { renderQrSvg } from './qr-id.ts';
import { transact, type ServiceContext } from './context.ts';

const PERIOD = 30;
/** One step either side: a phone clock a little off still works. */
const WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

function totpFor(secret: string, label: string): TOTP {
  return new TOTP({
    issuer: 'Keyholder',
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD,
    secret: Secret.fromBase32(secret),
  });
}

/** The time step a code was made for, or null when it is wrong at `now`. */
function stepOf(secret: string, code: string, now: number): number | null {
  const delta = totpFor(secret, 'check').validate({ token: code, timestamp: now, window: WINDOW });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD) + delta;
}

/** 16 characters from a 31-letter alphabet without look-alikes (~79 bits, unbiased), in groups of four. */
function newRecoveryCode(): string {
  const chars = Array.from({ length: 16 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return chars.match(/.{4}/g)!.join('-');
}

function canonicalRecoveryCode(raw: string): string {
  return raw.toLowerCase().replace(/[\s-]/g, '');
}

function hashRecoveryCode(code: string): string {
  return hashToken(`recovery:${canonicalRecoveryCode(code)}`);
}

async function requirePassword(account: AccountRow, password: string): Promise<void> {
  if (!(await verifyPassword(password, account.password_hash)))
    throw new AppError('forbidden', 'The password is wrong.', 'password', 'bad_password');
}

async function requireAccount(db: Executor, accountId: string): Promise<AccountRow> {
  const a = await accounts.findAccountById(db, accountId);
  if (!a) throw new AppError('unauthenticated', 'This account no longer exists.', undefined, 'account_not_found');
  return a;
}

export async function twoFactorStatus(ctx: ServiceContext, accountId: string) {
  const row = await repo.findTotp(ctx.db, accountId);
  const enabled = row?.enabled_at != null;
  return {
    enabled,
    enabledAt: enabled ? row!.enabled_at : null,
    recoveryCodesLeft: enabled ? await repo.recoveryCodesLeft(ctx.db, accountId) : 0,
  };
}

export async function hasTwoFactor(db: Executor, accountId: string): Promise<boolean> {
  const row = await repo.findTotp(db, accountId);
  return row?.enabled_at != null;
}

/** Starts enrolment: a new secret (not active until confirmed), as text, otpauth URI and QR code. */
export async function beginEnrolment(ctx: ServiceContext, accountId: string, password: string) {
  const account = await requireAccount(ctx.db, accountId);
  await requirePassword(account, password);
  return transact(ctx, async (tx) => {
    const existing = await repo.findTotp(tx.db, accountId);
    if (existing?.enabled_at != null)
      throw conflict('Two-factor login is already on. Turn it off first to set up a new app.', 'two_factor_on');
    const secret = new Secret({ size: 20 }).base32;
    await repo.putTotp(tx.db, { account_id: accountId, secret, enabled_at: null, last_step: null, created_at: tx.now });
    const uri = totpFor(secret, account.email ?? account.phone ?? account.display_name).toString();
    return { secret, otpauthUri: uri, qrSvg: await renderQrSvg(uri) };
  });
}

function newRecoveryRows(accountId: string, now: number) {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  const rows = codes.map((c) => ({
    id: newId('rc'),
    account_id: accountId,
    code_hash: hashRecoveryCode(c),
    used_at: null,
    created_at: now,
  }));
  return { codes, rows };
}

/** Confirms enrolment with a first code; returns the recovery codes (shown once, stored hashed). */
export async function confirmEnrolment(ctx: ServiceContext, accountId: string, code: string) {
  return transact(ctx, async (tx) => {
    const row = await repo.findTotp(tx.db, accountId);
    if (!row) throw invalidInput('Start the set-up first.', 'no_enrolment', 'code');
    if (row.enabled_at !== null) throw conflict('Two-factor login is already on.', 'two_factor_on');
    const step = stepOf(row.secret, code, tx.now);
    if (step === null)
      throw invalidInput(
        'The code is wrong: check the time on your phone and enter the current code.',
        'wrong_code',
        'code',
      );
    await repo.enableTotp(tx.db, accountId, tx.now, step);
    const { codes, rows } = newRecoveryRows(accountId, tx.now);
    await repo.replaceRecoveryCodes(tx.db, rows);
    tx.changed({ type: 'membership', accountId });
    return { recoveryCodes: codes };
  });
}

/** A fresh set of recovery codes; the old ones stop working. */
export async function regenerateRecoveryCodes(ctx: ServiceContext, accountId: string, password: string) {
  const account = await requireAccount(ctx.db, accountId);
  await requirePassword(account, password);
  return transact(ctx, async (tx) => {
    if (!(await hasTwoFactor(tx.db, accountId))) throw conflict('Two-factor login is off.', 'two_factor_off');
    const { codes, rows } = newRecoveryRows(accountId, tx.now);
    await repo.replaceRecoveryCodes(tx.db, rows);
    return { recoveryCodes: codes };
  });
}

/** Turning it off takes the password and a current code (or a recovery code). */
export async function disableTwoFactor(ctx: ServiceContext, accountId: string, password: string, code: string) {
  const account = await requireAccount(ctx.db, accountId);
  await requirePassword(account, password);
  await transact(ctx, async (tx) => {
    if (!(await hasTwoFactor(tx.db, accountId))) throw conflict('Two-factor login is off.', 'two_factor_off');
    if (!(await checkSecondFactor(tx.db, accountId, code, tx.now)))
      throw new AppError('forbidden', 'The code is wrong.', 'code', 'bad_two_factor');
    await repo.deleteTotp(tx.db, accountId);
    // Organizations that require it stop accepting this member's actions at once, on every instance.
    tx.changed({ type: 'membership', accountId });
  });
}

/** True when `code` is a current TOTP code not used before, or an unused recovery code (which is then used up). */
async function checkSecondFactor(db: Executor, accountId: string, code: string, now: number): Promise<boolean> {
  const row = await repo.findTotp(db, accountId);
  if (!row || row.enabled_at === null) return false;
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed)) {
    const step = stepOf(row.secret, trimmed, now);
    return step !== null && (await repo.advanceStep(db, accountId, step));
  }
  if (canonicalRecoveryCode(trimmed).length !== 16) return false;
  return repo.useRecoveryCode(db, accountId, hashRecoveryCode(trimmed), now);
}

/**
 * The login's second step. No code while two-factor login is on: 401 `two_factor_required` (the app then asks
 * for it). A wrong code: `onFailure` (counts like a wrong password) and 401 `bad_two_factor`.
 */
export async function secondFactor(
  ctx: ServiceContext,
  account: AccountRow,
  code: string | undefined,
  onFailure: () => Promise<void>,
): Promise<void> {
  if (!(await hasTwoFactor(ctx.db, account.id))) return;
  if (code === undefined || code.trim() === '')
    throw new AppError(
      'unauthenticated',
      'Enter the 6-digit code from your authenticator app (or a recovery code).',
      'otp',
      'two_factor_required',
    );
  const ok = await transact(ctx, (tx) => checkSecondFactor(tx.db, account.id, code, tx.now));
  if (!ok) {
    await onFailure();
    throw new AppError('unauthenticated', 'The code is wrong or was already used.', 'otp', 'bad_two_factor');
  }
}

// ---- organizations -------------------------------------------------------------------------------------------

export async function orgRequiresTwoFactor(db: Executor, orgId: string): Promise<boolean> {
  return (await repo.findOrgPolicy(db, orgId))?.require_two_factor === 1;
}

/**
 * A member of an organization that requires two-factor login acts for it only with two-factor login on; until
 * then every action for the organization answers 403 `two_factor_required` (reading the organization's own
 * page stays possible, so they can see why).
 */
export async function requireTwoFactorFor(db: Executor, orgId: string, accountId: string): Promise<void> {
  if (!(await orgRequiresTwoFactor(db, orgId))) return;
  if (await hasTwoFactor(db, accountId)) return;
  throw forbidden(
    'This organization requires two-factor login: turn it on under Me → Security before acting for it.',
    'two_factor_required',
  );
}

/** An admin sets whether members need two-factor login; turning it on needs it on for the admin first. */
export async function setOrgTwoFactor(
  ctx: ServiceContext,
  adminAccountId: string,
  orgId: string,
  requireTwoFactor: boolean,
) {
  return transact(ctx, async (tx) => {
    if (requireTwoFactor && !(await hasTwoFactor(tx.db, adminAccountId)))
      throw conflict(
        'Turn on two-factor login for yourself first, so you are not locked out of the organization.',
        'two_factor_off',
      );
    await repo.putOrgPolicy(tx.db, orgId, requireTwoFactor, tx.now);
    tx.changed({ type: 'all' });
    return { requireTwoFactor };
  });
}
