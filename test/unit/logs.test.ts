// Logs: JSON lines for collectors by default, human-readable lines on a terminal or with LOG_FORMAT=pretty, and
// redaction in both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/runtime.ts';

function capture(isTTY: boolean): Writable & { isTTY: boolean; text(): string } {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as Writable & { isTTY: boolean; text(): string };
  out.isTTY = isTTY;
  out.text = () => chunks.join('');
  return out;
}

async function logOnce(env: Record<string, string>, isTTY: boolean): Promise<string> {
  const out = capture(isTTY);
  const log = createLogger(loadConfig(env), out);
  log.info({ user: { password: 'hunter2 secret' }, device: 'CAM-1' }, 'device bound');
  log.flush();
  await new Promise((r) => setImmediate(r));
  return out.text();
}

test('JSON by default when stdout is not a terminal', async () => {
  const text = await logOnce({}, false);
  const line = JSON.parse(text.trim()) as Record<string, unknown>;
  assert.equal(line.msg, 'device bound');
  assert.equal((line.user as { password: string }).password, '[redacted]');
});

test('human-readable on a terminal, and with LOG_FORMAT=pretty anywhere; secrets still redacted', async () => {
  for (const [env, tty] of [
    [{}, true],
    [{ LOG_FORMAT: 'pretty' }, false],
  ] as const) {
    const text = await logOnce(env, tty);
    assert.throws(() => JSON.parse(text.trim()), `not JSON: ${text}`);
    assert.match(text, /INFO.*device bound/);
    assert.doesNotMatch(text, /hunter2/);
  }
});

test('LOG_FORMAT=json keeps JSON on a terminal; an unknown format stops the start', async () => {
  JSON.parse((await logOnce({ LOG_FORMAT: 'json' }, true)).trim());
  assert.throws(() => loadConfig({ LOG_FORMAT: 'fancy' }), /^Error: LOG_FORMAT must be one of auto, json, pretty/);
});
