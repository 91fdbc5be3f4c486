/**
 * The timeline of a lone remote command (issue 16): REST → edge ack → 200, hop by hop, median over BENCH_TRACE_COMMANDS
 * commands sent one after the other, with the server, the simulated edges and the client in this process (so every
 * hop is timed on one clock). Hops come from the server's diagnostics channel (`markCommandHop`,
 * src/commands/remote-control/command-trace.ts), the edge's from the simulated home's command handler, and every SQL
 * statement from the server's Knex (`query` / `query-response`), classified by what it does.
 *
 *   npm run bench:command-trace [-- pglite postgres]
 *   knobs: BENCH_TRACE_COMMANDS (200), BENCH_GATEWAYS (10), BENCH_TRACE_SQL=1 (every distinct statement, per command),
 *          BENCH_TRACE_PROFILE=<file prefix> (a CPU profile of the traced commands, <prefix>.<store>.cpuprofile)
 *
 * Prints, per store: each hop's median time since the client sent the request (and since the previous hop); the
 * statements per command started before the answer (the critical path and what ran beside it) and after it, by
 * kind; and for each statement kind before the answer, the median start and end. Only for one command at a time:
 * marks without a command id (request parsed, authorised) belong to the request in flight.
 */
import { firstValueFrom } from 'rxjs';
import { onCommandHops, type CommandHopMark } from '../../src/commands/remote-control/command-trace.ts';
import { EdgeClient, SimulatedHome, type EdgeCommand } from '../../src/edge/index.ts';
import { profiled } from './cpu-profile.ts';
import { benchTargets, median, postJson, startBenchServer, type BenchTarget } from './bench-server.ts';

const COMMANDS = Number(process.env.BENCH_TRACE_COMMANDS ?? 200);
const WARM_UP = 50;
const GATEWAYS = Number(process.env.BENCH_GATEWAYS ?? 10);

interface Mark {
  hop: string;
  commandId: string | undefined;
  at: number;
}

interface Statement {
  kind: string;
  sql: string;
  start: number;
  end: number | null;
}

