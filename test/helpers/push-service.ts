// A push service for tests, standing in for FCM / Mozilla autopush / Apple: it takes Web Push requests as they do
// (RFC 8030 POST to the subscription's endpoint, aes128gcm body per RFC 8291, VAPID per RFC 8292), and, holding each
// subscription's private key as only the browser would, decrypts the payload so tests can assert what was sent.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { importJWK, jwtVerify } from 'jose';

export interface ReceivedPush {
  endpoint: string;
  payload: Record<string, unknown>;
  ttl: string | undefined;
  urgency: string | undefined;
  /** The VAPID token's claims, verified with the key in the Authorization header. */
  vapid: { aud: string; sub: string; publicKey: string };
}

interface Browser {
  ecdh: crypto.ECDH;
  auth: Buffer;
  /** What the endpoint answers (201 accepted; 410 gone; 500 failing). */
  status: number;
}

export interface TestPushService {
  url: string;
  received: ReceivedPush[];
  /** A new browser subscription: what PushSubscription.toJSON() would give. */
  newSubscription(): { endpoint: string; keys: { p256dh: string; auth: string } };
  answer(endpoint: string, status: number): void;
  stop(): Promise<void>;
}

function hkdf(ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', ikm, salt, info, length));
}

/** RFC 8291 decryption as the browser does it, with the subscription's private key and auth secret. */
function decrypt(body: Buffer, browser: Browser): Buffer {
  const salt = body.subarray(0, 16);
  const idLength = body.readUInt8(20);
  const senderPublic = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  const secret = browser.ecdh.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), browser.ecdh.getPublicKey(), senderPublic]);
  const ikm = hkdf(secret, browser.auth, keyInfo, 32);
  const cek = hkdf(ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const nonce = hkdf(ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12);
  const decipher = crypto.createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  assert.equal(padded[end], 2, 'record delimiter');
  return padded.subarray(0, end);
}

async function verifyVapid(header: string | undefined, audience: string) {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  assert.ok(m, `VAPID Authorization header: ${header}`);
  const raw = Buffer.from(m[2]!, 'base64url');
  const key = await importJWK(
    {
      kty: 'EC',
      crv: 'P-256',
      x: raw.subarray(1, 33).toString('base64url'),
      y: raw.subarray(33, 65).toString('base64url'),
    },
    'ES256',
  );
  const { payload } = await jwtVerify(m[1]!, key, { audience });
  return { aud: String(payload.aud), sub: String(payload.sub), publicKey: m[2]! };
}

export async function startPushService(): Promise<TestPushService> {
  const browsers = new Map<string, Browser>();
  const received: ReceivedPush[] = [];
  let n = 0;
  let url = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const endpoint = `${url}${req.url}`;
        const browser = browsers.get(endpoint);
        if (!browser || req.method !== 'POST') return res.writeHead(404).end();
        if (browser.status >= 300) return res.writeHead(browser.status).end('refused by the test');
        assert.equal(req.headers['content-encoding'], 'aes128gcm');
        const vapid = await verifyVapid(req.headers.authorization, url);
        const payload = JSON.parse(decrypt(Buffer.concat(chunks), browser).toString('utf8'));
        received.push({
          endpoint,
          payload,
          ttl: req.headers.ttl as string | undefined,
          urgency: req.headers.urgency as string | undefined,
          vapid,
        });
        res.writeHead(201).end();
      })().catch((err) => {
        res.writeHead(400).end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    received,
    newSubscription() {
      n += 1;
      const endpoint = `${url}/push/${n}`;
      const ecdh = crypto.createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = crypto.randomBytes(16);
      browsers.set(endpoint, { ecdh, auth, status: 201 });
      return {
        endpoint,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
      };
    },
    answer(endpoint, status) {
      browsers.get(endpoint)!.status = status;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
