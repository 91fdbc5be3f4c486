import { describe, expect, it } from 'vitest';
import { buildCommand } from '../../src/bridge/protocol/index.ts';
import type { EdgeCommand } from '../../src/edge/index.ts';
import { createClient, nextEvent, startCloud } from './edge-client-fixture.ts';
import { nowSeconds } from './fake-cloud.ts';

describe('EdgeClient commands', () => {
  it('hands the command to onCommand and acks with its request_id (current dialect)', async () => {
    const cloud = await startCloud();
    const seen: EdgeCommand[] = [];
    const client = createClient(cloud, {
      onCommand: async (command) => {
        seen.push(command);
        return { status: 'ok', result: { brightness: 30 } };
      },
    });
    client.start();
    const connection = await cloud.nextConnection();
    connection.send(
      buildCommand({
        commandId: 'cmd-1',
        timestamp: 1735288000,
        deviceId: 'lamp',
        action: 'set',
        params: { brightness: 30 },
      }),
    );

    const { frame, raw } = await connection.nextFrame('ack');
    expect(seen).toEqual([
      { commandId: 'cmd-1', deviceId: 'lamp', action: 'set', params: { brightness: 30 }, issuedAt: 1735288000 },
    ]);
    expect(frame).toMatchObject({
      request_id: 'cmd-1',
      dialect: 'current',
      payload: { status: 'ok', result: { brightness: 30 } },
    });
    expect(raw).toMatchObject({ request_id: 'cmd-1', payload: { status: 'ok' } });
    expect(typeof raw['timestamp']).toBe('number');
  });

  it('acks in the legacy dialect: top-level status success/error and data, ISO timestamp', async () => {
    const cloud = await startCloud();
    const client = createClient(cloud, {
      dialect: 'legacy',
      onCommand: async (command) =>
        command.deviceId === 'lamp'
          ? { status: 'ok', result: { on: true } }
          : { status: 'error', error: { code: 'unknown_device', message: `no ${command.deviceId}` } },
    });
    client.start();
    const connection = await cloud.nextConnection();

    connection.send(
      buildCommand({ commandId: 'cmd-ok', timestamp: nowSeconds(), deviceId: 'lamp', action: 'turn_on' }),
    );
    const ok = await connection.nextFrame('ack');
    expect(ok.raw).toMatchObject({ type: 'ack', request_id: 'cmd-ok', status: 'success', data: { on: true } });
    expect(ok.raw).not.toHaveProperty('payload');
    expect(typeof ok.raw['timestamp']).toBe('string');

    connection.send(
      buildCommand({ commandId: 'cmd-bad', timestamp: nowSeconds(), deviceId: 'ghost', action: 'turn_on' }),
    );
    const failed = await connection.nextFrame('ack');
    expect(failed.raw).toMatchObject({ request_id: 'cmd-bad', status: 'error', data: { error: 'no ghost' } });
    expect(failed.frame.payload).toEqual({ status: 'error', error: { code: 'unknown_device', message: 'no ghost' } });
  });

  it('speaks legacy everywhere when asked: ISO timestamps, pings without request_id', async () => {
    const cloud = await startCloud({ heartbeatIntervalS: 0.02 });
    const client = createClient(cloud, { dialect: 'legacy' });
    client.start();
    const connection = await cloud.nextConnection();
    const ping = await connection.nextFrame('ping');
    expect(ping.raw).not.toHaveProperty('request_id');
    expect(typeof ping.raw['timestamp']).toBe('string');
    const sync = await connection.nextFrame('sync');
    expect(sync.frame.dialect).toBe('legacy');
    await client.reportState({ deviceId: 'lamp', state: { on: true } });
    expect((await connection.nextFrame('state')).frame.dialect).toBe('legacy');
  });

  it('acks a throwing onCommand as command_failed, and reports the error', async () => {
    const cloud = await startCloud();
    const client = createClient(cloud, {
      onCommand: async () => {
        throw new Error('relay stuck');
      },
    });
    const handlerError = nextEvent(client, 'error');
    client.start();
    const connection = await cloud.nextConnection();
    connection.send(buildCommand({ commandId: 'cmd-2', timestamp: nowSeconds(), deviceId: 'lamp', action: 'turn_on' }));
    expect((await connection.nextFrame('ack')).frame.payload).toEqual({
      status: 'error',
      error: { code: 'command_failed', message: 'relay stuck' },
    });
    expect(await handlerError).toMatchObject({ source: 'command_handler' });
  });

  it('runs a redelivered command once and acks it again with the remembered outcome', async () => {
    const cloud = await startCloud();
    let runs = 0;
    const client = createClient(cloud, {
      onCommand: async () => {
        runs += 1;
        return { status: 'ok', result: { run: runs } };
      },
    });
    client.start();
    const connection = await cloud.nextConnection();
    const command = buildCommand({ commandId: 'cmd-3', timestamp: nowSeconds(), deviceId: 'lamp', action: 'turn_on' });
    connection.send(command);
    const first = await connection.nextFrame('ack');
    connection.send(command);
    const second = await connection.nextFrame('ack');
    expect(runs).toBe(1);
    expect(second.frame.payload).toEqual(first.frame.payload);
  });

  it('understands a command that only carries the legacy entity_id/value names', async () => {
    const cloud = await startCloud();
    const seen: EdgeCommand[] = [];
    const client = createClient(cloud, {
      onCommand: async (command) => {
        seen.push(command);
        return { status: 'ok' };
      },
    });
    client.start();
    const connection = await cloud.nextConnection();
    connection.socket.send(
      JSON.stringify({
        type: 'command',
        request_id: 'cmd-4',
        timestamp: '2024-12-27T08:26:40Z',
        payload: { entity_id: 'fan', action: 'set', value: { speed: 2 } },
      }),
    );
    await connection.nextFrame('ack');
    expect(seen).toEqual([
      { commandId: 'cmd-4', deviceId: 'fan', action: 'set', params: { speed: 2 }, issuedAt: 1735288000 },
    ]);
  });

  it('reports an unparseable cloud frame and keeps the session', async () => {
    const cloud = await startCloud();
    const client = createClient(cloud);
    const connected = nextEvent(client, 'connected');
    client.start();
    await connected;
    const connection = await cloud.nextConnection();
    const protocolError = nextEvent(client, 'error');
    connection.socket.send('{"type":"teleport"}');
    expect(await protocolError).toMatchObject({ source: 'protocol', code: 'unknown_type' });
    await client.reportState({ deviceId: 'lamp', state: {} });
    expect(client.status).toBe('ready');
  });
});
