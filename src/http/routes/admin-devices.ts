// The device registry for operators: import devices from the vendor's CSV sheet (or JSON rows).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { invalidInput } from '../../domain/errors.ts';
import { importDevicesCsv, importDevicesJson, type JsonDeviceInput } from '../../services/devices.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requireOperator } from '../plugins/auth.ts';
import { problemResponses } from '../schemas/common.ts';
import { ImportCsvBody, ImportJsonBody, ImportResult } from '../schemas/devices.ts';

/** A registry file of 20,000 devices is a few megabytes; everything else keeps the app's 1 MiB limit. */
const IMPORT_BODY_LIMIT = 16 * 1024 * 1024;

export const adminDeviceRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  // Scoped to this plugin: only the import route reads CSV bodies.
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    '/api/admin/devices/import',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags: ['admin'],
        operationId: 'importDevices',
        summary: 'Import devices into the registry (operators only): all of them or none',
        description:
          'Send the CSV file as text/csv (header: serial,model,kind,channels,verification_code,channel_names,capabilities,firmware_version) ' +
          'or JSON {"devices": [...]}. A bad line stops the whole import; the error names the line and the column.',
        body: {
          content: { 'text/csv': { schema: ImportCsvBody }, 'application/json': { schema: ImportJsonBody } },
        } as unknown as typeof ImportJsonBody,
        response: { 201: ImportResult, ...problemResponses },
      },
    },
    async (request, reply) => {
      const me = requireOperator(request);
      const body = request.body as unknown;
      const result =
        typeof body === 'string'
          ? await importDevicesCsv(ctx, me.accountId, body)
          : body && typeof body === 'object' && Array.isArray((body as { devices?: unknown }).devices)
            ? await importDevicesJson(ctx, me.accountId, (body as { devices: JsonDeviceInput[] }).devices)
            : (() => {
                throw invalidInput(
                  'Send the CSV file as text/csv, or JSON {"devices": [...]}.',
                  'unsupported_import',
                  'body',
                );
              })();
      return reply.status(201).send(result);
    },
  );
};
