// Graceful shutdown: keep-alive clients are told `Connection: close` instead of being reset, a request in flight
// finishes, /readyz turns 503 at once, and only after HTTP has drained do the workers and the change listener stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { describeEachDatabase } from '../helpers/harness.ts';

interface Answer {
  status: number;
  connection: string | undefined;
}

function get(port: number, path: string, agent: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
    });
    req.on('error', reject);
  });
}

/** A request whose body is still arriving when the shutdown starts: it is in flight and must be answered. */
function slowPost(port: number, started: () => void, release: Promise<void>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ login: 'nobody@example.com', password: 'not the password' });
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/auth/tokens',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
      },
    );
    req.on('error', reject);
    req.write(body.slice(0, 10), () => started());
    void release.then(() => req.end(body.slice(10)));
  });
}

describeEachDatabase('graceful shutdown', (h) => {
  test('20 keep-alive clients get Connection: close and no reset; the in-flight request finishes; then the workers stop', async () => {
    const { runtime } = h();
    await runtime.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (runtime.app.server.address() as { port: number }).port;

    // How many HTTP connections were still open when each background part was stopped.
    const openAtStop: Record<string, number> = {};
    const openConnections = () =>
      new Promise<number>((resolve, reject) =>
        runtime.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
      );
    const outboxStop = runtime.outbox.stop.bind(runtime.outbox);
    runtime.outbox.stop = async () => {
      openAtStop.outbox = await openConnections();
      return outboxStop();
    };
    const bus = runtime.ctx.changeBus;
    if (bus) {
      const busStop = bus.stop.bind(bus);
      bus.stop = async () => {
        openAtStop.changeListener = await openConnections();
        return busStop();
      };
    }

    let slowStarted!: () => void;
    const slowIsIn = new Promise<void>((r) => (slowStarted = r));
    let releaseSlow!: () => void;
    const slow = slowPost(port, slowStarted, new Promise<void>((r) => (releaseSlow = r)));
    await slowIsIn;

    const errors: string[] = [];
    const answers: Answer[][] = [];
    const warmedUp: Array<Promise<void>> = [];
    let shuttingDown = false;
    const clients = Array.from({ length: 20 }, (_, i) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const mine: Answer[] = [];
      answers.push(mine);
      let warm!: () => void;
      warmedUp.push(new Promise<void>((r) => (warm = r)));
      return (async () => {
        try {
          // Until the server says it closes this connection: that is the last answer a polite client needs.
          for (;;) {
            const a = await get(port, '/readyz', agent);
            mine.push(a);
            if (mine.length === 3) warm();
            if (a.connection === 'close') break;
            if (!shuttingDown && mine.length > 10_000) throw new Error('no shutdown');
          }
        } catch (err) {
          errors.push(`client ${i}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
          warm();
        } finally {
          agent.destroy();
        }
      })();
    });
    await Promise.all(warmedUp);

    shuttingDown = true;
    const closing = runtime.close();
    // The in-flight request's body arrives only after the drain has begun.
    await new Promise((r) => setTimeout(r, 100));
    releaseSlow();
    const slowAnswer = await slow;
    await Promise.all(clients);
    await closing;

    assert.deepEqual(errors, [], 'no client was reset or refused');
    for (const [i, mine] of answers.entries()) {
      assert.equal(mine.at(-1)!.connection, 'close', `client ${i} was told to close`);
      assert.ok(
        mine.slice(0, 3).every((a) => a.status === 200),
        `client ${i}: ready before the shutdown`,
      );
    }
    // A request already past its readiness check when the drain began may still say 200; the others say 503.
    const notReady = answers.filter((m) => m.at(-1)!.status === 503).length;
    assert.ok(notReady >= 1, '/readyz says not ready while draining');
    assert.equal(slowAnswer.status, 401, 'the in-flight login was answered (wrong password), not cut');
    assert.equal(slowAnswer.connection, 'close');

    assert.equal(openAtStop.outbox, 0, 'the outbox stopped only after HTTP drained');
    if (h().engine === 'postgres') assert.equal(openAtStop.changeListener, 0, 'the change listener stopped after HTTP');
    assert.equal(runtime.app.server.listening, false);
  });
});
