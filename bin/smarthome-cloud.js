#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader: no build step, so `npm install && npm start` just works.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
