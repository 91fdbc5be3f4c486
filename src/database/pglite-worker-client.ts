import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Results } from '@electric-sql/pglite';
import type { PgliteWorkerData } from './pglite-worker.ts';
import {
  type CompiledWasm,
  fromWireError,
  packValues,
  unpackRows,
  type WorkerReply,
  type WorkerRequest,
} from './pglite-wire.ts';

/**
 * PGlite in a worker thread, seen from the main thread as the PGlite knex-pglite drives: `waitReady`, `query` and
 * `close` (ARCHITECTURE.md, "Where PGlite runs"). Each statement is a message to the worker and its answer a
 * message back; the worker runs them in the order they were sent.
 */

/** Every statement sent to, or still waiting for, a worker that stopped (crashed, was terminated, or was closed). */
export class PgliteWorkerStoppedError extends Error {
  override readonly name = 'PgliteWorkerStoppedError';
}

type Request = WorkerRequest extends infer Each ? (Each extends WorkerRequest ? Omit<Each, 'id'> : never) : never;

interface Pending {
  resolve(reply: Extract<WorkerReply, { ok: true }>): void;
  reject(error: Error): void;
  /** Put back on a database error: PGlite's errors carry the statement that failed (log-hygiene strips them). */
  statement: Record<string, unknown>;
}

/**
 * The worker's compiled sibling in dist/, or — under the TypeScript loaders (vitest, tsx: this module is a `.ts`
 * file) — its source, loaded through tsx's loader registered inside the new thread first: a worker thread inherits
 * neither vitest's transform nor (on Node 20) the hooks of `--import tsx`.
 */
function startWorker(workerData: PgliteWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData });
  const source = new URL('./pglite-worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/**
 * PGlite's WASM (9 MB), compiled once per process. PGlite keeps its compiled module per isolate, so in the main
 * thread only the first instance compiles it; each worker is an isolate of its own and compiled it again — seconds
 * per database opened (CLI commands, tests open several). A compiled module crosses to a worker without copying.
 */
let compiledWasm: Promise<CompiledWasm> | null = null;
/** The global `WebAssembly` (untyped in the build's `lib`, see `CompiledWasm`). */
const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<CompiledWasm> } })
  .WebAssembly;
function pgliteWasm(): Promise<CompiledWasm> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  compiledWasm ??= fs.readFile(path.join(path.dirname(entry), 'pglite.wasm')).then((bytes) => wasmApi.compile(bytes));
  return compiledWasm;
}

export class PgliteWorkerClient {
  /** Resolves once PGlite in the worker is ready; rejects with why it could not start. */
  readonly waitReady: Promise<void>;
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #stopped: PgliteWorkerStoppedError | null = null;
  #closing: Promise<void> | null = null;

  constructor(dataDir: string | null) {
    this.#worker = startWorker({ dataDir });
    const open = (wasm: CompiledWasm | null) =>
      this.#worker.postMessage({ id: 0, kind: 'open', wasm } satisfies WorkerRequest);
    // Not compiled here (the file missing?): the worker finds and compiles it itself, as PGlite does.
    pgliteWasm().then(open, () => open(null));
    this.#worker.on('message', (reply: WorkerReply) => this.#settle(reply));
    this.#worker.on('error', (error) => this.#stop(`its thread failed: ${error.message}`));
    this.#worker.on('exit', (code) => this.#stop(`its thread exited with code ${code}`));
    this.waitReady = new Promise<void>((resolve, reject) => {
      this.#track(0, { resolve: () => resolve(), reject, statement: {} });
    });
    // Awaited by knex on first use; a failed start must not also surface as an unhandled rejection here.
    this.waitReady.catch(() => undefined);
  }

  async query<Row>(text: string, params?: unknown[], options?: unknown): Promise<Results<Row>> {
    const packed = params && packValues(params);
    const extras = { params: packed?.values, deep: packed?.deep ?? [], buffers: packed?.buffers ?? [] };
    const result = await this.#ask(
      { kind: 'query', text, options, ...extras },
      { query: text, params, queryOptions: options },
    );
    return result as Results<Row>;
  }

  /** A named prepared read run entirely in the worker (pglite-prepared.ts): one message per read. */
  async readPrepared<Row>(name: string, text: string, values: unknown[]): Promise<Row[]> {
    const packed = packValues(values);
    const request = { kind: 'prepared', name, text, values: packed.values, deep: packed.deep, buffers: packed.buffers };
    return (await this.#ask(request as Request, { query: text, params: values })) as Row[];
  }

  /** Sends a statement and answers its result, the rows' deep values put back (a prepared read's result is its rows). */
  async #ask(request: Request, statement: Record<string, unknown>): Promise<unknown> {
    const reply = await this.#send(request, statement);
    const result = reply.result as { rows: Record<string, unknown>[] } | Record<string, unknown>[];
    unpackRows(Array.isArray(result) ? result : result.rows, reply.deep);
    return result;
  }

  /** Closes PGlite (a file-backed one writes everything out) and ends the thread; later statements fail. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#stopped === null) {
        await this.#send({ kind: 'close' }, {}).catch(() => undefined);
        this.#stop('it was closed');
      }
      await this.#worker.terminate();
    })();
    return this.#closing;
  }

  /** Ends the thread at once without closing PGlite, as a crash would (tests; unwritten changes are lost). */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }

  #send(request: Request, statement: Record<string, unknown>): Promise<Extract<WorkerReply, { ok: true }>> {
    if (this.#stopped !== null) return Promise.reject(this.#stopped);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#track(id, { resolve, reject, statement });
      try {
        this.#worker.postMessage({ ...request, id } as WorkerRequest);
      } catch (error) {
        // A value the clone cannot carry (a function, a symbol): this statement fails, as PGlite would refuse it.
        this.#untrack(id);
        reject(error as Error);
      }
    });
  }

  /** An idle worker does not keep the process alive: it holds the event loop only while a statement waits. */
  #track(id: number, pending: Pending): void {
    if (this.#pending.size === 0) this.#worker.ref();
    this.#pending.set(id, pending);
  }

  #untrack(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker.unref();
    return pending;
  }

  #settle(reply: WorkerReply): void {
    const pending = this.#untrack(reply.id);
    if (pending === undefined) return;
    if (reply.ok) pending.resolve(reply);
    else pending.reject(fromWireError(reply.error, pending.statement));
  }

  #stop(reason: string): void {
    this.#stopped ??= new PgliteWorkerStoppedError(`PGlite's worker stopped: ${reason}`);
    for (const [id, pending] of [...this.#pending]) {
      this.#untrack(id);
      pending.reject(this.#stopped);
    }
  }
}

/** A pooled connection that is this client: its prepared reads run in the worker (`readPrepared`). */
export const isPgliteWorkerClient = (connection: unknown): connection is PgliteWorkerClient =>
  connection instanceof PgliteWorkerClient;
