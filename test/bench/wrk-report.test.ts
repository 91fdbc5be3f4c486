import { describe, expect, it } from 'vitest';
import { parseWrkReport, rotatingTokensScript } from '../../bench/support/wrk.ts';

/**
 * Reports as wrk 4.1.0 printed them against a `serve` child on PGlite (a loaded machine: hence seconds), first with
 * the bench's token script, then without any token (every answer a 401).
 */
const REPORT = `Running 2s test @ http://127.0.0.1:39767/api/gateways/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   363.31ms  438.23ms   1.95s    84.48%
    Req/Sec    29.82     25.29   101.00     70.59%
  Latency Distribution
     50%  218.51ms
     75%  345.37ms
     90%    1.02s${' '}
     99%    1.95s${' '}
  56 requests in 2.09s, 43.59KB read
Requests/sec:     26.83
Transfer/sec:     20.89KB
`;

const UNAUTHORISED = `Running 1s test @ http://127.0.0.1:39767/api/gateways/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    59.73ms   65.93ms 329.71ms   87.07%
    Req/Sec   170.71    167.03   710.00     88.24%
  Latency Distribution
     50%   40.05ms
     75%   83.88ms
     90%  146.69ms
     99%  279.56ms
  363 requests in 1.10s, 298.84KB read
  Non-2xx or 3xx responses: 363
Requests/sec:    329.02
Transfer/sec:    270.86KB
`;

describe('parseWrkReport', () => {
  it('reads Requests/sec and the 50 % and 99 % latencies in ms, whatever unit wrk printed them in', () => {
    expect(parseWrkReport(REPORT)).toEqual({ rate: 26.83, p50: 218.51, p99: 1950 });
    const inMicroseconds = REPORT.replace('  218.51ms', '  640.00us');
    expect(parseWrkReport(inMicroseconds).p50).toBeCloseTo(0.64, 6);
  });

  it('refuses a run with non-2xx answers or socket errors', () => {
    expect(() => parseWrkReport(UNAUTHORISED)).toThrow(/Non-2xx or 3xx responses: 363/);
    const socketErrors = REPORT.replace(
      'Requests/sec',
      '  Socket errors: connect 0, read 2, write 0, timeout 0\nRequests/sec',
    );
    expect(() => parseWrkReport(socketErrors)).toThrow(/read 2/);
  });

  it('refuses a report without a rate', () => {
    expect(() => parseWrkReport('unable to connect to 127.0.0.1:1 Connection refused\n')).toThrow(/Requests\/sec/);
  });
});

describe('rotatingTokensScript', () => {
  it('embeds JWT-shaped tokens and refuses anything that could break out of a Lua string', () => {
    expect(rotatingTokensScript(['aa.bb-cc_dd.ee'])).toContain('"aa.bb-cc_dd.ee"');
    expect(() => rotatingTokensScript(['a" .. os.exit() .. "'])).toThrow(/not a JWT/);
  });
});
