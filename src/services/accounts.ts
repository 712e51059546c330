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
    if (!row) throw notFound('No such account.');
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
  if (!input.email && !input.phone) throw invalidInput('Give an email address or a phone number.', undefined, 'email');
  const email = input.email ? normalizeEmail(input.email) : null;
  const phone = input.phone ? normalizePhone(input.phone) : null;
  checkPassword(input.password);
  const displayName = checkDisplayName(input.displayName);
  const timeZone = input.timeZone ?? 'UTC';
  if (!isValidTimeZone(timeZone))
    throw invalidInput(
      `"${timeZone}" is not a known time zone (use an IANA name such as Europe/Dublin).`,
      undefined,
      'timeZone',
    );
  const passwordHash = await hashPassword(input.password, ctx.config.scryptCost);
  return transact(ctx, async (tx) => {
    if (email && (await accounts.findAccountByEmail(tx.db, email)))
      throw conflict('An account with this email address already exists.', 'email_taken', 'email');
    if (phone && (await accounts.findAccountByPhone(tx.db, phone)))
      throw conflict('An account with this phone number already exists.', 'phone_taken', 'phone');
    const row: AccountRow = {
      id: newId('acc'),
      email,
      email_verified_at: opts.verified && email ? tx.now : null,
      phone,
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
    for (const hook of afterRegisterHooks) await hook(ctx, tx, row);
    return row;
  });
}

/** Called inside the registration transaction (e.g. to send verification codes). */
export type AfterRegisterHook = (
  ctx: ServiceContext,
  tx: import('./context.ts').Tx,
  account: AccountRow,
) => Promise<void>;
const afterRegisterHooks: AfterRegisterHook[] = [];
export function onRegister(hook: AfterRegisterHook): void {
  afterRegisterHooks.push(hook);
}

const LOGIN_PER_ACCOUNT = { max: 5, windowMs: 15 * 60_000, blockMs: 15 * 60_000 };
const LOGIN_PER_ADDRESS = { max: 30, windowMs: 15 * 60_000, blockMs: 15 * 60_000 };
const BAD_LOGIN = 'The login or password is wrong.';

export async function findByLogin(ctx: ServiceContext, login: string): Promise<AccountRow | undefined> {
  const trimmed = login.trim();
  if (looksLikeEmail(trimmed)) {
    const email = trimmed.toLowerCase();
    return accounts.findAccountByEmail(ctx.db, email);
  }
  let phone: string;
  try {
    phone = normalizePhone(trimmed, 'login');
  } catch {
    return undefined;
  }
  return accounts.findAccountByPhone(ctx.db, phone);
}

/**
 * Checks a password login and opens a session. Failures are throttled per account and per address,
 * and the answer is the same whether or not the account exists.
 */
export async function login(
  ctx: ServiceContext,
  input: { login: string; password: string },
  meta: { ip: string | null; userAgent: string | null },
  kind: 'cookie' | 'bearer',
): Promise<{ token: string; account: AccountRow; expiresAt: number }> {
  const now = ctx.clock.now();
  const account = await findByLogin(ctx, input.login);
  // Per account, whichever of its email or phone is typed; an unknown login is counted under its own name,
  // so it is throttled exactly like a real one.
  const loginKey = account ? `login:${account.id}` : `login:${input.login.trim().toLowerCase()}`;
  const addressKey = `login-ip:${meta.ip ?? 'unknown'}`;
  const wait = Math.max(
    await throttles.blockedFor(ctx.db, loginKey, now),
    await throttles.blockedFor(ctx.db, addressKey, now),
  );
  if (wait > 0) throw tooMany('Too many failed logins. Try again later.', Math.ceil(wait / 1000));
  const ok = account
    ? await verifyPassword(input.password, account.password_hash)
    : (await burnPasswordCheck(input.password, ctx.config.scryptCost), false);
  if (!account || !ok) {
    await transact(ctx, async (tx) => {
      await throttles.recordFailure(tx.db, loginKey, now, LOGIN_PER_ACCOUNT);
      await throttles.recordFailure(tx.db, addressKey, now, LOGIN_PER_ADDRESS);
    });
    throw new AppError('unauthenticated', BAD_LOGIN, undefined, 'bad_login');
  }
  return transact(ctx, async (tx) => {
    await throttles.clearFailures(tx.db, loginKey);
    const session = await startSession(tx.db, account.id, kind, meta, tx.now);
    return { token: session.token, account, expiresAt: session.expiresAt };
  });
}

export async function getAccount(ctx: ServiceContext, accountId: string): Promise<AccountRow> {
  const a = await accounts.findAccountById(ctx.db, accountId);
  if (!a) throw new AppError('unauthenticated', 'This account no longer exists.');
  return a;
}
