import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { readPreparedOnPglite } from './pglite-prepared.ts';
import {
  packRows,
  type CompiledWasm,
  toWireError,
  unpackValues,
  type WorkerReply,
  type WorkerRequest,
} from './pglite-wire.ts';

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
/** Created on the first message (`open`), which brings the WASM the main thread compiled. */
let db: PGlite | null = null;

function send(reply: WorkerReply): void {
  try {
    port.postMessage(reply);
  } catch (error) {
    // A result the clone refuses fails its own statement, not the thread.
    port.postMessage({ id: reply.id, ok: false, error: toWireError(error) } satisfies WorkerReply);
  }
}

async function open(wasm: CompiledWasm | null): Promise<null> {
  const options: PGliteOptions =
    wasm === null ? {} : { pgliteWasmModule: wasm as NonNullable<PGliteOptions['pgliteWasmModule']> };
  db = new PGlite(dataDir ?? undefined, options);
  await db.waitReady;
  return null;
}

async function run(request: WorkerRequest): Promise<unknown> {
  if (request.kind === 'open') return open(request.wasm);
  if (db === null) throw new Error('PGlite was not opened');
  switch (request.kind) {
    case 'query': {
      const params = request.params && unpackValues(request.params, request.deep, request.buffers);
      return db.query(request.text, params, request.options as Parameters<PGlite['query']>[2]);
    }
    case 'prepared': {
      const values = unpackValues(request.values, request.deep, request.buffers);
      return { rows: await readPreparedOnPglite(db, request.name, request.text, values) };
    }
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

/** Statements wait for `open`, which comes once the main thread has compiled the WASM (after some of them). */
let markOpened: () => void = () => undefined;
let tail = new Promise<void>((resolve) => (markOpened = resolve));
port.on('message', (request: WorkerRequest) => {
  if (request.kind === 'open') void answer(request).finally(markOpened);
  else tail = tail.then(() => answer(request));
});
