// Remote configuration: a person's command to a device, allowed only with `configuration` on it (the access
// decision, asked now), forwarded over the device link and answered with the device's reply. Every command that
// was allowed is an audit event with who, what and how it ended (answered, failed, offline, timed out).
import { AppError, conflict, forbidden, invalidInput, notFound } from '../domain/errors.ts';
import { isValidTimeZone } from '../domain/contact.ts';
import { deviceLinkOf } from '../device-link/link.ts';
import { linkMetrics } from '../device-link/metrics.ts';
import { COMMAND_TYPES, commandParamsProblem, type CommandType } from '../device-link/protocol.ts';
import { newId } from '../lib/ids.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import { findLinkDevice } from '../persistence/repositories/device-link.ts';
import { transact, type ServiceContext } from './context.ts';
import { tellOwnerIfManager } from './managers.ts';
import { recordDenied } from './denied-attempts.ts';

export interface CommandInput {
  type: string;
  params?: Record<string, unknown>;
  /** Required (true) for commands that destroy data: format_storage. */
  confirm?: boolean;
}

export interface CommandAnswer {
  id: string;
  type: CommandType;
  /** true: the device did it; false: the device refused or failed (see `error`). */
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
  answeredAt: number;
}

export const OFFLINE = 'The device is offline. Commands can be sent once it is connected again.';

type Outcome = 'ok' | 'failed' | 'offline' | 'timeout';

export async function sendCommand(
  ctx: ServiceContext,
  accountId: string,
  deviceId: string,
  input: CommandInput,
): Promise<CommandAnswer> {
  const now = ctx.clock.now();
  const decision = await ctx.access.checkNow(accountId, deviceId, null, 'configuration', now);
  if (!decision.allowed) {
    recordDenied(ctx, accountId, deviceId, decision.reason, 'command', now);
    if (decision.reason === 'no_access') throw notFound('No such device.', 'device_not_found');
    throw forbidden(decision.detail, decision.reason);
  }
  const type = checkType(input.type);
  const params = input.params ?? {};
  const problem = commandParamsProblem(type, params);
  if (problem)
    throw invalidInput(`params${problem.path}: ${problem.message}`, 'invalid_params', `params${problem.path}`);
  const device = await findLinkDevice(ctx.db, deviceId);
  if (!device) throw notFound('No such device.', 'device_not_found');
  if (type === 'format_storage' && input.confirm !== true)
    throw invalidInput(
      'Formatting erases every recording on that disk. Send "confirm": true to go ahead.',
      'confirmation_required',
      'confirm',
    );
  if (type === 'set_time_zone' && !isValidTimeZone(String(params.timeZone)))
    throw invalidInput(
      `"${String(params.timeZone)}" is not a known time zone (IANA, e.g. Europe/Dublin).`,
      'unknown_time_zone',
      'params/timeZone',
    );
  if (type === 'set_channel_name' && Number(params.channel) > device.channel_count)
    throw invalidInput(`This device has ${device.channel_count} channel(s).`, 'unknown_channel', 'params/channel');

  const id = newId('cmd');
  const metrics = linkMetrics(ctx);
  const record = (outcome: Outcome, extra: Record<string, unknown> = {}) => {
    metrics.commands.inc({ type, result: outcome });
    return transact(ctx, async (tx) => {
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: accountId,
        action: 'device.command',
        deviceId,
        objectType: 'device_command',
        objectId: id,
        after: { type, params, outcome, ...extra },
      });
      if (outcome === 'ok') await tellOwnerIfManager(tx, accountId, device, `sent it the command "${type}"`);
    });
  };
  const link = deviceLinkOf(ctx);
  if (!link || device.online !== 1) {
    await record('offline');
    throw conflict(OFFLINE, 'device_offline');
  }
  const outcome = await link.request(deviceId, type, params, id);
  if (outcome.kind === 'timeout') {
    await record('timeout');
    throw new AppError(
      'timeout',
      `The device did not answer within ${Math.round(ctx.config.deviceLink.commandTimeoutMs / 1000)} seconds. It may still carry the command out.`,
      undefined,
      'device_timeout',
    ).with({ seconds: Math.round(ctx.config.deviceLink.commandTimeoutMs / 1000) });
  }
  const reply = outcome.reply;
  await record(reply.ok ? 'ok' : 'failed', reply.ok ? {} : { error: reply.error });
  return {
    id,
    type,
    ok: reply.ok,
    ...(reply.ok ? (reply.result ? { result: reply.result } : {}) : { error: reply.error }),
    answeredAt: ctx.clock.now(),
  };
}

function checkType(raw: string): CommandType {
  if ((COMMAND_TYPES as readonly string[]).includes(raw)) return raw as CommandType;
  throw invalidInput(`"${raw}" is not a command. Known: ${COMMAND_TYPES.join(', ')}.`, 'unknown_command', 'type');
}
