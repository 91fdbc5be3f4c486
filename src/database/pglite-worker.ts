import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { readPreparedOnPglite } from './pglite-prepared.ts';
import { packRows, toWireError, unpackValues, type WorkerReply, type WorkerRequest } from './pglite-wire.ts';

/**
 * The PGlite worker thread (started by pglite-worker-client.ts): one PGlite, its statements run one at a time in
 * the order they arrived. Knex holds PGlite's only connection for a whole transaction and sends BEGIN, the
 * statements and COMMIT as separate messages, so arrival order is the transaction's order.
 */

export interface PgliteWorkerData {
  /** A directory (persistent) or null (in memory), as PGlite takes it. */
  dataDir: string | null;
}

const port = parentPort!;
const { dataDir } = workerData as PgliteWorkerData;
const db = new PGlite(dataDir ?? undefined);

function send(reply: WorkerReply): void {
  try {
    port.postMessage(reply);
  } catch (error) {
    // A result the clone refuses fails its own statement, not the thread.
    port.postMessage({ id: reply.id, ok: false, error: toWireError(error) } satisfies WorkerReply);
  }
}

async function run(request: WorkerRequest): Promise<unknown> {
  switch (request.kind) {
    case 'query': {
      const params = request.params && unpackValues(request.params, request.deep);
      return db.query(request.text, params, request.options as Parameters<PGlite['query']>[2]);
    }
    case 'prepared':
      return {
        rows: await readPreparedOnPglite(db, request.name, request.text, unpackValues(request.values, request.deep)),
      };
    case 'close':
      await db.close();
      return null;
  }
}

async function answer(request: WorkerRequest): Promise<void> {
  try {
    const result = await run(request);
    const rows = (result as { rows?: unknown } | null)?.rows;
    const deep = Array.isArray(rows) ? packRows(rows as Record<string, unknown>[]) : [];
    send({ id: request.id, ok: true, result: request.kind === 'prepared' ? rows : result, deep });
  } catch (error) {
    send({ id: request.id, ok: false, error: toWireError(error) });
  }
}

let tail: Promise<void> = db.waitReady.then(
  () => send({ id: 0, ok: true, result: null, deep: [] }),
  (error: unknown) => send({ id: 0, ok: false, error: toWireError(error) }),
);

port.on('message', (request: WorkerRequest) => {
  tail = tail.then(() => answer(request));
});
