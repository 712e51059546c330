// Accounts: register, log in, who am I.
import { newId, newToken } from '../lib/ids.ts';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../lib/secrets.ts';
import {
  checkDisplayName,
  checkPassword,
  isValidTimeZone,
  looksLikeEmail,
  normalizeEmail,
  normalizePhone,
} from '../domain/contact.ts';
import { AppError, conflict, invalidInput, notFound, tooMany } from '../domain/errors.ts';
import { isLanguage, type Language } from '../i18n/languages.ts';
import * as accounts from '../persistence/repositories/accounts.ts';
import * as throttles from '../persistence/repositories/throttles.ts';
import * as codes from '../persistence/repositories/verification-codes.ts';
import { secondFactor } from './two-factor.ts';
import type { AccountRow } from '../persistence/repositories/accounts.ts';
import { startSession } from './sessions.ts';
import { transact, type ServiceContext } from './context.ts';

export interface RegisterInput {
  email?: string;
  phone?: string;
  password: string;
  displayName: string;
  timeZone?: string;
}

export interface AccountView {
  id: string;
  email: string | null;
  emailVerified: boolean;
  phone: string | null;
  phoneVerified: boolean;
  displayName: string;
  timeZone: string;
  isOperator: boolean;
  createdAt: number;
  /** The language chosen for the app, emails and push texts; null: not chosen (the browser's is used). */
  language: Language | null;
}

export function accountView(a: AccountRow): AccountView {
  return {
    id: a.id,
    email: a.email,
    emailVerified: a.email_verified_at !== null,
    phone: a.phone,
    phoneVerified: a.phone_verified_at !== null,
    displayName: a.display_name,
    timeZone: a.time_zone,
    isOperator: a.is_operator === 1,
    createdAt: a.created_at,
    language: isLanguage(a.language) ? a.language : null,
  };
}

/** Remembers the person's language, so texts sent to them (emails, push notifications) are written in it. */
export async function setLanguage(ctx: ServiceContext, accountId: string, language: Language): Promise<AccountView> {
  return transact(ctx, async (tx) => {
    await accounts.updateAccount(tx.db, accountId, { language });
    const row = await accounts.findAccountById(tx.db, accountId);
    if (!row) throw notFound('No such account.', 'account_not_found');
    return accountView(row);
  });
}

/** A short public view of another person, as shown to someone sharing with them. */
export function personView(a: Pick<AccountRow, 'id' | 'display_name' | 'email' | 'phone'>) {
  return { id: a.id, displayName: a.display_name };
}

export async function register(
  ctx: ServiceContext,
  input: RegisterInput,
  opts: { operator?: boolean; verified?: boolean } = {},
): Promise<AccountRow> {
  if (!input.email && !input.phone)
    throw invalidInput('Give an email address or a phone number.', 'email_or_phone_required', 'email');
  const email = input.email ? normalizeEmail(input.email) : null;
  const phone = input.phone ? normalizePhone(input.phone) : null;
  checkPassword(input.password);
  const displayName = checkDisplayName(input.displayName);
  const timeZone = input.timeZone ?? 'UTC';
  if (!isValidTimeZone(timeZone))
    throw invalidInput(
      `"${timeZone}" is not a known time zone (use an IANA name such as Europe/Dublin).`,
      'unknown_time_zone',
      'timeZone',
    ).with({ value: timeZone });
  const passwordHash = await hashPassword(input.password, ctx.config.scryptCost);
  return transact(ctx, async (tx) => {
    // An address another account holds without having proven it is not lost to the person who really has it:
    // the new account claims it (a code goes to it) and gets it once the code is entered; see verification.ts.
    const claims: Claim[] = [];
    const emailHolder = email ? await accounts.findAccountByEmail(tx.db, email) : undefined;
    if (emailHolder) {
      if (emailHolder.email_verified_at !== null || opts.verified)
        throw conflict('An account with this email address already exists.', 'email_taken', 'email');
      claims.push({ channel: 'email', address: email! });
    }
    const phoneHolder = phone ? await accounts.findAccountByPhone(tx.db, phone) : undefined;
    if (phoneHolder) {
      if (phoneHolder.phone_verified_at !== null || opts.verified)
        throw conflict('An account with this phone number already exists.', 'phone_taken', 'phone');
      claims.push({ channel: 'phone', address: phone! });
    }
    const row: AccountRow = {
      id: newId('acc'),
      email: emailHolder ? null : email,
      email_verified_at: opts.verified && email ? tx.now : null,
      phone: phoneHolder ? null : phone,
      phone_verified_at: opts.verified && phone ? tx.now : null,
      display_name: displayName,
      password_hash: passwordHash,
      qr_ref: newToken(),
      time_zone: timeZone,
      is_operator: opts.operator ? 1 : 0,
      created_at: tx.now,
      language: null,
    };
    await accounts.insertAccount(tx.db, row);
    for (const hook of afterRegisterHooks) await hook(ctx, tx, row, claims);
    return row;
  });
}

/** An address a new account registered while another, unverified account held it. */
export interface Claim {
  channel: 'email' | 'phone';
  address: string;
}

/** Called inside the registration transaction (e.g. to send verification codes). */
export type AfterRegisterHook = (
  ctx: ServiceContext,
  tx: import('./context.ts').Tx,
  account: AccountRow,
  claims: Claim[],
) => Promise<void>;
const afterRegisterHooks: AfterRegisterHook[] = [];
export function onRegister(hook: AfterRegisterHook): void {
  afterRegisterHooks.push(hook);
}