/** What a statement does, from its SQL: enough to tell the command's own work from the followers' and projections'. */
export function statementKind(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim().toLowerCase();
  const rules: [RegExp, string][] = [
    [/es_append_batch/, 'append (batch of streams)'],
    [/es_append/, 'append'],
    [/projection_checkpoints/, 'projection checkpoint (read / upsert)'],
    [/pg_notify/, 'notify (after an append)'],
    [/^(begin|commit|rollback|savepoint|release)/, 'transaction control'],
    [/pg_advisory_xact_lock/, 'projection batch lock'],
    [/read_horizon as materialized/, 'subscription catch-up read ($all)'],
    [/order by es_events\.transaction_id desc/, 'head read'],
    [/from es_events where transaction_id < \(select es_read_horizon/, 'page read ($all, projection runner)'],
    [/where "stream_name" = /, 'stream read'],
    [/^(insert|update|delete)/, `read-model write (${s.split(' ').slice(0, 3).join(' ')})`],
    [/^select .* from "?(audit_stream_homes|audit_parked)/, 'read-model read (audit)'],
    [/projection_rejected_events/, 'rejected-events count (lag sampler)'],
  ];
  for (const [pattern, kind] of rules) if (pattern.test(s)) return kind;
  return `other: ${s.slice(0, 70)}`;
}

/** Connects `count` simulated edges whose command handler marks when a command arrives and when it is answered. */
async function connectEdges(url: string, token: string, count: number, marks: Mark[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const provisioned = await postJson(`${url}/api/gateways/provision`, { name: `Trace ${i}` }, token);
    if (provisioned.status !== 201) throw new Error(`provision ${provisioned.status}`);
    const home = new SimulatedHome({ deviceCount: 3 });
    const onCommand = async (command: EdgeCommand) => {
      marks.push({ hop: 'edge: frame received', commandId: command.commandId, at: performance.now() });
      const outcome = await home.handleCommand(command);
      marks.push({ hop: 'edge: ack sent', commandId: command.commandId, at: performance.now() });
      return outcome;
    };
    const client = new EdgeClient({
      url: url.replace(/^http/, 'ws'),
      gatewayId: provisioned.body.id,
      secret: provisioned.body.secret,
      onCommand,
      snapshot: home.snapshot,
    });
    home.attach(client);
    const connected = firstValueFrom(client.eventsOfType('connected'));
    client.start();
    await connected;
    ids.push(provisioned.body.id);
  }
  return ids;
}

interface Traced {
  commandId: string;
  sent: number;
  received: number;
  /** The next command's send (or the end): statements up to it count as this command's "after the answer". */
  until: number;
}

async function sendCommands(url: string, token: string, gatewayIds: string[], n: number): Promise<Traced[]> {
  const traced: Traced[] = [];
  for (let i = 0; i < n; i++) {
    const gatewayId = gatewayIds[i % gatewayIds.length]!;
    const sent = performance.now();
    const answer = await postJson(
      `${url}/api/gateways/${gatewayId}/commands/`,
      { device_id: 'light-1', action: 'turn_on' },
      token,
    );
    const received = performance.now();
    if (answer.status !== 200) throw new Error(`command ${answer.status} ${JSON.stringify(answer.body)}`);
    if (traced.length > 0) traced[traced.length - 1]!.until = sent;
    traced.push({ commandId: answer.body.id, sent, received, until: received + 50 });
  }
  // Let the last command's followers and projections finish, so its "after" window is complete.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return traced;
}

const fixed = (value: number) => value.toFixed(2);

function hopTable(traced: Traced[], marks: Mark[]): string[] {
  const offsets = new Map<string, number[]>();
  const add = (hop: string, value: number) => offsets.set(hop, [...(offsets.get(hop) ?? []), value]);
  for (const command of traced) {
    const mine = marks.filter(
      (m) =>
        (m.commandId === command.commandId ||
          (m.commandId === undefined && m.at >= command.sent && m.at <= command.received)) &&
        m.at >= command.sent,
    );
    const seen = new Set<string>();
    for (const mark of mine) {
      if (seen.has(mark.hop)) continue;
      seen.add(mark.hop);
      add(mark.hop, mark.at - command.sent);
    }
    add('client: answer received', command.received - command.sent);
  }
  const rows = [...offsets.entries()]
    .map(([hop, values]) => ({ hop, at: median(values), seen: values.length }))
    .sort((a, b) => a.at - b.at);
  const lines = ['| hop | median ms since sent | Δ ms | commands |', '|---|---|---|---|'];
  let previous = 0;
  for (const row of rows) {
    lines.push(`| ${row.hop} | ${fixed(row.at)} | ${fixed(row.at - previous)} | ${row.seen} |`);
    previous = row.at;
  }
  return lines;
}

function statementTable(traced: Traced[], statements: Statement[]): string[] {
  const before = new Map<string, number>();
  const after = new Map<string, number>();
  const timing = new Map<string, { start: number[]; end: number[] }>();
  let i = 0;
  const sorted = [...statements].sort((a, b) => a.start - b.start);
  for (const command of traced) {
    for (; i < sorted.length && sorted[i]!.start < command.until; i++) {
      const statement = sorted[i]!;
      if (statement.start < command.sent) continue;
      const onTheWay = statement.start <= command.received;
      const counts = onTheWay ? before : after;
      counts.set(statement.kind, (counts.get(statement.kind) ?? 0) + 1);
      if (!onTheWay) continue;
      const t = timing.get(statement.kind) ?? { start: [], end: [] };
      t.start.push(statement.start - command.sent);
      t.end.push((statement.end ?? statement.start) - command.sent);
      timing.set(statement.kind, t);
    }
  }
  const kinds = [...new Set([...before.keys(), ...after.keys()])].sort(
    (a, b) => (before.get(b) ?? 0) + (after.get(b) ?? 0) - ((before.get(a) ?? 0) + (after.get(a) ?? 0)),
  );
  const n = traced.length;
  const lines = [
    '| statement | per command, before the answer | after it | median start → end ms (before the answer) |',
    '|---|---|---|---|',
  ];
  for (const kind of kinds) {
    const t = timing.get(kind);
    const when = t ? `${fixed(median(t.start))} → ${fixed(median(t.end))}` : '';
    lines.push(`| ${kind} | ${fixed((before.get(kind) ?? 0) / n)} | ${fixed((after.get(kind) ?? 0) / n)} | ${when} |`);
  }
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0) / n;
  lines.push(`| **all** | ${fixed(total(before))} | ${fixed(total(after))} | |`);
  return lines;
}

/** BENCH_TRACE_SQL=1: each distinct statement (its first 200 characters) per command, to check the kinds. */
function printDistinctSql(statements: Statement[], commands: number): void {
  const counts = new Map<string, number>();
  for (const { sql } of statements) {
    const key = sql.replace(/\s+/g, ' ').slice(0, 200);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  console.log('');
  for (const [sql, count] of [...counts.entries()].sort((a, b) => b[1] - a[1]))
    console.log(`${fixed(count / commands)}  ${statementKind(sql)}  ${sql}`);
}

async function trace(target: BenchTarget): Promise<void> {
  const server = await startBenchServer(target, { SCRYPT_LOG_N: '4' });
  const marks: Mark[] = [];
  const statements: Statement[] = [];
  const open = new Map<string, Statement>();
  const knex = server.stores.readModels.knex;
  knex.on('query', (q: { sql: string; __knexQueryUid: string }) => {
    // Classified after the run (statementKind), so the trace costs the event loop next to nothing while it runs.
    const statement = { kind: '', sql: q.sql, start: performance.now(), end: null };
    statements.push(statement);
    open.set(q.__knexQueryUid, statement);
  });
  const ended = (_: unknown, q: { __knexQueryUid: string }) => {
    const statement = open.get(q.__knexQueryUid);
    if (statement) statement.end = performance.now();
    open.delete(q.__knexQueryUid);
  };
  knex.on('query-response', ended);
  knex.on('query-error', (_: unknown, q: { __knexQueryUid: string }) => ended(_, q));
  let stopMarks = () => {};
  try {
    const registered = await postJson(`${server.url}/api/auth/register`, {
      email: 'trace@example.com',
      password: 'benchmark password',
    });
    const token = registered.body.access as string;
    const gatewayIds = await connectEdges(server.url, token, GATEWAYS, marks);
    await sendCommands(server.url, token, gatewayIds, WARM_UP);
    marks.length = 0;
    statements.length = 0;
    stopMarks = onCommandHops((mark: CommandHopMark) => marks.push(mark));
    const send = () => sendCommands(server.url, token, gatewayIds, COMMANDS);
    const profileFile = process.env.BENCH_TRACE_PROFILE;
    const traced = profileFile ? await profiled(`${profileFile}.${target}.cpuprofile`, send) : await send();
    for (const statement of statements) statement.kind = statementKind(statement.sql);
    const answers = traced.map((t) => t.received - t.sent);
    console.log(
      `\n### ${target}: ${COMMANDS} lone commands, ${GATEWAYS} gateways (p50 ${fixed(median(answers))} ms, ` +
        `load ${(await import('node:os')).loadavg()[0]!.toFixed(1)})\n`,
    );
    console.log(hopTable(traced, marks).join('\n'));
    console.log('');
    console.log(statementTable(traced, statements).join('\n'));
    if (process.env.BENCH_TRACE_SQL === '1') printDistinctSql(statements, traced.length);
  } finally {
    stopMarks();
    await server.stop();
  }
}

const chosen = process.argv.slice(2).filter((name): name is BenchTarget => name === 'pglite' || name === 'postgres');
for (const target of chosen.length > 0 ? chosen : benchTargets()) await trace(target);
process.exit(0);
