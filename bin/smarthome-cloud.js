#!/usr/bin/env node
// The CLI runs the compiled JavaScript in dist/ (`npm run build`; `npm install` builds it through `prepare`), so
// nothing compiles TypeScript at run time. Tests and development run the sources: `node --import tsx src/cli/main.ts`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('smarthome-cloud: dist/ is missing; run `npm run build` first\n');
  process.exit(2);
}
// Stack traces name the TypeScript sources (tsconfig.build.json emits source maps).
process.setSourceMapsEnabled(true);
await import(entry.href);
