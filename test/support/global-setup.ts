import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { migratedPgliteTemplate, migratedPostgresTemplate } from './server-templates.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** initdb only: for tests that open bare stores (databases.ts). */
    pgliteTemplateDir: string;
    /** Migrated for a test server whose events live in PGlite / in EventStoreDB (server-templates.ts). */
    pgliteServerTemplateDir: string;
    pgliteEsdbServerTemplateDir: string;
    /** The migrated template database on TEST_DATABASE_URL's server; '' when it is not set. */
    postgresServerTemplate: string;
  }
}

/**
 * initdb under WASM takes seconds; a fresh copy of an initialised directory opens in well under one. Every test
 * that needs a PGlite database copies this template. Test servers copy migrated ones (server-templates.ts).
 */
export default async function setup(project: TestProject) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-pglite-template-'));
  const templateDir = path.join(root, 'pgdata');
  const db = new PGlite(templateDir);
  await db.waitReady;
  await db.close();
  project.provide('pgliteTemplateDir', templateDir);
  const adminUrl = process.env.TEST_DATABASE_URL;
  const [pgliteServer, esdbServer, postgresServer] = await Promise.all([
    migratedPgliteTemplate(templateDir, root, 'pglite'),
    migratedPgliteTemplate(templateDir, root, 'esdb'),
    adminUrl ? migratedPostgresTemplate(adminUrl, path.join(root, 'postgres')) : null,
  ]);
  project.provide('pgliteServerTemplateDir', pgliteServer);
  project.provide('pgliteEsdbServerTemplateDir', esdbServer);
  project.provide('postgresServerTemplate', postgresServer?.name ?? '');
  return async () => {
    await postgresServer?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  };
}
