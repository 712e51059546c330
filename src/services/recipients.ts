// Picking the person to share with: by email, phone, QR text, an uploaded QR image, or the id a resolve returned.
import { AppError, invalidInput } from '../domain/errors.ts';
import { normalizeEmail, normalizePhone } from '../domain/contact.ts';
import * as accounts from '../persistence/repositories/accounts.ts';
import type { AccountRow } from '../persistence/repositories/accounts.ts';
import { resolveAccountByQrImage, resolveAccountByQrText } from './qr-id.ts';
import type { ServiceContext } from './context.ts';

export interface RecipientInput {
  email?: string;
  phone?: string;
  qrText?: string;
  /** An id returned by POST /api/recipients/resolve(-image). */
  accountId?: string;
}

export const NEEDS_ACCOUNT = 'The recipient needs a Keyholder account first: ask them to sign up, then share again.';

function missing(what: string, field: string): AppError {
  return new AppError(
    'not_found',
    `No Keyholder account uses this ${what}. ${NEEDS_ACCOUNT}`,
    field,
    'recipient_not_found',
  ).with({ channel: what === 'phone number' ? 'phone' : what === 'email address' ? 'email' : 'id' });
}

/**
 * Who a share is for: an account, or (for an email or phone no account has proven yet) the address itself, which
 * the share waits for. An address held by an account that never verified it is treated like an unknown one: the
 * holder may not be its owner (see docs/sharing.md, "Waiting shares").
 */
export type ShareTarget =
  { kind: 'account'; account: AccountRow } | { kind: 'waiting'; channel: 'email' | 'phone'; contact: string };

export async function resolveShareTarget(
  ctx: ServiceContext,
  input: RecipientInput,
  field = 'recipient',
): Promise<ShareTarget> {
  try {
    return { kind: 'account', account: await resolveRecipient(ctx, input, field) };
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'recipient_not_found') throw err;
    if (input.email) return { kind: 'waiting', channel: 'email', contact: normalizeEmail(input.email) };
    if (input.phone) return { kind: 'waiting', channel: 'phone', contact: normalizePhone(input.phone) };
    throw err;
  }
}

/**
 * Finds the recipient; `field` prefixes error fields (e.g. `recipient`). By email or phone only an account that
 * verified that address is found.
 */
export async function resolveRecipient(
  ctx: ServiceContext,
  input: RecipientInput,
  field = 'recipient',
): Promise<AccountRow> {
  const given = (['email', 'phone', 'qrText', 'accountId'] as const).filter(
    (k) => input[k] !== undefined && input[k] !== '',
  );
  if (given.length !== 1)
    throw invalidInput(
      'Pick the recipient by exactly one of email, phone, qrText or accountId.',
      'invalid_recipient',
      field,
    );
  if (input.email !== undefined && input.email !== '') {
    const email = normalizeEmail(input.email, `${field}.email`);
    const a = await accounts.findAccountByEmail(ctx.db, email);
    if (!a || a.email_verified_at === null) throw missing('email address', `${field}.email`);
    return a;
  }
  if (input.phone !== undefined && input.phone !== '') {
    const phone = normalizePhone(input.phone, `${field}.phone`);
    const a = await accounts.findAccountByPhone(ctx.db, phone);
    if (!a || a.phone_verified_at === null) throw missing('phone number', `${field}.phone`);
    return a;
  }
  if (input.qrText !== undefined && input.qrText !== '') {
    try {
      return await resolveAccountByQrText(ctx, input.qrText);
    } catch (err) {
      if (err instanceof AppError) throw new AppError(err.kind, err.detail, `${field}.qrText`, err.code);
      throw err;
    }
  }
  const a = await accounts.findAccountById(ctx.db, input.accountId!);
  if (!a) throw missing('id', `${field}.accountId`);
  return a;
}

export function resolveRecipientImage(ctx: ServiceContext, image: Buffer, mime: string): Promise<AccountRow> {
  return resolveAccountByQrImage(ctx, image, mime);
}
