// Proving that an email address or phone number belongs to the account: a 6-digit code goes out through
// the outbox, the person types it back. Codes are stored hashed, expire, allow few guesses, and are throttled.
import { randomBytes } from 'node:crypto';
import { newId, newNumericCode } from '../lib/ids.ts';
import { hashToken, safeEqual, verifyPassword } from '../lib/secrets.ts';
import { normalizeEmail, normalizePhone } from '../domain/contact.ts';
import { AppError, conflict, gone, invalidInput, tooMany } from '../domain/errors.ts';
import * as accounts from '../persistence/repositories/accounts.ts';
import * as codes from '../persistence/repositories/verification-codes.ts';
import * as throttles from '../persistence/repositories/throttles.ts';
import type { AccountRow } from '../persistence/repositories/accounts.ts';
import { onRegister } from './accounts.ts';
import { transact, type ServiceContext, type Tx } from './context.ts';
import { sendToAddress } from './notifier.ts';

export type Channel = 'email' | 'phone';

export const CODE_TTL_MS = 15 * 60_000;
/** Wrong guesses one code survives; after that a new code must be asked for. */
export const MAX_CODE_ATTEMPTS = 5;
/** Across codes: a person (or someone holding their session) cannot keep guessing by resending. */
const VERIFY_RULE = { max: 10, windowMs: 60 * 60_000, blockMs: 60 * 60_000 };
const RESEND_RULE = { max: 5, windowMs: 60 * 60_000, blockMs: 60 * 60_000 };
const PASSWORD_RULE = { max: 5, windowMs: 15 * 60_000, blockMs: 15 * 60_000 };

/** Runs inside the transaction that marks an address verified (e.g. to deliver invitations waiting for it). */
export type ContactVerifiedHook = (
  ctx: ServiceContext,
  tx: Tx,
  account: AccountRow,
  channel: Channel,
  address: string,
) => Promise<void>;
const verifiedHooks: ContactVerifiedHook[] = [];
export function onContactVerified(hook: ContactVerifiedHook): void {
  verifiedHooks.push(hook);
}

function addressOf(account: AccountRow, channel: Channel): string | null {
  return channel === 'email' ? account.email : account.phone;
}

function isVerified(account: AccountRow, channel: Channel): boolean {
  return (channel === 'email' ? account.email_verified_at : account.phone_verified_at) !== null;
}

/** The code is short, so each row gets its own salt: a leaked table cannot be looked up in one precomputed list. */
function hashCode(salt: string, code: string): string {
  return `${salt}$${hashToken(`${salt}:${code}`)}`;
}

function codeMatches(stored: string, code: string): boolean {
  const [salt] = stored.split('$');
  return !!salt && safeEqual(stored, hashCode(salt, code));
}

/** Replaces any pending code for the channel with a new one and queues it, in the caller's transaction. */
export async function sendCode(tx: Tx, account: AccountRow, channel: Channel): Promise<void> {
  const address = addressOf(account, channel);
  if (!address) return;
  const code = newNumericCode(6);
  await codes.deleteCodes(tx.db, account.id, channel);
  await codes.insertCode(tx.db, {
    id: newId('vc'),
    account_id: account.id,
    channel,
    target: address,
    code_hash: hashCode(randomBytes(12).toString('base64url'), code),
    attempts: 0,
    expires_at: tx.now + CODE_TTL_MS,
    created_at: tx.now,
  });
  await sendToAddress(
    tx,
    channel === 'email'
      ? {
          channel: 'email',
          recipient: address,
          subject: `Your Keyholder verification code: ${code}`,
          body:
            `Hello ${account.display_name},\n\nyour code to verify this email address for Keyholder is ${code}.\n` +
            `It expires in 15 minutes. If you did not ask for it, ignore this message.\n`,
        }
      : {
          channel: 'sms',
          recipient: address,
          subject: 'Keyholder code',
          body: `Keyholder code: ${code} (valid 15 min). Do not share it.`,
        },
  );
}

onRegister(async (ctx, tx, account) => {
  for (const channel of ['email', 'phone'] as const) {
    const address = addressOf(account, channel);
    if (!address) continue;
    // An account created already verified (operator CLI, demo) gets what was waiting for its address at once.
    if (isVerified(account, channel)) for (const hook of verifiedHooks) await hook(ctx, tx, account, channel, address);
    else await sendCode(tx, account, channel);
  }
});

