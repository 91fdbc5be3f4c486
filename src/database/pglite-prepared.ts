import { parse, protocol, type PGlite } from '@electric-sql/pglite';

/**
 * Named statements on PGlite. `PGlite.query` sends every statement unnamed, so its one backend parses and plans it
 * again on each call: for the gateway list of one owner that was ~0.5 ms of the ~0.7 ms the read cost (measured
 * with a file-backed PGlite, 2026-12-02). Here a prepared read is parsed once under its name, as `pg` does on a
 * server's connection, and each call only binds and executes it. The backend keeps the name until PGlite closes;
 * a read model swapped under it (a rebuild) is re-planned by PostgreSQL itself, as on a server.
 */

/**
 * By shape, not `instanceof`: knex-pglite requires PGlite's CommonJS build, this module imports its ES build, and
 * the two define different classes.
 */
export const isPglite = (connection: unknown): connection is PGlite =>
  typeof (connection as Partial<PGlite> | null)?.execProtocol === 'function' &&
  typeof (connection as Partial<PGlite>).runExclusive === 'function' &&
  typeof (connection as Partial<PGlite>).parsers === 'object';

/** The names parsed on each PGlite instance (its one backend keeps them until it closes). */
const parsedOn = new WeakMap<PGlite, Set<string>>();

const { serialize } = protocol;

/** Values as the text the backend reads them from: prepared reads bind text and integers (and knex's constants). */
function bound(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  throw new TypeError(`a prepared read cannot bind a ${typeof value} on PGlite`);
}

function joined(messages: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(messages.reduce((length, message) => length + message.length, 0));
  let offset = 0;
  for (const message of messages) {
    all.set(message, offset);
    offset += message.length;
  }
  return all;
}

/**
 * Runs `name` (parsed first if this backend has not seen it) with `values`, and returns its rows parsed as
 * `PGlite.query` parses them. Exclusive of PGlite's other queries, which send their messages one call at a time.
 */
export async function readPreparedOnPglite<Row>(
  db: PGlite,
  name: string,
  text: string,
  values: unknown[],
): Promise<Row[]> {
  return db.runExclusive(async () => {
    const parsed = parsedOn.get(db) ?? new Set<string>();
    parsedOn.set(db, parsed);
    if (!parsed.has(name)) {
      // Alone, with its own Sync: a statement whose first run fails (a bad value) stays parsed and known.
      await db.execProtocol(joined([serialize.parse({ name, text }), serialize.sync()]));
      parsed.add(name);
    }
    const run = joined([
      serialize.bind({ statement: name, values: values.map(bound) }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    ]);
    const { messages } = await db.execProtocol(run);
    return (parse.parseResults(messages, db.parsers)[0]?.rows ?? []) as Row[];
  });
}