const LOGIN_PER_ACCOUNT = { max: 5, windowMs: 15 * 60_000, blockMs: 15 * 60_000 };
const LOGIN_PER_ADDRESS = { max: 30, windowMs: 15 * 60_000, blockMs: 15 * 60_000 };
const BAD_LOGIN = 'The login or password is wrong.';

/** How many accounts one typed login may stand for: its holder and the accounts claiming it (see register). */
const MAX_LOGIN_CANDIDATES = 4;

/**
 * The accounts a typed email or phone may log in to: the one holding it, and, while nobody has proven it, the
 * accounts that registered it since and are waiting for its code (each can only be opened with its own password).
 */
export async function loginCandidates(ctx: ServiceContext, login: string): Promise<AccountRow[]> {
  const trimmed = login.trim();
  let channel: 'email' | 'phone';
  let address: string;
  try {
    [channel, address] = looksLikeEmail(trimmed)
      ? ['email', normalizeEmail(trimmed, 'login')]
      : ['phone', normalizePhone(trimmed, 'login')];
  } catch {
    return [];
  }
  const holder =
    channel === 'email'
      ? await accounts.findAccountByEmail(ctx.db, address)
      : await accounts.findAccountByPhone(ctx.db, address);
  if (holder && (channel === 'email' ? holder.email_verified_at : holder.phone_verified_at) !== null) return [holder];
  const found = holder ? [holder] : [];
  for (const { account_id } of await codes.claimantsOf(ctx.db, channel, address, MAX_LOGIN_CANDIDATES)) {
    if (found.length >= MAX_LOGIN_CANDIDATES || found.some((a) => a.id === account_id)) continue;
    const a = await accounts.findAccountById(ctx.db, account_id);
    if (a) found.push(a);
  }
  return found;
}

/** The first candidate whose password matches (each is checked, so the time does not tell how many there are). */
async function matchPassword(candidates: AccountRow[], password: string): Promise<AccountRow | undefined> {
  let match: AccountRow | undefined;
  for (const a of candidates) if ((await verifyPassword(password, a.password_hash)) && !match) match = a;
  return match;
}

/**
 * Checks a password login and opens a session. Failures are throttled per account and per address,
 * and the answer is the same whether or not the account exists.
 */
export async function login(
  ctx: ServiceContext,
  input: { login: string; password: string; otp?: string },
  meta: { ip: string | null; userAgent: string | null },
  kind: 'cookie' | 'bearer',
): Promise<{ token: string; account: AccountRow; expiresAt: number }> {
  const now = ctx.clock.now();
  const candidates = await loginCandidates(ctx, input.login);
  const account = candidates[0];
  // Per account, whichever of its email or phone is typed; an unknown login is counted under its own name,
  // so it is throttled exactly like a real one.
  const loginKey = account ? `login:${account.id}` : `login:${input.login.trim().toLowerCase()}`;
  const addressKey = `login-ip:${meta.ip ?? 'unknown'}`;
  // Both slots are taken before the password is checked, so concurrent guesses cannot outrun the limit.
  const perAccount = await throttles.reserveAttempt(ctx.db, loginKey, now, LOGIN_PER_ACCOUNT);
  const perAddress = await throttles.reserveAttempt(ctx.db, addressKey, now, LOGIN_PER_ADDRESS);
  const refund = async () => {
    await throttles.refundAttempt(ctx.db, perAccount, LOGIN_PER_ACCOUNT);
    await throttles.refundAttempt(ctx.db, perAddress, LOGIN_PER_ADDRESS);
  };
  if (!perAccount.ok || !perAddress.ok) {
    await refund();
    const wait = Math.max(perAccount.ok ? 0 : perAccount.waitMs, perAddress.ok ? 0 : perAddress.waitMs);
    ctx.log.warn({ event: 'login.throttled', account: account?.id ?? null, ip: meta.ip }, 'login throttled');
    throw tooMany('Too many failed logins. Try again later.', Math.ceil(wait / 1000));
  }
  const matched = account
    ? await matchPassword(candidates, input.password)
    : (await burnPasswordCheck(input.password, ctx.config.scryptCost), undefined);
  // A failed guess keeps both reserved slots: they are its record.
  if (!matched) throw new AppError('unauthenticated', BAD_LOGIN, undefined, 'bad_login');
  try {
    // A wrong second factor counts like a wrong password: its slots stay taken too.
    await secondFactor(ctx, matched, input.otp, async () => {});
  } catch (err) {
    // The right password without a code yet is the first step of a two-step login, not a guess.
    if (err instanceof AppError && err.code === 'two_factor_required') await refund();
    throw err;
  }
  await throttles.refundAttempt(ctx.db, perAddress, LOGIN_PER_ADDRESS);
  return transact(ctx, async (tx) => {
    await throttles.clearFailures(tx.db, loginKey);
    const session = await startSession(tx.db, matched.id, kind, meta, tx.now);
    return { token: session.token, account: matched, expiresAt: session.expiresAt };
  });
}

export async function getAccount(ctx: ServiceContext, accountId: string): Promise<AccountRow> {
  const a = await accounts.findAccountById(ctx.db, accountId);
  if (!a) throw new AppError('unauthenticated', 'This account no longer exists.', undefined, 'account_not_found');
  return a;
}
