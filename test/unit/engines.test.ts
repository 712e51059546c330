// `engines` tells the truth: every package the lock file installs runs on the oldest Node that package.json
// accepts, so `npm ci` prints no EBADENGINE warning (pin or override a dependency that drops that Node).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// semver arrives with npm's own tree (no types installed): the two calls used here.
const semver = require('semver') as {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string | { version: string }, range: string, options?: { includePrerelease: boolean }): boolean;
};

test('every locked package supports the oldest Node that package.json promises', () => {
  const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8')) as {
    packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
  };
  const oldest = semver.minVersion(pkg.engines.node);
  assert.ok(oldest, `engines.node "${pkg.engines.node}" is not a range`);
  assert.ok(semver.satisfies(process.version, pkg.engines.node), `this Node ${process.version} is outside engines`);
  const refused = Object.entries(lock.packages)
    .filter(([, p]) => !Array.isArray(p.engines) && p.engines?.node)
    .filter(([, p]) => !semver.satisfies(oldest, (p.engines as { node: string }).node, { includePrerelease: true }))
    .map(([name, p]) => `${name}@${p.version} needs node ${(p.engines as { node: string }).node}`);
  assert.deepEqual(refused, [], `these would print EBADENGINE on Node ${oldest}`);
});