/** Checks a code the person typed; on success the address is verified and the hooks run in the same transaction. */
export async function verifyContact(
  ctx: ServiceContext,
  accountId: string,
  channel: Channel,
  code: string,
): Promise<AccountRow> {
  const now = ctx.clock.now();
  const throttleKey = `verify:${accountId}`;
  const wait = await throttles.blockedFor(ctx.db, throttleKey, now);
  if (wait > 0) throw tooMany('Too many wrong codes. Try again later.', Math.ceil(wait / 1000));

  const outcome = await transact(ctx, async (tx) => {
    const account = await accounts.findAccountById(tx.db, accountId);
    if (!account) throw new AppError('unauthenticated', 'This account no longer exists.');
    const address = addressOf(account, channel);
    if (!address)
      throw invalidInput(
        `This account has no ${channel === 'email' ? 'email address' : 'phone number'} to verify.`,
        undefined,
        'channel',
      );
    if (isVerified(account, channel))
      throw conflict(
        `This ${channel === 'email' ? 'email address' : 'phone number'} is already verified.`,
        'already_verified',
        'channel',
      );
    const pending = await codes.findPendingCode(tx.db, accountId, channel);
    if (!pending || pending.target !== address || pending.attempts >= MAX_CODE_ATTEMPTS) {
      throw invalidInput('There is no code waiting to be entered. Ask for a new one.', 'no_code', 'code');
    }
    if (pending.expires_at <= tx.now) throw gone('The code has expired. Ask for a new one.', 'code_expired');
    if (!codeMatches(pending.code_hash, code)) return { ok: false as const, codeId: pending.id };
    const patch = channel === 'email' ? { email_verified_at: tx.now } : { phone_verified_at: tx.now };
    await accounts.updateAccount(tx.db, accountId, patch);
    await codes.deleteCodes(tx.db, accountId, channel);
    const verified = { ...account, ...patch };
    for (const hook of verifiedHooks) await hook(ctx, tx, verified, channel, address);
    return { ok: true as const, account: verified };
  });
  if (outcome.ok) return outcome.account;

  // The wrong guess is counted in its own transaction: the one above changed nothing and committed nothing.
  const attempts = await transact(ctx, async (tx) => {
    await throttles.recordFailure(tx.db, throttleKey, tx.now, VERIFY_RULE);
    return codes.countAttempt(tx.db, outcome.codeId);
  });
  const left = MAX_CODE_ATTEMPTS - attempts;
  throw invalidInput(
    left > 0
      ? `The code is wrong (${left} ${left === 1 ? 'try' : 'tries'} left).`
      : 'The code is wrong. This code can no longer be used: ask for a new one.',
    'wrong_code',
    'code',
  );
}

/** Sends a fresh code for an address that is not verified yet. */
export async function resendCode(ctx: ServiceContext, accountId: string, channel: Channel): Promise<void> {
  const throttleKey = `resend:${accountId}:${channel}`;
  const wait = await throttles.blockedFor(ctx.db, throttleKey, ctx.clock.now());
  if (wait > 0) throw tooMany('Too many codes asked for. Try again later.', Math.ceil(wait / 1000));
  await transact(ctx, async (tx) => {
    const account = await accounts.findAccountById(tx.db, accountId);
    if (!account) throw new AppError('unauthenticated', 'This account no longer exists.');
    if (!addressOf(account, channel))
      throw invalidInput(
        `This account has no ${channel === 'email' ? 'email address' : 'phone number'}.`,
        undefined,
        'channel',
      );
    if (isVerified(account, channel))
      throw conflict(
        `This ${channel === 'email' ? 'email address' : 'phone number'} is already verified.`,
        'already_verified',
        'channel',
      );
    await throttles.recordFailure(tx.db, throttleKey, tx.now, RESEND_RULE);
    await sendCode(tx, account, channel);
  });
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || /UNIQUE constraint failed/i.test(e?.message ?? '');
}

/**
 * Adds or changes the account's email address or phone number. The new address is unverified until its code
 * is entered. Asks for the password, so a borrowed session cannot move the account to another address.
 */
export async function changeContact(
  ctx: ServiceContext,
  accountId: string,
  channel: Channel,
  rawAddress: string,
  password: string,
): Promise<AccountRow> {
  const address = channel === 'email' ? normalizeEmail(rawAddress) : normalizePhone(rawAddress);
  const throttleKey = `password:${accountId}`;
  const sendKey = `resend:${accountId}:${channel}`;
  const now = ctx.clock.now();
  const wait = await throttles.blockedFor(ctx.db, throttleKey, now);
  if (wait > 0) throw tooMany('Too many wrong passwords. Try again later.', Math.ceil(wait / 1000));
  // Each change sends a code, so it counts against the same limit as asking for one.
  const sendWait = await throttles.blockedFor(ctx.db, sendKey, now);
  if (sendWait > 0) throw tooMany('Too many codes asked for. Try again later.', Math.ceil(sendWait / 1000));
  const current = await accounts.findAccountById(ctx.db, accountId);
  if (!current) throw new AppError('unauthenticated', 'This account no longer exists.');
  if (!(await verifyPassword(password, current.password_hash))) {
    await transact(ctx, (tx) => throttles.recordFailure(tx.db, throttleKey, tx.now, PASSWORD_RULE));
    throw new AppError('forbidden', 'The password is wrong.', 'password', 'bad_password');
  }
  try {
    return await transact(ctx, async (tx) => {
      const account = await accounts.findAccountById(tx.db, accountId);
      if (!account) throw new AppError('unauthenticated', 'This account no longer exists.');
      if (addressOf(account, channel) === address && isVerified(account, channel)) return account;
      const other =
        channel === 'email'
          ? await accounts.findAccountByEmail(tx.db, address)
          : await accounts.findAccountByPhone(tx.db, address);
      if (other && other.id !== accountId) throw takenError(channel);
      const patch =
        channel === 'email' ? { email: address, email_verified_at: null } : { phone: address, phone_verified_at: null };
      await accounts.updateAccount(tx.db, accountId, patch);
      const changed = { ...account, ...patch };
      await throttles.recordFailure(tx.db, sendKey, tx.now, RESEND_RULE);
      await sendCode(tx, changed, channel);
      return changed;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw takenError(channel);
    throw err;
  }
}

function takenError(channel: Channel): AppError {
  return channel === 'email'
    ? conflict('An account with this email address already exists.', 'email_taken', 'email')
    : conflict('An account with this phone number already exists.', 'phone_taken', 'phone');
}
