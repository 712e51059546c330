// The version comes from package.json (one place to bump it): `keyholder --version`, the OpenAPI document.
import fs from 'node:fs';

const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const VERSION: string = pkg.version;
