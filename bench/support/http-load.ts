import autocannon from 'autocannon';
import { wrkLoad, wrkPath } from './wrk.ts';

export interface LoadOptions {
  /** The full URL, path and query included. */
  url: string;
  /** Bearer tokens, one per request in turn. */
  tokens: string[];
  connections: number;
  seconds: number;
}

export interface LoadResult {
  rate: number;
  p50: number;
  p99: number;
  /** What generated the load, for the row's note: `wrk -t2` or `autocannon`. */
  generator: string;
}

/**
 * GET load against a server in another process: `wrk` when it is on PATH (C, its own threads: it takes less of
 * the 2 cores the server needs than a Node client does), else autocannon in this process. BENCH_LOAD=autocannon
 * forces autocannon (to compare the two generators).
 */
export async function httpLoad(options: LoadOptions): Promise<LoadResult> {
  const wrk = process.env.BENCH_LOAD === 'autocannon' ? null : wrkPath();
  return wrk ? wrkLoad(wrk, options) : autocannonLoad(options);
}

async function autocannonLoad(options: LoadOptions): Promise<LoadResult> {
  let turn = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, authorization: `Bearer ${options.tokens[turn++ % options.tokens.length]}` },
        }),
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${options.url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rate: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, generator: 'autocannon' };
}
