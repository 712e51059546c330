// Makes the build an installable app: the icons, the web app manifest and the service worker (web/build/sw.js with
// the list of the app shell's files written in). The service worker changes whenever a file of the shell does,
// which is how browsers learn of a new release.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { BRAND, drawIcon } from './icons.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export const ICONS = [
  { file: 'icons/icon-192.png', size: 192, maskable: false },
  { file: 'icons/icon-512.png', size: 512, maskable: false },
  { file: 'icons/maskable-512.png', size: 512, maskable: true },
  { file: 'icons/apple-touch-icon.png', size: 180, maskable: true },
  { file: 'icons/favicon-32.png', size: 32, maskable: false },
];

export const MANIFEST = {
  id: '/',
  name: 'Keyholder',
  short_name: 'Keyholder',
  description: 'Share your cameras and recorders: who may do what, and until when.',
  start_url: '/',
  scope: '/',
  display: 'standalone',
  orientation: 'any',
  background_color: '#f4f6fa',
  theme_color: BRAND,
  icons: ICONS.filter((i) => i.file.includes('-512') || i.file.includes('-192')).map((i) => ({
    src: `/${i.file}`,
    sizes: `${i.size}x${i.size}`,
    type: 'image/png',
    purpose: i.maskable ? 'maskable' : 'any',
  })),
};

export function pwa(): Plugin {
  return {
    name: 'keyholder-pwa',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const icon of ICONS)
        this.emitFile({ type: 'asset', fileName: icon.file, source: drawIcon(icon.size, icon.maskable) });
      this.emitFile({
        type: 'asset',
        fileName: 'manifest.webmanifest',
        source: JSON.stringify(MANIFEST, null, 2),
      });
      const shell = [
        '/',
        '/manifest.webmanifest',
        ...ICONS.map((i) => `/${i.file}`),
        ...Object.keys(bundle)
          .filter((f) => f.startsWith('assets/'))
          .sort()
          .map((f) => `/${f}`),
      ];
      const version = crypto.createHash('sha256').update(shell.join('\n')).digest('hex').slice(0, 12);
      const source = fs
        .readFileSync(path.join(here, 'sw.js'), 'utf8')
        .replace("'__VERSION__'", JSON.stringify(version))
        .replace("['__SHELL__']", JSON.stringify(shell));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}
