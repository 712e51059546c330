// Security headers on every answer, HSTS only over TLS, /metrics behind METRICS_TOKEN, the dev mailbox only when on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { assertProblem } from '../helpers/people.ts';

const METRICS_TOKEN = 'metrics-secret-0123456789';

describeEachDatabase(
  'security headers',
  (h) => {
    test('API answers allow nothing to run, load or frame them (OWASP REST set), and send no page-only header', async () => {
      for (const url of ['/api/me', '/api/nothing-here', '/api/devices']) {
        const res = await h().request({ method: 'GET', url });
        assert.equal(res.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'", url);
        assert.equal(res.headers['x-content-type-options'], 'nosniff');
        assert.equal(res.headers['x-frame-options'], 'DENY');
        assert.equal(res.headers['referrer-policy'], 'no-referrer');
        assert.equal(res.headers['cross-origin-resource-policy'], 'same-origin');
        for (const pageOnly of ['cross-origin-opener-policy', 'origin-agent-cluster', 'x-xss-protection'])
          assert.equal(res.headers[pageOnly], undefined, `${url}: ${pageOnly}`);
        assert.equal(res.headers['strict-transport-security'], undefined, url);
      }
    });

    test('every other answer carries the page CSP, nosniff, no framing and no referrer; no HSTS over plain HTTP', async () => {
      for (const url of ['/healthz', '/openapi.json', '/docs']) {
        const res = await h().request({ method: 'GET', url });
        const csp = String(res.headers['content-security-policy']);
        assert.match(csp, /script-src 'self'(;|$)/, `${url}: ${csp}`);
        assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/);
        assert.match(csp, /frame-ancestors 'none'/);
        assert.equal(res.headers['x-content-type-options'], 'nosniff');
        assert.equal(res.headers['x-frame-options'], 'DENY');
        assert.equal(res.headers['referrer-policy'], 'no-referrer');
        assert.equal(res.headers['strict-transport-security'], undefined, url);
      }
    });

    test('HSTS when a trusted proxy says the client spoke TLS; a stranger cannot claim it', async () => {
      const viaProxy = await h().runtime.app.inject({
        method: 'GET',
        url: '/healthz',
        remoteAddress: '10.80.0.1',
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.5' },
      });
      assert.match(String(viaProxy.headers['strict-transport-security']), /max-age=\d+/);
      const stranger = await h().runtime.app.inject({
        method: 'GET',
        url: '/healthz',
        remoteAddress: '10.81.0.1',
        headers: { 'x-forwarded-proto': 'https' },
      });
      assert.equal(stranger.headers['strict-transport-security'], undefined);
    });

    test('/metrics needs the bearer token when METRICS_TOKEN is set', async () => {
      assertProblem(await h().request({ method: 'GET', url: '/metrics' }), 401);
      assertProblem(await h().request({ method: 'GET', url: '/metrics', token: 'metrics-secret-wrong-0000' }), 401);
      const ok = await h().request({ method: 'GET', url: '/metrics', token: METRICS_TOKEN });
      assert.equal(ok.statusCode, 200);
      assert.match(ok.body, /# HELP/);
    });

    test('the dev mailbox is not there unless DEV_MAILBOX is on', async () => {
      assertProblem(await h().request({ method: 'GET', url: '/api/dev/mailbox' }), 404);
      assertProblem(await h().request({ method: 'GET', url: '/dev/mailbox' }), 404);
    });
  },
  { TRUST_PROXY: '10.80.0.0/16', METRICS_TOKEN, DEV_MAILBOX: '0' },
);

describeEachDatabase(
  'security headers with a media server',
  (h) => {
    test('CSP lets the app reach the media server: HLS, playback and the WebRTC (WHEP) origin, nothing wider', async () => {
      const res = await h().request({ method: 'GET', url: '/healthz' });
      const csp = String(res.headers['content-security-policy']);
      const connect = /connect-src ([^;]*)/.exec(csp)?.[1]?.split(' ') ?? [];
      assert.deepEqual(connect, [
        "'self'",
        'https://media.example.com',
        'https://playback.example.com:9996',
        'https://rtc.example.com:8889',
      ]);
      // The WebRTC media itself flows over ICE/DTLS, which CSP does not govern; no wildcard was needed.
      assert.doesNotMatch(csp, /\*/);
    });
  },
  {
    MEDIA_PUBLIC_URL: 'https://media.example.com/hls',
    MEDIA_PLAYBACK_URL: 'https://playback.example.com:9996',
    MEDIA_WEBRTC_URL: 'https://rtc.example.com:8889/',
    MEDIA_PROTOCOL: 'webrtc',
  },
);
