import type { Knex } from 'knex';
import { liveTables, type Projection, type TableNames } from './projection.ts';

/** Drops a projection's tables under `table` names (reverse order, so a table referencing another goes first). */
export async function dropTables(
  knex: Knex | Knex.Transaction,
  projection: Projection,
  table: TableNames,
): Promise<void> {
  for (const logical of [...projection.tables].reverse()) await knex.schema.dropTableIfExists(table(logical));
}

/**
 * Blue/green swap, inside the caller's transaction: drops the live tables and renames the fresh ones (and their
 * indexes, constraints and sequences, whose names Postgres derived from the fresh table's name) to the live
 * names, so the next rebuild can create `…__rebuild` again without a name clash.
 */
export async function swapTables(trx: Knex.Transaction, projection: Projection, fresh: TableNames): Promise<void> {
  await dropTables(trx, projection, liveTables);
  for (const logical of projection.tables) {
    const from = fresh(logical);
    await trx.raw('alter table ?? rename to ??', [from, logical]);
    await renameDependents(trx, logical, from);
  }
}

async function renameDependents(trx: Knex.Transaction, table: string, freshPrefix: string): Promise<void> {
  const rename = (name: string) => `${table}${name.slice(freshPrefix.length)}`;
  const indexes = await trx.raw(
    `select c.relname as name from pg_index i join pg_class c on c.oid = i.indexrelid
     where i.indrelid = ?::regclass and starts_with(c.relname, ?)`,
    [table, freshPrefix],
  );
  // Renaming the index of a primary key or unique constraint renames the constraint with it.
  for (const { name } of indexes.rows as Array<{ name: string }>)
    await trx.raw('alter index ?? rename to ??', [name, rename(name)]);
  const constraints = await trx.raw(
    `select conname as name from pg_constraint where conrelid = ?::regclass and contype not in ('p', 'u', 'x')
     and starts_with(conname, ?)`,
    [table, freshPrefix],
  );
  for (const { name } of constraints.rows as Array<{ name: string }>) {
    await trx.raw('alter table ?? rename constraint ?? to ??', [table, name, rename(name)]);
  }
  const sequences = await trx.raw(
    `select s.relname as name from pg_class s join pg_depend d on d.objid = s.oid
     where s.relkind = 'S' and d.refobjid = ?::regclass and starts_with(s.relname, ?)`,
    [table, freshPrefix],
  );
  for (const { name } of sequences.rows as Array<{ name: string }>)
    await trx.raw('alter sequence ?? rename to ??', [name, rename(name)]);
}
