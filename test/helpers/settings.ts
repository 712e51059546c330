// The settings Keyholder really reads: every environment variable named in src/ (`env.NAME`, `env['NAME']`,
// or a helper call `(env, 'NAME', …)` in src/config.ts). Docs, the compose file and the image are checked against it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
    );
}

export function knownSettings(): Set<string> {
  const names = new Set<string>();
  const pattern = /env\.([A-Z][A-Z0-9_]+)|env\[['"]([A-Z][A-Z0-9_]+)['"]\]|\(env, '([A-Z][A-Z0-9_]+)'/g;
  for (const file of sources(path.join(ROOT, 'src'))) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(pattern)) names.add((m[1] ?? m[2] ?? m[3])!);
  }
  return names;
}
