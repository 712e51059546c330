// Every area's routes, registered in this order by the app.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServiceContext } from '../../services/context.ts';
import { authRoutes } from './auth.ts';
import { orgRoutes } from './orgs.ts';
import { siteRoutes } from './sites.ts';
import { handoverRoutes } from './handover.ts';
import { authorizationRoutes } from './authorizations.ts';
import { applicationRoutes } from './applications.ts';
import { healthRoutes } from './health.ts';
import { deviceRoutes } from './devices.ts';
import { adminDeviceRoutes } from './admin-devices.ts';
import { inboxRoutes } from './inbox.ts';
import { ticketRoutes } from './tickets.ts';
import { jwksRoutes } from './jwks.ts';
import { mediamtxRoutes } from './mediamtx.ts';
import { metricsRoutes } from './metrics.ts';
import { accessReviewRoutes } from './access-review.ts';
import { verificationRoutes } from './verification.ts';
import { qrRoutes } from './qr.ts';
import { devMailboxRoutes } from './dev-mailbox.ts';
import { sharingRoutes } from './sharing.ts';
import { homeRoutes } from './home.ts';
import { accessRoutes } from './access.ts';
import { managerRoutes } from './managers.ts';
import { mediaRoutes } from './media.ts';
import { deviceLinkRoutes } from './device-link.ts';
import { accountSecurityRoutes } from './account-security.ts';
import { webhookRoutes } from '../../webhooks/routes.ts';
import { pushRoutes } from './push.ts';
import { householdRoutes } from './household.ts';
import { guestLinkRoutes } from './guest-links.ts';
import { claimRoutes } from './claims.ts';

export const routeModules: Array<FastifyPluginAsyncTypebox<{ ctx: ServiceContext }>> = [
  healthRoutes,
  authRoutes,
  verificationRoutes,
  qrRoutes,
  devMailboxRoutes,
];
routeModules.push(
  metricsRoutes as unknown as FastifyPluginAsyncTypebox<{ ctx: ServiceContext }>,
  ticketRoutes,
  jwksRoutes,
  mediamtxRoutes,
  accessReviewRoutes,
);
routeModules.push(deviceRoutes, adminDeviceRoutes, inboxRoutes);
routeModules.push(sharingRoutes, homeRoutes, accessRoutes);
routeModules.push(accountSecurityRoutes);
routeModules.push(orgRoutes, siteRoutes, handoverRoutes, authorizationRoutes, applicationRoutes);
routeModules.push(managerRoutes);
routeModules.push(mediaRoutes);
routeModules.push(deviceLinkRoutes);
routeModules.push(webhookRoutes);
routeModules.push(pushRoutes);
routeModules.push(householdRoutes);
routeModules.push(guestLinkRoutes);
routeModules.push(claimRoutes);
