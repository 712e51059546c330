// The access decision over HTTP: one check or a batch.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { invalid } from '../../domain/errors.ts';
import { runChecks, type CheckInput } from '../../services/access-check.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { problemResponses } from '../schemas/common.ts';
import { CheckBody, CheckResponse } from '../schemas/sharing.ts';

export const accessRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/api/access/check',
    {
      schema: {
        tags: ['access'],
        summary: 'May this person do this on this device channel now (or at `at`)? Single or batch (checks: up to 1000)',
        body: CheckBody,
        response: { 200: CheckResponse, ...problemResponses },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      const caller = { accountId: p.accountId, isOperator: p.isOperator };
      const { checks, ...single } = request.body;
      if (checks) {
        const extra = Object.keys(single)[0];
        if (extra) throw invalid('Send either one check or "checks", not both.', extra, 'invalid_check');
        return { results: await runChecks(ctx, caller, checks as CheckInput[], (i, name) => `checks[${i}].${name}`) };
      }
      if (single.deviceId === undefined) throw invalid('"deviceId" is required.', 'deviceId');
      if (single.permission === undefined) throw invalid('"permission" is required.', 'permission');
      const [result] = await runChecks(ctx, caller, [single as CheckInput], (_i, name) => name);
      return result!;
    },
  );
};
