// The world the watching browser tests start from: the MediaMTX stand-in, a Keyholder that asks it (and is asked by
// it), and an owner with one bound recorder whose every channel is streaming.
import { importDevicesJson } from '../../src/services/devices.ts';
import { api, startWebServer, verifiedToken, type WebServer } from './browser.ts';
import { startMediaMtxStandin, type MediaMtxStandin } from './mediamtx-standin.ts';

export interface MediaWorld {
  standin: MediaMtxStandin;
  server: WebServer;
  ownerToken: string;
  deviceId: string;
  stop(): Promise<void>;
}

export async function startMediaWorld(opts: {
  /** Keyholder's media settings, given the stand-in's addresses. */
  env(standin: MediaMtxStandin): Record<string, string>;
  recorder: { serial: string; model: string; channels: number; verificationCode: string };
  owner: { name: string; email: string };
}): Promise<MediaWorld> {
  // The stand-in starts before Keyholder (whose address it then learns), so that Keyholder can be told its URLs.
  const standin = await startMediaMtxStandin({ authHttpAddress: 'http://127.0.0.1:9/unset' });
  const server = await startWebServer({ MEDIAMTX_API_URL: standin.apiUrl, ...opts.env(standin) });
  standin.authHttpAddress = `${server.url}/mediamtx/auth`;
  const { serial, verificationCode } = opts.recorder;
  await importDevicesJson(server.runtime.ctx, null, [{ ...opts.recorder, kind: 'recorder' }]);
  const ownerToken = await verifiedToken(server, opts.owner.name, opts.owner.email);
  const bound = await api(server, 'POST', '/api/devices/bind', { serial, verificationCode }, ownerToken);
  const deviceId = ((await bound.json()) as { id: string }).id;
  for (let n = 1; n <= opts.recorder.channels; n++) standin.livePaths.add(`${deviceId}/${n}`);
  return {
    standin,
    server,
    ownerToken,
    deviceId,
    async stop() {
      await server.stop();
      await standin.stop();
    },
  };
}
