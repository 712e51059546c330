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
import { notify, sendToAddress } from './notifier.ts';

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

/**
 * Replaces any pending code for the channel with a new one and queues it, in the caller's transaction. `target`
 * is the address the code proves: the account's own by default, or one it claims (a change of address, or an
 * address registered while another unverified account held it), which only becomes the account's once proven.
 */
export async function sendCode(
  tx: Tx,
  account: AccountRow,
  channel: Channel,
  target: string | null = addressOf(account, channel),
): Promise<void> {
  const address = target;
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

onRegister(async (ctx, tx, account, claims) => {
  for (const channel of ['email', 'phone'] as const) {
    const address = addressOf(account, channel);
    if (address) {
      // An account created already verified (operator CLI, demo) gets what was waiting for its address at once.
      if (isVerified(account, channel))
        for (const hook of verifiedHooks) await hook(ctx, tx, account, channel, address);
      else await sendCode(tx, account, channel);
    }
    const claim = claims.find((c) => c.channel === channel);
    if (claim) await sendCode(tx, account, channel, claim.address);
  }
});

/**
 * Another account's unverified hold on `address` ends: whoever proved the address now has it. The other account
 * keeps everything else (devices, shares, sessions, its other address) and is told in its inbox.
 */
async function dropUnprovenClaims(tx: Tx, winner: AccountRow, channel: Channel, address: string): Promise<void> {
  const holder =
    channel === 'email'
      ? await accounts.findAccountByEmail(tx.db, address)
      : await accounts.findAccountByPhone(tx.db, address);
  if (holder && holder.id !== winner.id) {
    if (isVerified(holder, channel)) throw takenError(channel);
    const patch =
      channel === 'email' ? { email: null, email_verified_at: null } : { phone: null, phone_verified_at: null };
    await accounts.updateAccount(tx.db, holder.id, patch);
    await codes.deleteCodesFor(tx.db, holder.id, channel, address);
    await notify(tx, [holder.id], {
      kind: 'address_removed',
      facts: { address, what: channel === 'email' ? 'Email address' : 'Phone number' },
      data: { channel },
    });
  }
  // Other accounts' claims on the address can no longer succeed.
  await codes.deleteClaimsOn(tx.db, channel, address, winner.id);
}

/**
 * Checks a code the person typed; on success the address is verified and the hooks run in the same transaction.
 * Both limits are taken before the code is compared (the account's slot in its own committed statement, the
 * code's guess in a conditional UPDATE), so concurrent guesses cannot outrun either of them.
 */
export async function verifyContact(
  ctx: ServiceContext,
  accountId: string,
  channel: Channel,
  code: string,
): Promise<AccountRow> {
  const now = ctx.clock.now();
  const throttleKey = `verify:${accountId}`;
  const slot = await throttles.reserveAttempt(ctx.db, throttleKey, now, VERIFY_RULE);
  if (!slot.ok) throw tooMany('Too many wrong codes. Try again later.', Math.ceil(slot.waitMs / 1000));

  let outcome: { ok: true; account: AccountRow } | { ok: false; attempts: number };
  try {
    outcome = await transact(ctx, async (tx) => {
      const account = await accounts.findAccountById(tx.db, accountId);
      if (!account)
        throw new AppError('unauthenticated', 'This account no longer exists.', undefined, 'account_not_found');
      const pending = await codes.findPendingCode(tx.db, accountId, channel);
      const current = addressOf(account, channel);
      // A code for another address than the current one is a change (or a claim): it takes effect only now.
      const changing = pending !== undefined && pending.target !== current;
      if (!changing && !current)
        throw invalidInput(
          `This account has no ${channel === 'email' ? 'email address' : 'phone number'} to verify.`,
          'no_contact',
          'channel',
        ).with({ channel });
      if (!changing && isVerified(account, channel))
        throw conflict(
          `This ${channel === 'email' ? 'email address' : 'phone number'} is already verified.`,
          'already_verified',
          'channel',
        );
      if (!pending) throw noCode();
      if (pending.expires_at <= tx.now) throw gone('The code has expired. Ask for a new one.', 'code_expired');
      // The guess is counted before the comparison and commits with this transaction whatever it finds.
      const attempts = await codes.takeAttempt(tx.db, pending.id, MAX_CODE_ATTEMPTS);
      if (attempts === null) throw noCode();
      if (!codeMatches(pending.code_hash, code)) return { ok: false as const, attempts };
      const address = pending.target;
      await dropUnprovenClaims(tx, account, channel, address);
      const patch =
        channel === 'email'
          ? { email: address, email_verified_at: tx.now }
          : { phone: address, phone_verified_at: tx.now };
      await accounts.updateAccount(tx.db, accountId, patch);
      await codes.deleteCodes(tx.db, accountId, channel);
      const verified = { ...account, ...patch };
      for (const hook of verifiedHooks) await hook(ctx, tx, verified, channel, address);
      return { ok: true as const, account: verified };
    });
  } catch (err) {
    // Nothing was guessed (no code, expired, already verified, a refusing hook): the slot goes back.
    await throttles.refundAttempt(ctx.db, slot, VERIFY_RULE);
    // Two accounts proving the same address at the same instant: the second finds it taken.
    if (isUniqueViolation(err)) throw takenError(channel);
    throw err;
  }
  if (outcome.ok) {
    await throttles.refundAttempt(ctx.db, slot, VERIFY_RULE);
    return outcome.account;
  }
  // A wrong guess keeps the account's slot: it is its record.
  const left = MAX_CODE_ATTEMPTS - outcome.attempts;
  throw invalidInput(
    left > 0
      ? `The code is wrong (${left} ${left === 1 ? 'try' : 'tries'} left).`
      : 'The code is wrong. This code can no longer be used: ask for a new one.',
    'wrong_code',
    'code',
  );
}

function noCode(): AppError {
  return invalidInput('There is no code waiting to be entered. Ask for a new one.', 'no_code', 'code');
}

/** Sends a fresh code for an address that is not verified yet. */
export async function resendCode(ctx: ServiceContext, accountId: string, channel: Channel): Promise<void> {
  const throttleKey = `resend:${accountId}:${channel}`;
  // Taken before anything is sent, so concurrent requests cannot send more codes than the limit.
  const slot = await throttles.reserveAttempt(ctx.db, throttleKey, ctx.clock.now(), RESEND_RULE);
  if (!slot.ok)
    throw tooMany('Too many codes asked for. Try again later.', Math.ceil(slot.waitMs / 1000), 'too_many_codes');
  try {
    await transact(ctx, async (tx) => {
      const account = await accounts.findAccountById(tx.db, accountId);
      if (!account)
        throw new AppError('unauthenticated', 'This account no longer exists.', undefined, 'account_not_found');
      const pending = await codes.findPendingCode(tx.db, accountId, channel);
      if (pending && pending.target !== addressOf(account, channel)) {
        // A change of address waiting for its code: the new code goes to the new address.
        await sendCode(tx, account, channel, pending.target);
        return;
      }
      if (!addressOf(account, channel))
        throw invalidInput(
          `This account has no ${channel === 'email' ? 'email address' : 'phone number'}.`,
          'no_contact',
          'channel',
        ).with({ channel });
      if (isVerified(account, channel))
        throw conflict(
          `This ${channel === 'email' ? 'email address' : 'phone number'} is already verified.`,
          'already_verified',
          'channel',
        );
      await sendCode(tx, account, channel);
    });
  } catch (err) {
    await throttles.refundAttempt(ctx.db, slot, RESEND_RULE);
    throw err;
  }
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || /UNIQUE constraint failed/i.test(e?.message ?? '');
}

/**
 * Adds or changes the account's email address or phone number. The change takes effect only when the code sent
 * to the new address is entered (until then the current address stays, and so does its verification). Asks for
 * the password, so a borrowed session cannot move the account to another address.
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
  // The password guess and the code to send are both taken before the password is checked, so concurrent
  // requests can neither outrun the password limit nor send more codes than asking for them would.
  const guess = await throttles.reserveAttempt(ctx.db, throttleKey, now, PASSWORD_RULE);
  if (!guess.ok) throw tooMany('Too many wrong passwords. Try again later.', Math.ceil(guess.waitMs / 1000));
  const send = await throttles.reserveAttempt(ctx.db, sendKey, now, RESEND_RULE);
  if (!send.ok) {
    await throttles.refundAttempt(ctx.db, guess, PASSWORD_RULE);
    throw tooMany('Too many codes asked for. Try again later.', Math.ceil(send.waitMs / 1000), 'too_many_codes');
  }
  const current = await accounts.findAccountById(ctx.db, accountId);
  const rightPassword = !!current && (await verifyPassword(password, current.password_hash));
  // Only a wrong password counts against the password limit: it keeps its slot, which is its record.
  if (rightPassword || !current) await throttles.refundAttempt(ctx.db, guess, PASSWORD_RULE);
  let sent = false;
  try {
    if (!current)
      throw new AppError('unauthenticated', 'This account no longer exists.', undefined, 'account_not_found');
    if (!rightPassword) throw new AppError('forbidden', 'The password is wrong.', 'password', 'bad_password');
    const account = await transact(ctx, async (tx) => {
      const account = await accounts.findAccountById(tx.db, accountId);
      if (!account)
        throw new AppError('unauthenticated', 'This account no longer exists.', undefined, 'account_not_found');
      if (addressOf(account, channel) === address) {
        // Back to the current address: a pending change is dropped; an unverified address gets a fresh code.
        await codes.deleteCodes(tx.db, accountId, channel);
        if (!isVerified(account, channel)) await sendCode(tx, account, channel);
        return { account, sending: !isVerified(account, channel) };
      }
      const other =
        channel === 'email'
          ? await accounts.findAccountByEmail(tx.db, address)
          : await accounts.findAccountByPhone(tx.db, address);
      // Held by an account that proved it: taken. Held without proof: this account may claim it by proving it.
      if (other && isVerified(other, channel)) throw takenError(channel);
      await sendCode(tx, account, channel, address);
      return { account, sending: true };
    });
    sent = account.sending;
    return account.account;
  } finally {
    // No code went out (wrong password, taken address, back to a verified address): the send slot goes back.
    if (!sent) await throttles.refundAttempt(ctx.db, send, RESEND_RULE);
  }
}

/** The address this account asked to change to (or claimed), still waiting for its code. */
export async function pendingAddresses(
  ctx: ServiceContext,
  account: AccountRow,
): Promise<{ pendingEmail: string | null; pendingPhone: string | null }> {
  const [email, phone] = await Promise.all([
    codes.findPendingCode(ctx.db, account.id, 'email'),
    codes.findPendingCode(ctx.db, account.id, 'phone'),
  ]);
  return {
    pendingEmail: email && email.target !== account.email ? email.target : null,
    pendingPhone: phone && phone.target !== account.phone ? phone.target : null,
  };
}

function takenError(channel: Channel): AppError {
  return channel === 'email'
    ? conflict('An account with this email address already exists.', 'email_taken', 'email')
    : conflict('An account with this phone number already exists.', 'phone_taken', 'phone');
}
