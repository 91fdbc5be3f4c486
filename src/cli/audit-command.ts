import fs from 'node:fs';
import readline from 'node:readline';
import { once } from 'node:events';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseAuditRecord, toAuditRecord, type AuditRecord } from '../audit/audit-record.ts';
import { scopedEvents, type AuditScope, type TimeRange } from '../audit/audit-scope.ts';
import { describeBreak, verifyRecordChains, verifyStoreChains, type ChainReport } from '../audit/chain-verification.ts';
import { loadConfig, type Config } from '../config.ts';
import { cliLogger, processIo, withStores, type CliIo } from './cli-context.ts';

export interface ScopeOptions {
  home?: string;
  user?: string;
  gateway?: string;
  all?: boolean;
}

export interface ExportOptions extends ScopeOptions {
  from?: Date;
  to?: Date;
  out?: string;
}

export interface VerifyOptions extends ScopeOptions {
  file?: string;
}

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export function scopeOf(options: ScopeOptions, required: boolean): AuditScope {
  const given = [
    options.home !== undefined && ({ kind: 'home', id: options.home } as const),
    options.user !== undefined && ({ kind: 'user', id: options.user } as const),
    options.gateway !== undefined && ({ kind: 'gateway', id: options.gateway } as const),
    options.all && ({ kind: 'all' } as const),
  ].filter((scope): scope is AuditScope => Boolean(scope));
  if (given.length > 1) throw new CliUsageError('Give one scope: --home ID, --user ID, --gateway ID or --all');
  if (given.length === 0) {
    if (required) throw new CliUsageError('Give a scope: --home ID, --user ID, --gateway ID or --all');
    return { kind: 'all' };
  }
  return given[0]!;
}

/** `audit export`: JSON Lines, one event per line, oldest first, read from the event store. Returns the count. */
export async function auditExport(config: Config, options: ExportOptions, io: CliIo): Promise<number> {
  const scope = scopeOf(options, true);
  const range: TimeRange = { from: options.from, to: options.to };
  const logger = cliLogger(config);
  return withStores(config, 'audit export', logger, async (stores) => {
    const out = options.out ? fs.createWriteStream(options.out) : io.out;
    let count = 0;
    for await (const event of scopedEvents(stores.sealedEventStore, scope, range)) {
      if (!out.write(`${JSON.stringify(toAuditRecord(event))}\n`)) await once(out, 'drain');
      count += 1;
    }
    if (options.out) {
      out.end();
      await once(out, 'finish');
    }
    io.err.write(`Exported ${count} events${options.out ? ` to ${options.out}` : ''}\n`);
    return count;
  });
}

export async function readExportFile(file: string): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    records.push(parseAuditRecord(line, lineNumber));
  }
  return records;
}

/** `audit verify`: recomputes every hash chain; exit code 0 only when every link matches. */
export async function auditVerify(config: Config, options: VerifyOptions, io: CliIo): Promise<number> {
  let report: ChainReport;
  if (options.file) {
    try {
      report = verifyRecordChains(await readExportFile(options.file));
    } catch (error) {
      io.out.write(`FAILED: ${options.file} ${(error as Error).message}\n`);
      return 1;
    }
  } else {
    const scope = scopeOf(options, false);
    report = await withStores(config, 'audit verify', cliLogger(config), (stores) =>
      verifyStoreChains(stores.sealedEventStore, scope),
    );
  }
  if (report.breaks.length === 0) {
    io.out.write(`OK: ${report.events} events in ${report.streams} streams, every hash chain matches\n`);
    return 0;
  }
  io.out.write(
    `FAILED: ${report.breaks.length} of ${report.streams} streams do not match; first mismatch: ${describeBreak(report.breaks[0]!)}\n`,
  );
  for (const breakage of report.breaks.slice(1)) io.out.write(`  also: ${describeBreak(breakage)}\n`);
  return 1;
}

function parseTime(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new InvalidArgumentError('must be an ISO 8601 date or time, e.g. 2025-01-31T00:00:00Z');
  return date;
}

function scopeOptions(command: Command): Command {
  return command
    .addOption(new Option('--home <id>', "a home: its stream, its gateways' streams, and every event naming it"))
    .addOption(new Option('--user <id>', "a user: the user's stream, e-mail claims, and every event naming the user"))
    .addOption(new Option('--gateway <id>', 'a gateway: its streams (gateway, telemetry) and every event naming it'))
    .addOption(new Option('--all', 'the whole log'));
}

export function registerAuditCommand(program: Command): void {
  const audit = program
    .command('audit')
    .description(
      'Auditors: export the event history and verify its hash chains (reads the event store, not read models)',
    );
  scopeOptions(audit.command('export'))
    .description(
      'Write the events in scope as JSON Lines (stream, revision, position, id, type, data, metadata, created)',
    )
    .option('--from <time>', 'events created at or after this time', parseTime)
    .option('--to <time>', 'events created before this time', parseTime)
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (options: ExportOptions) => {
      await auditExport(loadConfig(), options, processIo());
    });
  scopeOptions(audit.command('verify'))
    .description(
      'Recompute every hash chain in scope (default: all), from the store or from an exported file; exit 1 on any mismatch',
    )
    .option('--file <file>', 'verify an exported file offline')
    .action(async (options: VerifyOptions) => {
      process.exitCode = await auditVerify(loadConfig(), options, processIo());
    });
}
