// Changing a password (the old one required, other sessions ended) and resetting a forgotten one with a code sent
// through the outbox to a verified address: single use, expiring, few guesses, throttled, and the same answer
// whether or not the address belongs to anyone.
import { randomBytes } from 'node:crypto';
import { checkPassword, looksLikeEmail, normalizeEmail, normalizePhone } from '../domain/contact.ts';
import { AppError, invalidInput, tooMany } from '../domain/errors.ts';
import { newId, newNumericCode } from '../lib/ids.ts';
import { hashPassword, hashToken, safeEqual, verifyPassword } from '../lib/secrets.ts';
import * as accounts from '../persistence/repositories/accounts.ts';
import type { AccountRow } from '../persistence/repositories/accounts.ts';
import { enqueueMessage } from '../persistence/repositories/outbox.ts';
import * as resets from '../persistence/repositories/password-resets.ts';
import * as throttles from '../persistence/repositories/throttles.ts';
import { endOtherSessions, type Principal } from './sessions.ts';
import { transact, type ServiceContext, type Tx } from './context.ts';

export const RESET_TTL_MS = 15 * 60_000;
export const RESET_CODE_DIGITS = 8;
/** Wrong guesses one reset code survives. */
export const MAX_RESET_ATTEMPTS = 5;
/** Codes asked for one login (whoever it belongs to) and from one address. */
const RESET_REQUEST_RULE = { max: 5, windowMs: 60 * 60_000, blockMs: 60 * 60_000 };
const RESET_REQUEST_IP_RULE = { max: 20, windowMs: 60 * 60_000, blockMs: 60 * 60_000 };
/** Wrong codes for one login, across codes. */
const RESET_CONFIRM_RULE = { max: 10, windowMs: 60 * 60_000, blockMs: 60 * 60_000 };
const PASSWORD_RULE = { max: 5, windowMs: 15 * 60_000, blockMs: 15 * 60_000 };

export const RESET_SENT =
  'If this email address or phone number belongs to a Keyholder account and is verified, a code is on its way.';
const BAD_CODE = 'The code is wrong or has expired. Ask for a new one.';

function hashCode(salt: string, code: string): string {
  return `${salt}$${hashToken(`reset:${salt}:${code}`)}`;
}

function codeMatches(stored: string, code: string): boolean {
  const [salt] = stored.split('$');
  return !!salt && safeEqual(stored, hashCode(salt, code));
}

/** The typed login in canonical form, or null when it is neither an email nor a phone number. */
function canonicalLogin(login: string): { channel: 'email' | 'phone'; address: string } | null {
  const raw = login.trim();
  try {
    return looksLikeEmail(raw)
      ? { channel: 'email', address: normalizeEmail(raw, 'login') }
      : { channel: 'phone', address: normalizePhone(raw, 'login') };
  } catch {
    return null;
  }
}

/** Only an address the account has proven can reset its password: an unproven one may be someone else's. */
async function verifiedHolder(
  ctx: ServiceContext,
  login: { channel: 'email' | 'phone'; address: string },
): Promise<AccountRow | undefined> {
  const a =
    login.channel === 'email'
      ? await accounts.findAccountByEmail(ctx.db, login.address)
      : await accounts.findAccountByPhone(ctx.db, login.address);
  if (!a) return undefined;
  return (login.channel === 'email' ? a.email_verified_at : a.phone_verified_at) !== null ? a : undefined;
}

async function tellPasswordChanged(ctx: ServiceContext, tx: Tx, account: AccountRow): Promise<void> {
  if (!account.email || account.email_verified_at === null) return;
  await enqueueMessage(
    tx.db,
    {
      channel: 'email',
      recipient: account.email,
      subject: 'Your Keyholder password was changed',
      body:
        `Hello ${account.display_name},\n\nthe password of your Keyholder account was just changed and your other ` +
        `sessions were ended. If this was not you, reset your password at ${ctx.config.publicUrl}/ at once.\n`,
    },
    tx.now,
  );
  tx.queuedMail();
}

export async function changePassword(
  ctx: ServiceContext,
  principal: Principal,
  input: { currentPassword: string; newPassword: string },
): Promise<{ endedSessions: number }> {
  checkPassword(input.newPassword, 'newPassword');
  const key = `password:${principal.accountId}`;
  // The guess is taken before the password is checked, so concurrent guesses cannot outrun the limit.
  const slot = await throttles.reserveAttempt(ctx.db, key, ctx.clock.now(), PASSWORD_RULE);
  if (!slot.ok) throw tooMany('Too many wrong passwords. Try again later.', Math.ceil(slot.waitMs / 1000));
  const account = await accounts.findAccountById(ctx.db, principal.accountId);
  if (!account) {
    await throttles.refundAttempt(ctx.db, slot, PASSWORD_RULE);
    throw new AppError('unauthenticated', 'This account no longer exists.', undefined, 'account_not_found');
  }
  // A wrong password keeps its slot: it is its record.
  if (!(await verifyPassword(input.currentPassword, account.password_hash)))
    throw new AppError('forbidden', 'The current password is wrong.', 'currentPassword', 'bad_password');
  const hash = await hashPassword(input.newPassword, ctx.config.scryptCost);
  return transact(ctx, async (tx) => {
    await accounts.updateAccount(tx.db, account.id, { password_hash: hash });
    await throttles.clearFailures(tx.db, key);
    const endedSessions = await endOtherSessions(tx, account.id, principal.sessionId);
    await tellPasswordChanged(ctx, tx, account);
    return { endedSessions };
  });
}

