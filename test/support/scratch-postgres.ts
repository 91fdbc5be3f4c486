import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A new database on a Postgres server (tests and benchmarks each get their own, so runs never see each other's
 * data): empty, or a copy of `template` (a database nobody is connected to); `drop()` removes it, forcing out
 * connections left behind.
 */
export async function createScratchDatabase(
  adminUrl: string,
  prefix: string,
  template?: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${name}${template === undefined ? '' : ` template ${template}`}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(adminUrl, `drop database if exists ${name} with (force)`) };
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
