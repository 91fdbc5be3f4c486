import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/database/connect.ts';
import { PgliteWorkerStoppedError, type PgliteWorkerClient } from '../../src/database/pglite-worker-client.ts';
import { prepareRead } from '../../src/database/prepared-read.ts';
import { loadConfig } from '../../src/config.ts';
import { isEnvironmentFailure } from '../../src/projections/apply-failure.ts';
import { freshPgliteDir } from '../support/databases.ts';

const opened: Array<{ database: Database; dir: string | null }> = [];

function open(thread: 'worker' | 'main', dir: string | null = freshPgliteDir()): Database {
  const database = connectDatabase({ kind: 'pglite', dataDir: dir, thread });
  opened.push({ database, dir });
  return database;
}

afterEach(async () => {
  for (const { database, dir } of opened.splice(0)) {
    await database.close();
    if (dir !== null) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});

const workerOf = (database: Database) => (database.knex.client as unknown as { pglite: PgliteWorkerClient }).pglite;

async function createItems(database: Database): Promise<void> {
  await database.knex.schema.createTable('items', (table) => {
    table.integer('id').primary();
    table.text('name').notNullable().unique();
    table.jsonb('body');
  });
}

/** A JSON value nested `depth` objects deep. */
function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level += 1) value = { inner: value };
  return value;
}

const readByName = prepareRead('pglite_worker_test_item_by_name', { name: 'text' }, (knex, params) =>
  knex('items').select('id', 'name').where({ name: params.name }),
);

