import { describe, expect, it } from 'vitest';
import { filter } from 'rxjs';
import { GATEWAY_ID, SECRET, createClient, firstN, nextEvent, startCloud } from './edge-client-fixture.ts';

describe('EdgeClient authentication', () => {
  it('query mode puts gateway_id and secret in the /bridge/ URL', async () => {
    const cloud = await startCloud();
    const client = createClient(cloud, { auth: 'query' });
    client.start();
    const connection = await cloud.nextConnection();
    const url = new URL(connection.request.url ?? '', 'http://localhost');
    expect(url.pathname).toBe('/bridge/');
    expect(url.searchParams.get('gateway_id')).toBe(GATEWAY_ID);
    expect(url.searchParams.get('secret')).toBe(SECRET);
    expect(connection.request.headers.authorization).toBeUndefined();
  });

  it('basic mode sends Authorization: Basic base64(gateway_id:secret) and keeps the secret out of the URL', async () => {
    const cloud = await startCloud();
    const client = createClient(cloud, { auth: 'basic' });
    client.start();
    const connection = await cloud.nextConnection();
    expect(connection.request.url).toBe('/bridge/');
    const header = connection.request.headers.authorization ?? '';
    expect(header.startsWith('Basic ')).toBe(true);
    expect(Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8')).toBe(`${GATEWAY_ID}:${SECRET}`);
  });
});

describe('EdgeClient session start', () => {
  it('waits for welcome, then reports connected with the session and cadence', async () => {
    const cloud = await startCloud({ heartbeatIntervalS: 42 });
    const client = createClient(cloud);
    const connected = nextEvent(client, 'connected');
    client.start();
    await expect(connected).resolves.toEqual({
      type: 'connected',
      sessionId: 'session-1',
      heartbeatIntervalS: 42,
      resentStateFrames: 0,
    });
    expect(client.status).toBe('ready');
    expect(client.sessionId).toBe('session-1');
  });

  it('sends a full sync snapshot on every connect', async () => {
    const cloud = await startCloud();
    let generation = 0;
    const client = createClient(cloud, { snapshot: () => ({ devices: [{ id: 'lamp' }], generation: ++generation }) });
    client.start();

    const first = await cloud.nextConnection();
    expect((await first.nextFrame('sync')).frame.payload).toEqual({ devices: [{ id: 'lamp' }], generation: 1 });

    first.socket.terminate();
    const second = await cloud.nextConnection();
    expect((await second.nextFrame('sync')).frame.payload).toEqual({ devices: [{ id: 'lamp' }], generation: 2 });
  });

  it('requestSync resolves once the cloud acks a fresh snapshot', async () => {
    const cloud = await startCloud();
    let rooms = ['kitchen'];
    const client = createClient(cloud, { snapshot: () => ({ rooms }) });
    const connected = nextEvent(client, 'connected');
    client.start();
    await connected;
    const connection = await cloud.nextConnection();
    await connection.nextFrame('sync');

    rooms = ['kitchen', 'attic'];
    await client.requestSync();
    expect((await connection.nextFrame('sync')).frame.payload).toEqual({ rooms: ['kitchen', 'attic'] });
  });

  it('requestSync before start rides on the first connect’s sync', async () => {
    const cloud = await startCloud();
    const client = createClient(cloud);
    const synced = client.requestSync();
    client.start();
    await synced;
    expect(cloud.connections[0]?.received.filter((received) => received.frame.type === 'sync')).toHaveLength(1);
  });

  it('does not ping before welcome, then pings at the welcome cadence', async () => {
    const cloud = await startCloud({ autoWelcome: false });
    const client = createClient(cloud);
    client.start();
    const connection = await cloud.nextConnection();
    const intervalS = 0.03;
    const welcomedAt = Date.now();
    connection.welcome(intervalS);

    const pingTimes: number[] = [];
    for (let index = 0; index < 3; index += 1) {
      await connection.nextFrame('ping');
      pingTimes.push(Date.now());
    }
    // Nothing but the sync may precede the welcome; the first ping waits one interval.
    expect(connection.received[0]?.frame.type).toBe('sync');
    expect(pingTimes[0]! - welcomedAt).toBeGreaterThanOrEqual(intervalS * 1000 * 0.8);
    expect(pingTimes[2]! - pingTimes[0]!).toBeGreaterThanOrEqual(2 * intervalS * 1000 * 0.8);
    expect(client.status).toBe('ready');
  });

  it('reconnects when pongs stop coming (half-open connection)', async () => {
    const cloud = await startCloud({ heartbeatIntervalS: 0.02, autoPong: false });
    const client = createClient(cloud, { maxUnansweredPings: 2 });
    const silence = firstN(client.errors$.pipe(filter((error) => error.source === 'heartbeat')), 1);
    client.start();
    await cloud.nextConnection();
    await silence;
    await cloud.nextConnection();
    expect(cloud.connections).toHaveLength(2);
  });

  it('reconnects when no welcome arrives in time', async () => {
    const cloud = await startCloud({ autoWelcome: false });
    const client = createClient(cloud, { welcomeTimeoutMs: 30 });
    const timeout = nextEvent(client, 'error');
    client.start();
    await cloud.nextConnection();
    expect(await timeout).toMatchObject({ source: 'welcome_timeout' });
    await cloud.nextConnection();
  });
});

describe('EdgeClient reconnect policy', () => {
  it('backs off exponentially with full jitter up to the cap, and resets after a welcome', async () => {
    let refuse = true;
    const cloud = await startCloud({
      authorize: () => (refuse ? { accept: false, closeCode: 1013, reason: 'try again later' } : { accept: true }),
    });
    const client = createClient(cloud, { reconnect: { baseDelayMs: 10, maxDelayMs: 40 }, random: () => 0.999 });
    const refusals = firstN(client.disconnected$, 5);
    client.start();

    const delays = (await refusals).map((event) => event.reconnectInMs);
    expect(delays).toEqual([9, 19, 39, 39, 39]);
    expect((await refusals).every((event) => event.willReconnect && event.code === 1013 && !event.hadSession)).toBe(
      true,
    );

    const connected = nextEvent(client, 'connected');
    refuse = false;
    await connected;
    const dropped = nextEvent(client, 'disconnected');
    cloud.connections[0]?.socket.terminate();
    expect(await dropped).toMatchObject({ hadSession: true, willReconnect: true, reconnectInMs: 9 });
  });

  it('keeps retrying while the cloud is unreachable', async () => {
    const cloud = await startCloud();
    const url = cloud.url;
    await cloud.stop();
    const client = createClient(cloud, { url, reconnect: { baseDelayMs: 1, maxDelayMs: 2 } });
    const failures = firstN(client.disconnected$, 3);
    client.start();
    expect((await failures).map((event) => event.code)).toEqual([1006, 1006, 1006]);
    expect(client.status).not.toBe('stopped');
  });

  it('stops on close code 4401 (credentials refused) and reports it', async () => {
    const cloud = await startCloud({
      authorize: () => ({ accept: false, closeCode: 4401, reason: 'invalid credentials' }),
    });
    const client = createClient(cloud);
    const disconnected = nextEvent(client, 'disconnected');
    const stopped = nextEvent(client, 'stopped');
    client.start();
    expect(await disconnected).toMatchObject({ code: 4401, reason: 'invalid credentials', willReconnect: false });
    expect(await stopped).toEqual({
      type: 'stopped',
      reason: 'credentials_refused',
      closeCode: 4401,
      httpStatus: null,
    });
    expect(client.status).toBe('stopped');
    expect(cloud.requests).toHaveLength(1);
    await expect(client.reportState({ deviceId: 'lamp', state: {} })).rejects.toThrow(/stopped/);
  });

  it('stops when the upgrade itself is refused with HTTP 401', async () => {
    const cloud = await startCloud({ authorize: () => ({ accept: false, httpStatus: 401 }) });
    const client = createClient(cloud);
    const error = nextEvent(client, 'error');
    const stopped = nextEvent(client, 'stopped');
    client.start();
    expect(await stopped).toMatchObject({ reason: 'credentials_refused', httpStatus: 401 });
    expect((await error).message).toContain('401');
    expect(cloud.requests).toHaveLength(1);
  });

  it('keeps retrying after 4401 when configured to', async () => {
    const cloud = await startCloud({ authorize: () => ({ accept: false, closeCode: 4401, reason: 'nope' }) });
    const client = createClient(cloud, { stopOnCloseCodes: [] });
    const attempts = firstN(client.disconnected$, 3);
    client.start();
    expect((await attempts).every((event) => event.code === 4401 && event.willReconnect)).toBe(true);
  });

  it('close() ends the session with 1000 and stops reconnecting', async () => {
    const cloud = await startCloud();
    const client = createClient(cloud);
    const connected = nextEvent(client, 'connected');
    client.start();
    await connected;
    const stopped = nextEvent(client, 'stopped');
    await client.close();
    expect(await stopped).toMatchObject({ reason: 'closed_by_client', closeCode: 1000 });
    expect(await cloud.connections[0]?.closed).toEqual({ code: 1000, reason: 'gateway closing' });
    expect(client.status).toBe('stopped');
  });

  it('never puts the secret in an event', async () => {
    const cloud = await startCloud();
    const url = cloud.url;
    await cloud.stop();
    const client = createClient(cloud, { url, auth: 'query', reconnect: { baseDelayMs: 1, maxDelayMs: 1 } });
    const events = firstN(client.events$, 6);
    client.start();
    expect(JSON.stringify(await events)).not.toContain(SECRET);
  });
});
