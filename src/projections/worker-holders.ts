import type { Knex } from 'knex';
import type { DatabaseTarget } from '../database/connect.ts';
import { LOCK_HOLDER_PREFIX, workerLockKey } from './advisory-locks.ts';

/**
 * Which node holds each projection's worker lease (applies it), as Postgres sees it: the advisory locks in
 * `pg_locks`, their holders named by the lock connection's `application_name` (advisory-locks.ts). Null: nobody
 * applies it now. On PGlite only this process can apply: `self` for those it runs.
 */
export async function projectionWorkerHolders(
  knex: Knex,
  target: DatabaseTarget,
  projections: readonly string[],
  self: { nodeId: string; applies(name: string): boolean },
): Promise<Map<string, string | null>> {
  if (target.kind !== 'postgres')
    return new Map(projections.map((name) => [name, self.applies(name) ? self.nodeId : null]));
  const result = await knex.raw<{ rows: { key: string; holder: string | null }[] }>(
    `select ((l.classid::bigint << 32) | l.objid::bigint)::text as key, a.application_name as holder
       from pg_locks l left join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.objsubid = 1 and l.granted
        and l.database = (select oid from pg_database where datname = current_database())`,
  );
  const byKey = new Map(result.rows.map((row) => [row.key, row.holder]));
  return new Map(
    projections.map((name) => {
      const key = workerLockKey(name);
      if (!byKey.has(key)) return [name, null];
      const holder = byKey.get(key) ?? '';
      return [name, holder.startsWith(LOCK_HOLDER_PREFIX) ? holder.slice(LOCK_HOLDER_PREFIX.length) : 'unknown'];
    }),
  );
}
