// What a person sees of their own account: the row, plus addresses waiting for a code and two-factor status.
import type { AccountRow } from '../persistence/repositories/accounts.ts';
import { accountView } from './accounts.ts';
import { hasTwoFactor } from './two-factor.ts';
import { pendingAddresses } from './verification.ts';
import type { ServiceContext } from './context.ts';

export async function fullAccountView(ctx: ServiceContext, account: AccountRow) {
  return {
    ...accountView(account),
    ...(await pendingAddresses(ctx, account)),
    twoFactor: await hasTwoFactor(ctx.db, account.id),
  };
}