describe('PGlite in a worker thread (PGLITE_THREAD=worker)', () => {
  it('answers a query with the values PGlite in the main thread answers', async () => {
    const sql =
      "select 7::int8 as small, 9007199254740993::int8 as big, '\\x0102'::bytea as bytes, " +
      'timestamptz \'2026-01-02 03:04:05.678+00\' as at, \'{"a":[1,{"b":null}]}\'::jsonb as body, ' +
      '1.50::numeric as amount, array[1,2]::int4[] as list, null::text as nothing, ? as bound';
    const inWorker = await open('worker').knex.raw(sql, [Buffer.from([9])]);
    const inMain = await open('main').knex.raw(sql, [Buffer.from([9])]);
    expect(inWorker.rows).toEqual(inMain.rows);
    expect(inWorker.rows[0].big).toBe(9007199254740993n);
    expect(inWorker.rows[0].at).toBeInstanceOf(Date);
  });

  it('keeps a transaction whole: committed statements stay, a failed transaction leaves nothing', async () => {
    const database = open('worker');
    await createItems(database);
    await database.knex.transaction(async (trx) => {
      await trx('items').insert({ id: 1, name: 'one' });
      await trx('items').insert({ id: 2, name: 'two' });
    });
    const failed = database.knex.transaction(async (trx) => {
      await trx('items').insert({ id: 3, name: 'three' });
      await trx('items').insert({ id: 4, name: 'one' });
    });
    // Statements outside the transaction, sent while it runs, wait for it and see only what it committed.
    const outside = database.knex('items').count({ count: '*' }).first();
    await expect(failed).rejects.toMatchObject({ code: '23505' });
    expect(await outside).toEqual({ count: 2 });
    expect(await database.knex('items').orderBy('id').pluck('name')).toEqual(['one', 'two']);
  });

  it("fails a statement with the database error's fields, and a bad value with its class", async () => {
    const database = open('worker');
    await createItems(database);
    await database.knex('items').insert({ id: 1, name: 'one' });
    const duplicate = await database
      .knex('items')
      .insert({ id: 2, name: 'one' })
      .catch((error: unknown) => error);
    expect(duplicate).toBeInstanceOf(Error);
    expect(duplicate).toMatchObject({
      code: '23505',
      constraint: 'items_name_unique',
      table: 'items',
      schema: 'public',
      severity: 'ERROR',
      detail: 'Key (name)=(one) already exists.',
    });
    expect(isEnvironmentFailure(duplicate)).toBe(false);
    const badValue = await readByName.read(database.knex, { name: {} as string }).catch((error: unknown) => error);
    expect(badValue).toBeInstanceOf(TypeError);
    // The statement after a failed one runs as usual.
    expect(await database.knex('items').pluck('name')).toEqual(['one']);
  });

  it('carries JSON values nested thousands deep both ways', async () => {
    const database = open('worker');
    await createItems(database);
    const body = nested(3_000);
    await database.knex('items').insert({ id: 1, name: 'deep', body: JSON.stringify(body) });
    // As a value bound to the statement: Knex itself walks bindings recursively, so not thousands deep.
    const param = nested(200);
    await database.knex.raw('insert into items (id, name, body) values (?, ?, ?::jsonb)', [
      2,
      'deep param',
      param as Record<string, unknown>,
    ]);
    const rows = await database.knex('items').orderBy('id').select('name', 'body');
    // Compared as text: a recursive deep equality would itself run out of stack.
    expect(JSON.stringify(rows)).toBe(
      JSON.stringify([
        { name: 'deep', body },
        { name: 'deep param', body: param },
      ]),
    );
  });

  it('runs prepared reads in the worker, again and again', async () => {
    const database = open('worker');
    await createItems(database);
    await database.knex('items').insert([
      { id: 1, name: 'one' },
      { id: 2, name: 'two' },
    ]);
    expect(await readByName.read(database.knex, { name: 'one' })).toEqual([{ id: 1, name: 'one' }]);
    expect(await readByName.read(database.knex, { name: 'two' })).toEqual([{ id: 2, name: 'two' }]);
    expect(await readByName.read(database.knex, { name: 'none' })).toEqual([]);
  });

  it('fails every waiting and later statement with PgliteWorkerStoppedError once the thread is gone', async () => {
    const database = open('worker');
    await createItems(database);
    const waiting = database.knex.raw('select pg_sleep(0.2)');
    await workerOf(database).terminate();
    const stopped = await waiting.catch((error: unknown) => error);
    expect(stopped).toBeInstanceOf(PgliteWorkerStoppedError);
    expect(isEnvironmentFailure(stopped)).toBe(true);
    await expect(database.knex('items').select()).rejects.toBeInstanceOf(PgliteWorkerStoppedError);
    await expect(readByName.read(database.knex, { name: 'one' })).rejects.toBeInstanceOf(PgliteWorkerStoppedError);
  });

  it('keeps what it wrote in its directory once closed (the main thread opens it after)', async () => {
    const dir = freshPgliteDir();
    const writer = connectDatabase({ kind: 'pglite', dataDir: dir, thread: 'worker' });
    await createItems(writer);
    await writer.knex('items').insert({ id: 1, name: 'kept' });
    await writer.close();
    const reader = open('main', dir);
    expect(await reader.knex('items').pluck('name')).toEqual(['kept']);
  });

  it('runs an in-memory database', async () => {
    const database = open('worker', null);
    await createItems(database);
    await database.knex('items').insert({ id: 1, name: 'memory' });
    expect(await database.knex('items').pluck('name')).toEqual(['memory']);
  }, 60_000);

  it('does not keep a process alive once its statements are done (nor end it while one waits)', async () => {
    const dir = freshPgliteDir();
    opened.push({ database: { close: async () => undefined } as Database, dir });
    // The client alone: Knex's pool keeps a timer of its own that holds any process with an open Knex.
    const script =
      "import { PgliteWorkerClient } from './src/database/pglite-worker-client.ts';" +
      'const client = new PgliteWorkerClient(process.env.DIR);' +
      "client.query('select pg_sleep(0.5), 41 + 1 as answer').then((result) => console.log(result.rows[0].answer));";
    const child = promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, DIR: dir },
      timeout: 25_000,
    });
    expect((await child).stdout.trim()).toBe('42');
  });

  it('is chosen by PGLITE_THREAD', () => {
    expect(loadConfig({ PGLITE_THREAD: 'worker' }).PGLITE_THREAD).toBe('worker');
    expect(loadConfig({ PGLITE_THREAD: 'main' }).PGLITE_THREAD).toBe('main');
    expect(() => loadConfig({ PGLITE_THREAD: 'elsewhere' })).toThrow(/PGLITE_THREAD/);
  });
});
