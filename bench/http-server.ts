// A server for the HTTP benchmark, in its own process: `bare` (a Fastify route returning a constant) or
// `keyholder` (the real app on SQLite, one owner, one shared recorder, a bearer token). Both use the same process
// settings: the app's pino logger (same level, same redaction) as Fastify's logger, the same Fastify options that
// shape request handling (logger, trustProxy, bodyLimit), one request log line per request at `info`. The bare
// server has none of the app's plugins and hooks (cookies, authentication, validation, metrics, problem
// handling): they are what the comparison measures. Sends {port, token?, body} to the parent over IPC when
// listening (stdout is left to the log lines); stops on SIGTERM. `keyholder` also serves the bare route, on
// `barePort`, from its own process: the comparison without the difference between two processes.
// `bare-mediamtx` / `mediamtx` / `mediamtx-nocache`: the same for POST /mediamtx/auth with MediaMTX's body and a
// valid stream ticket (the real app with and without its verified-ticket cache).
// Usage: http-server.ts bare|keyholder|bare-mediamtx|mediamtx|mediamtx-nocache [log level, default silent]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { loadConfig } from '../src/config.ts';
import { RequestLog } from '../src/http/plugins/request-log.ts';
import { createLogger, createRuntime } from '../src/runtime.ts';
import { seedBenchDevice } from './seed.ts';
import { issueStreamTicket, rememberVerifiedTickets } from '../src/services/stream-tickets.ts';

/** What MediaMTX POSTs for an HLS reader (internal/auth/manager.go). */
const mtxBody = (token: string, path: string) => ({
  ip: '127.0.0.1',
  user: '',
  password: '',
  token,
  action: 'read',
  path,
  protocol: 'hls',
  id: '0b6f2a52-54b4-4c55-9a4b-5d1c2b9e3f10',
  query: '',
  userAgent: 'bench',
});

const mode = process.argv[2];
const logLevel = process.argv[3] ?? 'silent';
const send = (info: object) => (process.send ? process.send(info) : console.log(JSON.stringify(info)));

/** The bare server: the app's logger and the Fastify options that shape request handling, two constant routes. */
async function bareServer() {
  const config = loadConfig({ LOG_LEVEL: logLevel, KEYHOLDER_DEMO: '0' });
  const app = Fastify({
    loggerInstance: createLogger(config) as FastifyBaseLogger,
    logController: new RequestLog(),
    trustProxy: false,
    bodyLimit: 1024 * 1024,
  });
  app.post('/api/access/check', async () => ({ allowed: true }));
  app.post('/mediamtx/auth', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, port: (app.server.address() as { port: number }).port };
}

if (mode === 'bare' || mode === 'bare-mediamtx') {
  const { app, port } = await bareServer();
  if (mode === 'bare') send({ port, body: { deviceId: 'x', channel: 1, permission: 'live_view' } });
  else send({ port, path: '/mediamtx/auth', body: mtxBody('x', 'x/1') });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
} else {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-bench-http-'));
  const config = loadConfig({
    DATA_DIR: dir,
    LOG_LEVEL: logLevel,
    KEYHOLDER_DEMO: '0',
    SCRYPT_COST: '1024',
    // Several servers run at once (and other programs may hold 1884): the device link's broker on any free port.
    MQTT_PORT: '0',
    COOKIE_SECURE: 'false',
    // The ticket must outlive the whole benchmark.
    STREAM_TICKET_TTL_SECONDS: '3600',
  });
  const rt = await createRuntime(config);
  const reg = await rt.app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { email: 'bench@example.com', password: 'benchmark password', displayName: 'Bench' },
  });
  const account = reg.json() as { id: string };
  const login = await rt.app.inject({
    method: 'POST',
    url: '/api/auth/tokens',
    payload: { login: 'bench@example.com', password: 'benchmark password' },
  });
  const token = (login.json() as { token: string }).token;
  const deviceId = await seedBenchDevice(rt, account.id, 8);
  await rt.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (rt.app.server.address() as { port: number }).port;
  // `keyholder` also serves the bare server, from this process: the same heap, garbage collector and background
  // work as the app's. A bare route in a process that also runs the app served about a third fewer requests per
  // second than in a process of its own (docs/performance.md).
  const bare = mode === 'keyholder' ? await bareServer() : null;
  if (bare) send({ port, barePort: bare.port, token, body: { deviceId, channel: 3, permission: 'live_view' } });
  else {
    rememberVerifiedTickets(mode === 'mediamtx');
    const t = await issueStreamTicket(rt.ctx, account.id, { deviceId, channel: 3, permission: 'live_view' });
    send({ port, path: '/mediamtx/auth', body: mtxBody(t.ticket, t.path) });
  }
  process.once(
    'SIGTERM',
    () =>
      void Promise.all([rt.close(), bare?.app.close()]).then(() => {
        fs.rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      }),
  );
}
