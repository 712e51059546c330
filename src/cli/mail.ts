// `keyholder mail`: the dev mailbox on the command line, newest first.
import type { Config } from '../config.ts';
import { readMailbox, type MailboxEntry } from '../services/dev-mailbox.ts';
import { withServiceContext } from './context.ts';

function status(m: MailboxEntry): string {
  if (m.deliveredAt !== null) return m.transport === 'dev' ? 'dev mailbox' : `sent (${m.transport})`;
  return m.attempts > 0
    ? `queued, ${m.attempts} failed attempt${m.attempts === 1 ? '' : 's'}: ${m.lastError ?? ''}`
    : 'queued';
}

export function formatMailbox(messages: MailboxEntry[]): string {
  if (messages.length === 0) return 'The mailbox is empty.';
  return messages
    .map((m) => {
      const when = new Date(m.createdAt)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
      const head = `${when}  ${m.channel === 'sms' ? 'SMS  ' : 'email'}  to ${m.recipient}  [${status(m)}]`;
      const body = m.body
        .trimEnd()
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n');
      return `${head}\n  ${m.subject}\n${body}`;
    })
    .join('\n\n');
}

export async function listMail(config: Config, options: { limit: number; to?: string }): Promise<string> {
  return withServiceContext(config, async (ctx) => {
    let messages = await readMailbox(ctx.db, options.to ? 10_000 : options.limit);
    if (options.to)
      messages = messages
        .filter((m) => m.recipient.toLowerCase() === options.to!.toLowerCase())
        .slice(0, options.limit);
    const note =
      config.smtpUrl === null ? '' : 'SMTP_URL is set: these messages are sent by SMTP; this is the outbox.\n\n';
    return note + formatMailbox(messages);
  });
}
