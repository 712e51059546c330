#!/usr/bin/env node
// Entry point for `keyholder` / `npx keyholder`: runs the TypeScript sources through tsx,
// so there is no separate server build step between `npm install` and `npm start`.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
