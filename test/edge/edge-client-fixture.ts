import { firstValueFrom, take, toArray, type Observable } from 'rxjs';
import { afterEach } from 'vitest';
import {
  EdgeClient,
  type EdgeClientEvent,
  type EdgeClientEventOf,
  type EdgeClientOptions,
} from '../../src/edge/index.ts';
import { FakeCloud } from './fake-cloud.ts';

/** Builds clients and fake clouds for a test file, and tears them all down after each test. */

const openClients: EdgeClient[] = [];
const openClouds: FakeCloud[] = [];

afterEach(async () => {
  await Promise.all(openClients.splice(0).map((client) => client.close()));
  await Promise.all(openClouds.splice(0).map((cloud) => cloud.stop()));
});

export async function startCloud(...args: Parameters<typeof FakeCloud.start>): Promise<FakeCloud> {
  const cloud = await FakeCloud.start(...args);
  openClouds.push(cloud);
  return cloud;
}

export const GATEWAY_ID = '6f1c2a9e-0b7d-4a59-9a51-3f1f0c0f5d10';
export const SECRET = 's3cret/with+odd=chars';

export function createClient(cloud: FakeCloud, overrides: Partial<EdgeClientOptions> = {}): EdgeClient {
  const client = new EdgeClient({
    url: cloud.url,
    gatewayId: GATEWAY_ID,
    secret: SECRET,
    auth: 'basic',
    onCommand: async () => ({ status: 'ok' }),
    snapshot: () => ({ devices: [], rooms: [], scenes: [] }),
    reconnect: { baseDelayMs: 5, maxDelayMs: 20 },
    ...overrides,
  });
  openClients.push(client);
  return client;
}

/** The next event of this type; subscribe BEFORE triggering it (the observables are hot). */
export function nextEvent<T extends EdgeClientEvent['type']>(
  client: EdgeClient,
  type: T,
): Promise<EdgeClientEventOf<T>> {
  return firstValueFrom(client.eventsOfType(type));
}

export function firstN<T>(source: Observable<T>, count: number): Promise<T[]> {
  return firstValueFrom(source.pipe(take(count), toArray()));
}

/** Lets a promise's settlement be checked synchronously. */
export function track<T>(promise: Promise<T>): { readonly settled: boolean; promise: Promise<T> } {
  const tracked = { settled: false, promise };
  promise.then(
    () => (tracked.settled = true),
    () => (tracked.settled = true),
  );
  return tracked;
}
