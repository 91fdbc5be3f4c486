import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplateDir: string;
  }
}

/**
 * initdb under WASM takes seconds; a fresh copy of an initialised directory opens in well under one. Every test
 * that needs a PGlite database copies this template.
 */
export default async function setup(project: TestProject) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-pglite-template-'));
  const templateDir = path.join(root, 'pgdata');
  const db = new PGlite(templateDir);
  await db.waitReady;
  await db.close();
  project.provide('pgliteTemplateDir', templateDir);
  return () => fs.rmSync(root, { recursive: true, force: true });
}