/**
 * Sends a reset code to the typed address when it is a verified address of an account. The answer (and its
 * throttle) is the same for an address nobody uses, so the route cannot be used to learn who has an account.
 */
export async function requestPasswordReset(ctx: ServiceContext, login: string, ip: string | null): Promise<void> {
  const canonical = canonicalLogin(login);
  if (!canonical)
    throw invalidInput(
      'Type the email address or the phone number (+353…) of your account.',
      'email_or_phone_required',
      'login',
    );
  const key = `reset:${canonical.channel}:${canonical.address}`;
  const ipKey = `reset-ip:${ip ?? 'unknown'}`;
  const now = ctx.clock.now();
  // Every request counts, whoever the address belongs to; both are taken before anything is sent, so
  // concurrent requests cannot send more codes than the limits.
  const perLogin = await throttles.reserveAttempt(ctx.db, key, now, RESET_REQUEST_RULE);
  const perAddress = await throttles.reserveAttempt(ctx.db, ipKey, now, RESET_REQUEST_IP_RULE);
  if (!perLogin.ok || !perAddress.ok) {
    await throttles.refundAttempt(ctx.db, perLogin, RESET_REQUEST_RULE);
    await throttles.refundAttempt(ctx.db, perAddress, RESET_REQUEST_IP_RULE);
    const wait = Math.max(perLogin.ok ? 0 : perLogin.waitMs, perAddress.ok ? 0 : perAddress.waitMs);
    throw tooMany('Too many codes asked for. Try again later.', Math.ceil(wait / 1000), 'too_many_codes');
  }
  const account = await verifiedHolder(ctx, canonical);
  await transact(ctx, async (tx) => {
    if (!account) return;
    const code = newNumericCode(RESET_CODE_DIGITS);
    await resets.replaceReset(tx.db, {
      id: newId('pr'),
      account_id: account.id,
      code_hash: hashCode(randomBytes(12).toString('base64url'), code),
      attempts: 0,
      expires_at: tx.now + RESET_TTL_MS,
      created_at: tx.now,
    });
    await enqueueMessage(
      tx.db,
      canonical.channel === 'email'
        ? {
            channel: 'email',
            recipient: canonical.address,
            subject: `Your Keyholder password reset code: ${code}`,
            body:
              `Hello ${account.display_name},\n\nyour code to set a new Keyholder password is ${code}. It expires in ` +
              '15 minutes and works once. If you did not ask for it, ignore this message: your password stays.\n',
          }
        : {
            channel: 'sms',
            recipient: canonical.address,
            subject: 'Keyholder password reset',
            body: `Keyholder password reset code: ${code} (valid 15 min). Do not share it.`,
          },
      tx.now,
    );
    tx.queuedMail();
  });
}

/** Sets a new password with the code; every session of the account ends (two-factor login still applies). */
export async function confirmPasswordReset(
  ctx: ServiceContext,
  input: { login: string; code: string; newPassword: string },
): Promise<void> {
  checkPassword(input.newPassword, 'newPassword');
  const canonical = canonicalLogin(input.login);
  if (!canonical) throw invalidInput(BAD_CODE, 'bad_reset_code', 'code');
  const key = `reset-confirm:${canonical.channel}:${canonical.address}`;
  // Both limits are taken before the code is compared: the login's slot in its own committed statement, the
  // code's guess in a conditional UPDATE. A failed confirmation keeps both, whatever made it fail, so the
  // answer and the count are the same for an address nobody has.
  const slot = await throttles.reserveAttempt(ctx.db, key, ctx.clock.now(), RESET_CONFIRM_RULE);
  if (!slot.ok) throw tooMany('Too many wrong codes. Try again later.', Math.ceil(slot.waitMs / 1000));
  const account = await verifiedHolder(ctx, canonical);
  const pending = account ? await resets.findReset(ctx.db, account.id) : undefined;
  const guessed =
    pending !== undefined && (await resets.takeAttempt(ctx.db, pending.id, MAX_RESET_ATTEMPTS, ctx.clock.now()));
  if (!account || !pending || !guessed || !codeMatches(pending.code_hash, input.code.trim()))
    throw invalidInput(BAD_CODE, 'bad_reset_code', 'code');
  const hash = await hashPassword(input.newPassword, ctx.config.scryptCost);
  await transact(ctx, async (tx) => {
    // Two confirmations with the same code: only the one that deletes it goes on.
    if (!(await resets.consumeReset(tx.db, pending.id))) throw invalidInput(BAD_CODE, 'bad_reset_code', 'code');
    await accounts.updateAccount(tx.db, account.id, { password_hash: hash });
    await throttles.clearFailures(tx.db, key);
    await throttles.clearFailures(tx.db, `login:${account.id}`);
    await endOtherSessions(tx, account.id, null);
    await tellPasswordChanged(ctx, tx, account);
  });
}
