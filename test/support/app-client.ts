// Test helper: the mobile app's calls and live socket (aditya2618/mobile src/api/cloudClient.ts, websocket.ts), re-created.
import WebSocket from 'ws';
import type { InventoryEntity } from '../../src/projections/read-models/devices-projection.ts';
import { ChainedAppends } from '../../src/commands/chained-appends.ts';
import { systemContext } from '../../src/commands/metadata.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { telemetryStream } from '../../src/domain/bridge/telemetry-events.ts';
import type { EventStore, Position } from '../../src/eventstore/port.ts';
import type { JsonResponse } from './http.ts';
import { checkAgainstContract } from './openapi-contract.ts';

/**
 * axios' defaults plus the app's instance headers: JSON, and the Bearer token its interceptor adds. Every answer is
 * checked against the OpenAPI document.
 */
export class AppClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | null,
  ) {}

  private async call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<JsonResponse> {
    const headers: Record<string, string> = { accept: 'application/json, text/plain, */*', ...extra };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    // axios drops Content-Type when there is no data (the scene run posts none).
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}/api${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // Not JSON (a proxy's HTML error page, say): the test sees the raw text, as the app's axios would.
    }
    checkAgainstContract(method, `/api${path}`, response.status, response.headers.get('content-type'), parsed);
    return { status: response.status, headers: response.headers, body: parsed as any };
  }

  /** cloudApi.getGateways */
  getGateways() {
    return this.call('GET', '/remote/gateways');
  }
  /** cloudApi.getGatewayStatus */
  getGatewayStatus(homeId: string) {
    return this.call('GET', `/remote/homes/${homeId}/status`);
  }
  /** cloudApi.getDevices */
  getDevices(homeId: string) {
    return this.call('GET', `/homes/${homeId}/devices/`);
  }
  /** cloudApi.controlEntity: `{command, value}` (JSON.stringify leaves out an undefined value). */
  controlEntity(
    homeId: string,
    entityId: number | string,
    command: string,
    value?: unknown,
    headers?: Record<string, string>,
  ) {
    return this.call('POST', `/remote/homes/${homeId}/entities/${entityId}/control`, { command, value }, headers);
  }
  /** cloudApi.runScene: no body. */
  runScene(homeId: string, sceneId: number | string) {
    return this.call('POST', `/remote/homes/${homeId}/scenes/${sceneId}/run`);
  }
  raw(method: 'GET' | 'POST', path: string, body?: unknown, headers?: Record<string, string>) {
    return this.call(method, path, body, headers);
  }
}

/** The app's live socket: `ws://{cloud}/ws/home/{homeId}/?token=<access>`; frames queued and awaited by type. */
export class AppLiveSocket {
  private readonly frames: any[] = [];
  private readonly waiters: Array<{ test: (frame: any) => boolean; resolve: (frame: any) => void }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      const index = this.waiters.findIndex((waiter) => waiter.test(frame));
      if (index >= 0) this.waiters.splice(index, 1)[0]!.resolve(frame);
      else this.frames.push(frame);
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** Opens the socket; rejects with the HTTP status when the upgrade is refused. */
  static connect(baseUrl: string, homeId: string | number, token: string | null): Promise<AppLiveSocket> {
    const query = token === null ? '' : `?token=${token}`;
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws/home/${homeId}/${query}`);
    const socket = new AppLiveSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** The next frame that passes `test` (already received or still to come). */
  next(test: (frame: any) => boolean, timeoutMs = 15_000): Promise<any> {
    const index = this.frames.findIndex(test);
    if (index >= 0) return Promise.resolve(this.frames.splice(index, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`)),
        timeoutMs,
      );
      this.waiters.push({ test, resolve: (frame) => (clearTimeout(timer), resolve(frame)) });
    });
  }

  received(): any[] {
    return [...this.frames];
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  close(): void {
    this.ws.close(1000);
  }
}

export type { InventoryEntity };

/**
 * Records a field edge's inventory (`DeviceInventoryReported`) as the edge-dialect socket would, straight into the
 * store (that socket is built elsewhere).
 */
export async function recordInventory(
  store: EventStore,
  gatewayId: string,
  homeId: string,
  entities: InventoryEntity[],
): Promise<Position> {
  const appends = new ChainedAppends(store, eventCatalogue);
  const event = {
    type: 'DeviceInventoryReported',
    data: {
      session_id: crypto.randomUUID(),
      gateway_id: gatewayId,
      home_id: homeId,
      request_id: 'sync_on_connect',
      entities,
    },
  };
  const appended = await appends.appendEachAfter(
    telemetryStream(gatewayId),
    [{ event: event as any, context: systemContext('test_inventory', { nodeId: 'test' }) }],
    null,
  );
  return appended.position;
}
