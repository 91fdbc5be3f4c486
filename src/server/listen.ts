import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type websockify from 'koa-websocket';
import type { AppSocketGate } from '../bridge/app-sockets/app-socket-gate.ts';
import type { GatewayBridge } from '../bridge/gateway-bridge.ts';
import type { Config } from '../config.ts';
import { refuseUpgradeWhileStarting, startingResponder } from './starting-responder.ts';

export interface Listening {
  server: http.Server;
  port: number;
  /** http://host:port, with a wildcard host replaced by the loopback address. */
  url: string;
  /** Hands the port from the start-up answers to the app and its sockets. */
  serve(
    app: ReturnType<typeof websockify<Koa.DefaultState, Koa.DefaultContext>>,
    sockets: { appGate: AppSocketGate; bridge: GatewayBridge },
  ): void;
  /** Closes a port that never got to serve (a failed start-up). */
  close(): Promise<void>;
}

/**
 * Connections the kernel completes and queues for `accept` while the event loop is busy (Node's default is 511;
 * Linux caps it at `net.core.somaxconn`, 4096 by default since 5.4). A reconnect storm opens thousands at once:
 * past the queue, a SYN is dropped and its gateway retries only after the kernel's 1 s (then 3 s, 7 s …)
 * retransmission timeout, so a 2,000-gateway storm spent seconds idle waiting for retransmitted SYNs.
 */
const LISTEN_BACKLOG = 4096;

/**
 * Listens before the rest of start-up, answering as starting-responder.ts says (`reason` names what start-up
 * waits for) until `serve` hands the port to the app: a store that stays down keeps the node alive and not ready
 * instead of failing start-up. The app's live socket shares the ws server with the bridge; the path decides who
 * takes it.
 */
export async function listenEarly(config: Config, reason: () => string): Promise<Listening> {
  let handle: http.RequestListener = startingResponder(reason);
  const server = http.createServer((request, response) => handle(request, response));
  server.on('upgrade', refuseUpgradeWhileStarting);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: config.PORT, host: config.HOST, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  return {
    server,
    port,
    url: `http://${host}:${port}`,
    serve(app, { appGate, bridge }) {
      // The ws server joins once the port is ours: attached before, it re-emits a failed listen (EADDRINUSE) as an
      // unhandled 'error' of its own, which kills the process with a stack instead of the one-line start-up error.
      server.off('upgrade', refuseUpgradeWhileStarting);
      app.ws.use((ctx) =>
        appGate.handles(ctx.req) ? appGate.accept(ctx.websocket, ctx.req) : bridge.accept(ctx.websocket, ctx.req),
      );
      app.ws.listen({
        server,
        verifyClient: (info, callback) =>
          appGate.handles(info.req) ? appGate.verifyClient(info, callback) : bridge.verifyClient(info, callback),
        maxPayload: config.BRIDGE_MAX_FRAME_BYTES,
      });
      handle = app.callback();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
