// The server's VAPID key pair (RFC 8292): push services accept a message only with a token signed by it, and
// browsers subscribe with its public half. Made once, on first use, and kept in the database (table
// push_vapid_keys) so every instance signs with the same pair and subscriptions survive restarts.
import webpush from 'web-push';
import * as repo from '../../persistence/repositories/push.ts';
import type { ServiceContext } from '../context.ts';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  /** Who runs this server, for the push service to contact: the public https URL, else the mail sender. */
  subject: string;
}

const cache = new WeakMap<ServiceContext, Promise<VapidKeys>>();

function subjectOf(ctx: ServiceContext): string {
  if (ctx.config.publicUrl.startsWith('https://')) return ctx.config.publicUrl;
  const address = /<([^>]+)>/.exec(ctx.config.mailFrom)?.[1] ?? ctx.config.mailFrom.trim();
  return `mailto:${address}`;
}

async function load(ctx: ServiceContext): Promise<VapidKeys> {
  let row = await repo.vapidKeys(ctx.db);
  if (!row) {
    const fresh = webpush.generateVAPIDKeys();
    await repo.insertVapidKeys(ctx.db, {
      id: 'current',
      public_key: fresh.publicKey,
      private_key: fresh.privateKey,
      created_at: ctx.clock.now(),
    });
    row = (await repo.vapidKeys(ctx.db))!;
  }
  return { publicKey: row.public_key, privateKey: row.private_key, subject: subjectOf(ctx) };
}

export function vapidKeys(ctx: ServiceContext): Promise<VapidKeys> {
  let keys = cache.get(ctx);
  if (!keys) {
    keys = load(ctx);
    keys.catch(() => cache.delete(ctx));
    cache.set(ctx, keys);
  }
  return keys;
}
