/**
 * Where embedded PGlite runs its statements (`PGLITE_THREAD`): `main`, in the server's own event loop, or `worker`,
 * in a `node:worker_threads` thread of its own (pglite-worker-client.ts). ARCHITECTURE.md, "Where PGlite runs",
 * gives the trade-off.
 */
export const PGLITE_THREADS = ['worker', 'main'] as const;
export type PgliteThread = (typeof PGLITE_THREADS)[number];

/**
 * The thread when the configuration names none (tests and CLI commands that open a PGlite directory too). `worker`:
 * the whole suite and CI run on it (2026-12-02); `main` is faster only for a lone statement sequence.
 */
export const DEFAULT_PGLITE_THREAD: PgliteThread = 'worker';
