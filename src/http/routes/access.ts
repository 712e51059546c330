// The access decision over HTTP: one check or a batch.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { invalidInput } from '../../domain/errors.ts';
import { checkSelfFromMemory, runChecks, type CheckInput } from '../../services/access-check.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { problemResponses } from '../schemas/common.ts';
import { CheckBody, CheckResponse } from '../schemas/sharing.ts';

const batchField = (i: number, name: string) => `checks[${i}].${name}`;
const singleField = (_i: number, name: string) => name;

export const accessRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/api/access/check',
    {
      schema: {
        tags: ['access'],
        operationId: 'checkAccess',
        summary:
          'May this person do this on this device channel now (or at `at`)? Single or batch (checks: up to 1000)',
        body: CheckBody,
        response: { 200: CheckResponse, ...problemResponses },
      },
      // A check's answer is a few hundred bytes, under the compression threshold, and its body is tiny: the
      // compression hooks would only cost every check (docs/performance.md).
      compress: false,
      decompress: false,
    },
    // Not async: the common check (one, about oneself, answered from memory) is returned as it is, without the
    // promises an async handler and the batch path cost; anything else returns the batch path's promise.
    (request) => {
      const p = requirePrincipal(request);
      const caller = { accountId: p.accountId, isOperator: p.isOperator, account: p.account };
      const body = request.body;
      if (body.checks) {
        const extra = Object.keys(body).find((k) => k !== 'checks');
        if (extra) throw invalidInput('Send either one check or "checks", not both.', 'invalid_check', extra);
        return runChecks(ctx, caller, body.checks as CheckInput[], batchField).then((results) => ({ results }));
      }
      if (body.deviceId === undefined) throw invalidInput('"deviceId" is required.', undefined, 'deviceId');
      if (body.permission === undefined) throw invalidInput('"permission" is required.', undefined, 'permission');
      // The body is exactly one check here (the schema refuses unknown properties; `checks` is absent).
      const one = body as CheckInput;
      return (
        checkSelfFromMemory(ctx, caller, one, singleField) ??
        runChecks(ctx, caller, [one], singleField).then(([result]) => result!)
      );
    },
  );
};
