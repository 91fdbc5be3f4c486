/**
 * The gateway side of `bench/bridge.bench.ts`, run as a child process (IPC) so that the sockets, buffers and
 * closures of thousands of clients are not counted in the server's heap. Plain `ws` clients, not EdgeClients:
 * an EdgeClient's reconnect, heartbeat and buffers are not what is measured, and they would cost this process
 * more than the server it loads. Commands arrive as messages (see `ClientCommand`); each is answered once.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

export interface BenchGateway {
  id: string;
  secret: string;
}

export type ClientCommand =
  | { cmd: 'connect'; url: string; gateways: BenchGateway[]; concurrency: number }
  | { cmd: 'storm' }
  | { cmd: 'state'; gateways: number; window: number; seconds: number }
  | { cmd: 'disconnect'; keep: number };

export type ClientReply =
  | { cmd: 'connect'; connected: number; ms: number; retries: number }
  | { cmd: 'storm'; welcomed: number; ms: number; retries: number; cpuUs: number }
  | { cmd: 'state'; acked: number; errors: number; seconds: number }
  | { cmd: 'disconnect'; open: number }
  | { cmd: 'failed'; message: string };

interface Connection {
  gateway: BenchGateway;
  /** The loopback address this connection's socket binds to (see `sourceAddress`). */
  localAddress: string;
  socket: WebSocket | null;
  /** Called for every frame the cloud sends on this connection. */
  onFrame: (frame: { type: string; request_id?: string }) => void;
}

let url = '';
let connections: Connection[] = [];

/**
 * One source address has one ephemeral port range towards the server's one address and port (Linux default
 * 32768–60999: ~28,000 sockets), so more sessions than that fail with EADDRNOTAVAIL. Every 127.0.0.0/8 address
 * is loopback: the connections take 127.0.0.1, 127.0.0.2, … in turn, 16 of them giving room for ~450,000.
 */
const SOURCE_ADDRESSES = 16;
let opened = 0;
const sourceAddress = () => `127.0.0.${1 + (opened++ % SOURCE_ADDRESSES)}`;

const authorization = (gateway: BenchGateway) =>
  `Basic ${Buffer.from(`${gateway.id}:${gateway.secret}`).toString('base64')}`;

/** Opens one session and resolves on `welcome`; retries (counted) when the handshake or socket fails. */
function open(connection: Connection, counters: { retries: number }): Promise<void> {
  return new Promise((resolve) => {
    const attempt = () => {
      const socket = new WebSocket(`${url}/bridge/`, {
        headers: { authorization: authorization(connection.gateway) },
        localAddress: connection.localAddress,
      });
      let welcomed = false;
      const retry = () => {
        if (welcomed) return;
        counters.retries += 1;
        socket.removeAllListeners();
        socket.on('error', () => {});
        socket.terminate();
        // Short jitter: a refused SYN (full accept backlog) or a 503 must not retry in lockstep.
        setTimeout(attempt, 20 + Math.random() * 80);
      };
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type: string; request_id?: string };
        if (!welcomed && frame.type === 'welcome') {
          welcomed = true;
          connection.socket = socket;
          resolve();
          return;
        }
        connection.onFrame(frame);
      });
      socket.on('error', retry);
      socket.on('unexpected-response', retry);
      socket.on('close', () => {
        if (!welcomed) retry();
      });
    };
    attempt();
  });
}

async function connectAll(list: Connection[], concurrency: number, counters: { retries: number }): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, list.length) }, async () => {
      for (let i = next++; i < list.length; i = next++) await open(list[i]!, counters);
    }),
  );
}

/** Every socket dropped at once (no close handshake, like a NAT or a proxy dying), then all reconnect at once. */
async function storm(): Promise<ClientReply> {
  for (const connection of connections) {
    connection.socket?.removeAllListeners();
    connection.socket?.on('error', () => {});
    connection.socket?.terminate();
    connection.socket = null;
  }
  const counters = { retries: 0 };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await connectAll(connections, connections.length, counters);
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { cmd: 'storm', welcomed: connections.length, ms, retries: counters.retries, cpuUs: used.user + used.system };
}

/** `gateways` sessions each keep `window` state frames unacked; counts the acks that arrive within `seconds`. */
async function sendStates(gateways: number, window: number, seconds: number): Promise<ClientReply> {
  const active = connections.slice(0, gateways);
  let acked = 0;
  let errors = 0;
  let running = true;
  const sendOne = (connection: Connection, n: number) => {
    const now = Date.now() / 1000;
    connection.socket!.send(
      JSON.stringify({
        type: 'state',
        request_id: randomUUID(),
        timestamp: now,
        payload: { devices: [{ device_id: `sensor-${n % 4}`, state: { temperature: 20 + (n % 10) / 10 }, ts: now }] },
      }),
    );
  };
  let sent = 0;
  for (const connection of active) {
    connection.onFrame = (frame) => {
      if (frame.type === 'ack') acked += 1;
      else if (frame.type === 'error') errors += 1;
      else return;
      if (running) sendOne(connection, sent++);
    };
    for (let i = 0; i < window; i++) sendOne(connection, sent++);
  }
  // Warm-up second (JIT, pools, the first batches), then count.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const ackedBefore = acked;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = (performance.now() - started) / 1000;
  const counted = acked - ackedBefore;
  running = false;
  // Let the frames still in flight be acked, so the next scenario starts on a quiet server.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  for (const connection of active) connection.onFrame = () => {};
  return { cmd: 'state', acked: counted, errors, seconds: elapsed };
}

function disconnect(keep: number): ClientReply {
  for (const connection of connections.slice(keep)) {
    connection.socket?.removeAllListeners();
    connection.socket?.on('error', () => {});
    connection.socket?.close();
  }
  connections = connections.slice(0, keep);
  return { cmd: 'disconnect', open: connections.length };
}

async function handle(command: ClientCommand): Promise<ClientReply> {
  switch (command.cmd) {
    case 'connect': {
      url = command.url;
      const added = command.gateways.map((gateway): Connection => ({
        gateway,
        localAddress: sourceAddress(),
        socket: null,
        onFrame: () => {},
      }));
      connections.push(...added);
      const counters = { retries: 0 };
      const started = performance.now();
      await connectAll(added, command.concurrency, counters);
      return { cmd: 'connect', connected: added.length, ms: performance.now() - started, retries: counters.retries };
    }
    case 'storm':
      return storm();
    case 'state':
      return sendStates(command.gateways, command.window, command.seconds);
    case 'disconnect':
      return disconnect(command.keep);
  }
}

process.on('message', (message: ClientCommand) => {
  handle(message).then(
    (reply) => process.send!(reply),
    (error: unknown) => process.send!({ cmd: 'failed', message: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
