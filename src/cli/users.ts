// `keyholder user create`: an account from the command line (the first operator, or test people).
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import { AppError } from '../domain/errors.ts';
import { register } from '../services/accounts.ts';
import { withServiceContext } from './context.ts';

export interface UserCreateOptions {
  email?: string;
  phone?: string;
  name: string;
  password?: string;
  operator?: boolean;
  verified?: boolean;
  timeZone?: string;
}

/** Returns the lines to print, or the one-line reason it failed. */
export async function createUser(
  config: Config,
  options: UserCreateOptions,
): Promise<{ ok: boolean; message: string }> {
  const generated = options.password ? null : randomBytes(12).toString('base64url');
  const password = options.password ?? generated!;
  try {
    return await withServiceContext(config, async (ctx, describe) => {
      const account = await register(
        ctx,
        { email: options.email, phone: options.phone, displayName: options.name, password, timeZone: options.timeZone },
        { operator: !!options.operator, verified: !!options.verified },
      );
      const login = account.email ?? account.phone!;
      const lines = [
        `Created ${account.is_operator ? 'operator' : 'account'} ${account.id} (${login}) in ${describe}.`,
        generated ? `Password (shown once): ${generated}` : null,
        account.email_verified_at === null && account.email
          ? 'A verification code for the email address waits in the outbox.'
          : null,
        account.phone_verified_at === null && account.phone
          ? 'A verification code for the phone number waits in the outbox.'
          : null,
      ];
      return { ok: true, message: lines.filter((l) => l !== null).join('\n') };
    });
  } catch (err) {
    if (err instanceof AppError) return { ok: false, message: err.field ? `${err.detail} (${err.field})` : err.detail };
    throw err;
  }
}
