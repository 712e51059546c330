import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServiceContext } from '../../services/context.ts';

export const accessReviewRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async () => {};
