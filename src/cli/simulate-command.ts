import fs from 'node:fs';
import type { Command } from 'commander';
import { cloudUrls, createSimulatedGateway, type SimulatedGateway } from '../edge/index.ts';

interface SimulateOptions {
  url: string;
  gateways: string;
  devices: string;
  email?: string;
  password?: string;
  token?: string;
  credentials?: string;
  sensorIntervalMs: string;
  summaryIntervalS: string;
}

interface GatewayCredentials {
  gateway_id: string;
  secret: string;
}

export class SimulateError extends Error {
  override readonly name = 'SimulateError';
}

/**
 * `--url a,b`: the servers to use, in order. REST calls go to the first that answers (the next one when a server
 * cannot be reached); the gateways connect to the first and fail over to the next (EdgeClient).
 */
export function simulateTargets(url: string): { bases: string[]; wsUrls: string[] } {
  let bases: string[];
  try {
    bases = cloudUrls(url).map((each) => each.replace(/\/+$/, ''));
  } catch {
    throw new SimulateError(`--url must be one or more comma-separated URLs (got ${url})`);
  }
  return { bases, wsUrls: bases.map((base) => base.replace(/^http/, 'ws')) };
}

/** Runs a REST exchange against the first base URL that can be reached (fetch rejects only when it cannot). */
async function withFailover<T>(bases: readonly string[], exchange: (base: string) => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (const base of bases) {
    try {
      return await exchange(base);
    } catch (error) {
      if (error instanceof SimulateError) throw error;
      lastError = error;
    }
  }
  throw new SimulateError(`no server could be reached at ${bases.join(', ')}: ${String(lastError)}`);
}

async function postJson(
  url: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
}

/** A token from --token, or by logging in (registering the account when it does not exist yet). */
async function accessToken(base: string, options: SimulateOptions): Promise<string> {
  if (options.token) return options.token;
  if (!options.email || !options.password)
    throw new SimulateError('give --token, or --email and --password (or --credentials FILE)');
  const login = await postJson(`${base}/api/auth/login`, { email: options.email, password: options.password });
  if (login.status === 200) return String(login.body.access);
  const registered = await postJson(`${base}/api/auth/register`, {
    email: options.email,
    password: options.password,
    name: 'Simulator',
  });
  if (registered.status === 201) return String(registered.body.access);
  throw new SimulateError(
    `could not log in or register ${options.email}: HTTP ${registered.status} ${JSON.stringify(registered.body)}`,
  );
}

async function provisionGateways(base: string, token: string, count: number): Promise<GatewayCredentials[]> {
  const provisioned: GatewayCredentials[] = [];
  for (let i = 0; i < count; i++) {
    const answer = await postJson(`${base}/api/gateways/provision`, { name: `Simulated gateway ${i + 1}` }, token);
    if (answer.status !== 201)
      throw new SimulateError(`provisioning failed: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    provisioned.push({ gateway_id: String(answer.body.id), secret: String(answer.body.secret) });
  }
  return provisioned;
}

/** Signs in on the first server that answers, and provisions there (a failure half-way is not retried elsewhere). */
async function signInAndProvision(bases: readonly string[], options: SimulateOptions): Promise<GatewayCredentials[]> {
  const { base, token } = await withFailover(bases, async (base) => ({
    base,
    token: await accessToken(base, options),
  }));
  return provisionGateways(base, token, Number(options.gateways));
}

function readCredentials(file: string): GatewayCredentials[] {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  const list = Array.isArray(parsed) ? parsed : [];
  const valid = list.filter(
    (entry): entry is GatewayCredentials => typeof entry?.gateway_id === 'string' && typeof entry?.secret === 'string',
  );
  if (valid.length === 0) throw new SimulateError(`${file} holds no [{gateway_id, secret}] entries`);
  return valid;
}

function summary(gateways: readonly SimulatedGateway[]): string {
  const ready = gateways.filter((gateway) => gateway.client.status === 'ready').length;
  const totals = gateways.reduce(
    (sum, { home }) => ({
      ok: sum.ok + home.stats.commandsSucceeded,
      failed: sum.failed + home.stats.commandsFailed,
      reports: sum.reports + home.stats.reportsAcked,
    }),
    { ok: 0, failed: 0, reports: 0 },
  );
  return `gateways ready ${ready}/${gateways.length}; commands ok ${totals.ok}, failed ${totals.failed}; state reports acked ${totals.reports}`;
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('Run simulated edge gateways (devices that answer commands and report state) against a server')
    .requiredOption(
      '--url <urls>',
      'server base URL, e.g. http://localhost:8000; several comma-separated for failover (http://a:8000,http://b:8000)',
    )
    .option('--gateways <n>', 'how many gateways to provision and run', '1')
    .option('--devices <m>', 'simulated devices per gateway', '6')
    .option('--email <email>', 'account to log in with (registered if it does not exist)')
    .option('--password <password>', 'its password')
    .option('--token <token>', 'an access token instead of --email/--password')
    .option('--credentials <file>', 'JSON file [{gateway_id, secret}] of gateways to run instead of provisioning')
    .option('--sensor-interval-ms <ms>', 'sensor readings every this many ms (0: none)', '10000')
    .option('--summary-interval-s <s>', 'print a summary line every this many seconds', '10')
    .action(async (options: SimulateOptions) => {
      const { bases, wsUrls } = simulateTargets(options.url);
      const devices = Number(options.devices);
      const credentials = options.credentials
        ? readCredentials(options.credentials)
        : await signInAndProvision(bases, options);
      const gateways = credentials.map(({ gateway_id, secret }) =>
        createSimulatedGateway(
          { url: wsUrls, gatewayId: gateway_id, secret },
          { deviceCount: devices, sensorIntervalMs: Number(options.sensorIntervalMs) },
        ),
      );
      for (const gateway of gateways) gateway.start();
      for (const { gateway_id } of credentials) process.stdout.write(`gateway ${gateway_id}\n`);
      const timer = setInterval(
        () => process.stdout.write(`${new Date().toISOString()} ${summary(gateways)}\n`),
        Number(options.summaryIntervalS) * 1000,
      );
      const stop = () => {
        clearInterval(timer);
        process.stdout.write(`${new Date().toISOString()} ${summary(gateways)} (stopping)\n`);
        void Promise.all(gateways.map((gateway) => gateway.close())).then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
