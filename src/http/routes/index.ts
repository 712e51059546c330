// Every area's routes, registered in this order by the app.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServiceContext } from '../../services/context.ts';
import { authRoutes } from './auth.ts';
import { healthRoutes } from './health.ts';

export const routeModules: Array<FastifyPluginAsyncTypebox<{ ctx: ServiceContext }>> = [healthRoutes, authRoutes];
