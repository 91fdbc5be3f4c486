import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type websockify from 'koa-websocket';
import type { AppSocketGate } from '../bridge/app-sockets/app-socket-gate.ts';
import type { GatewayBridge } from '../bridge/gateway-bridge.ts';
import type { Config } from '../config.ts';

export interface Listening {
  server: http.Server;
  port: number;
  /** http://host:port, with a wildcard host replaced by the loopback address. */
  url: string;
}

/**
 * Puts the sockets on the app's ws server and listens. The app's live socket shares the ws server with the
 * bridge; the path decides who takes it.
 */
export async function listenWithSockets(
  app: ReturnType<typeof websockify<Koa.DefaultState, Koa.DefaultContext>>,
  sockets: { appGate: AppSocketGate; bridge: GatewayBridge },
  config: Config,
): Promise<Listening> {
  const { appGate, bridge } = sockets;
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // The ws server joins once the port is ours: attached before, it re-emits a failed listen (EADDRINUSE) as an
  // unhandled 'error' of its own, which kills the process with a stack instead of the one-line start-up error.
  // No upgrade can arrive in between: the socket events come after this synchronous continuation.
  app.ws.use((ctx) =>
    appGate.handles(ctx.req) ? appGate.accept(ctx.websocket, ctx.req) : bridge.accept(ctx.websocket, ctx.req),
  );
  app.ws.listen({
    server,
    verifyClient: (info, callback) =>
      appGate.handles(info.req) ? appGate.verifyClient(info, callback) : bridge.verifyClient(info, callback),
    maxPayload: config.BRIDGE_MAX_FRAME_BYTES,
  });
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  return { server, port, url: `http://${host}:${port}` };
}
