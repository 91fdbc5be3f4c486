import type { Knex } from 'knex';
import type { Position } from '../eventstore/port.ts';

export const CHECKPOINTS_TABLE = 'projection_checkpoints';

export interface CheckpointRow {
  name: string;
  version: number;
  position: Position | null;
  events_applied: number;
  updated_at: Date;
}

export async function createCheckpointsTable(knex: Knex): Promise<void> {
  await knex.schema.createTable(CHECKPOINTS_TABLE, (table) => {
    table.text('name').primary();
    table.integer('version').notNullable();
    table.text('position').nullable();
    table.bigInteger('events_applied').notNullable().defaultTo(0);
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function readCheckpoint(knex: Knex | Knex.Transaction, name: string): Promise<CheckpointRow | null> {
  const row = await knex<CheckpointRow>(CHECKPOINTS_TABLE).where({ name }).first();
  return row ? { ...row, events_applied: Number(row.events_applied) } : null;
}

/**
 * Moves a projection's checkpoint forward after a page (same transaction as its rows). The version is only set
 * when the row is new: tables built by an older handler stay marked stale until a rebuild replaces them. With
 * `notifyChannel`, the same statement NOTIFYs it with the projection's name (delivered at commit, so a waiter that
 * wakes on it reads the new checkpoint): one round trip per batch instead of two.
 */
export async function writeCheckpoint(
  trx: Knex.Transaction,
  name: string,
  version: number,
  position: Position,
  applied: number,
  notifyChannel?: string,
): Promise<void> {
  const upsert = `insert into ${CHECKPOINTS_TABLE} (name, version, position, events_applied, updated_at)
     values (?, ?, ?, ?, now())
     on conflict (name) do update set position = excluded.position,
       events_applied = ${CHECKPOINTS_TABLE}.events_applied + excluded.events_applied, updated_at = now()`;
  const values = [name, version, position, applied];
  if (notifyChannel === undefined) await trx.raw(upsert, values);
  else
    await trx.raw(`with written as (${upsert} returning name) select pg_notify(?, written.name) from written`, [
      ...values,
      notifyChannel,
    ]);
}

/** Sets the whole checkpoint row: after a rebuild's swap, or when a projection's tables are first created. */
export async function replaceCheckpoint(
  trx: Knex | Knex.Transaction,
  name: string,
  version: number,
  position: Position | null,
  applied: number,
): Promise<void> {
  await trx.raw(
    `insert into ${CHECKPOINTS_TABLE} (name, version, position, events_applied, updated_at) values (?, ?, ?, ?, now())
     on conflict (name) do update set position = excluded.position, version = excluded.version,
       events_applied = excluded.events_applied, updated_at = now()`,
    [name, version, position, applied],
  );
}
