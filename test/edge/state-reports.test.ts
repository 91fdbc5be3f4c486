import { describe, expect, it } from 'vitest';
import {
  EdgeClientStoppedError,
  FrameRejectedError,
  FrameTooLargeError,
  StateReportDroppedError,
} from '../../src/edge/index.ts';
import { createClient, nextEvent, startCloud, track } from './edge-client-fixture.ts';

describe('EdgeClient state reports (durable acks)', () => {
  it('resolves reportState only when the cloud acks that request_id', async () => {
    const cloud = await startCloud({ autoAckState: false });
    const client = createClient(cloud);
    const connected = nextEvent(client, 'connected');
    client.start();
    await connected;
    const connection = await cloud.nextConnection();

    const report = track(client.reportState({ deviceId: 'lamp', state: { on: true }, ts: 1735288000 }));
    const { frame } = await connection.nextFrame('state');
    expect(frame.payload.devices).toEqual([{ device_id: 'lamp', state: { on: true }, ts: 1735288000 }]);
    expect(report.settled).toBe(false);
    expect(client.unackedStateFrames).toBe(1);

    connection.ack('someone-else');
    connection.ack(frame.request_id);
    await report.promise;
    expect(client.unackedStateFrames).toBe(0);
  });

  it('sends a batch of devices in one frame', async () => {
    const cloud = await startCloud();
    const client = createClient(cloud);
    client.start();
    const connection = await cloud.nextConnection();
    await client.reportState([
      { deviceId: 'lamp', state: { on: false } },
      { deviceId: 'thermo', state: { temperature: 20.5 } },
    ]);
    const { frame } = await connection.nextFrame('state');
    expect(frame.payload.devices.map((device) => device.device_id)).toEqual(['lamp', 'thermo']);
  });

  it('rejects with FrameRejectedError when the cloud acks with an error', async () => {
    const cloud = await startCloud({ autoAckState: false });
    const client = createClient(cloud);
    client.start();
    const connection = await cloud.nextConnection();
    const report = client.reportState({ deviceId: 'ghost', state: {} });
    const { frame } = await connection.nextFrame('state');
    connection.ack(frame.request_id, { status: 'error', error: { code: 'unknown_device', message: 'no ghost here' } });
    await expect(report).rejects.toBeInstanceOf(FrameRejectedError);
    await expect(report).rejects.toThrow('unknown_device');
  });

  it('resends unacked frames, unchanged, after the cloud drops the connection', async () => {
    const cloud = await startCloud({ autoAckState: false });
    const client = createClient(cloud);
    client.start();
    const first = await cloud.nextConnection();
    const reports = [
      client.reportState({ deviceId: 'lamp', state: { on: true } }),
      client.reportState({ deviceId: 'fan', state: { on: false } }),
    ];
    const sentBefore = [await first.nextFrame('state'), await first.nextFrame('state')];

    const reconnected = nextEvent(client, 'connected');
    first.socket.terminate();
    expect(await reconnected).toMatchObject({ sessionId: 'session-2', resentStateFrames: 2 });

    const second = await cloud.nextConnection();
    const resent = [await second.nextFrame('state'), await second.nextFrame('state')];
    expect(resent.map((received) => received.text)).toEqual(sentBefore.map((received) => received.text));
    // The snapshot goes first, so the cloud knows the devices the states refer to.
    expect(second.received[0]?.frame.type).toBe('sync');

    for (const received of resent) second.ack(received.frame.request_id);
    await Promise.all(reports);
    expect(client.unackedStateFrames).toBe(0);
  });

  it('buffers reports made while offline and sends them after the next welcome', async () => {
    const cloud = await startCloud();
    const client = createClient(cloud);
    const report = client.reportState({ deviceId: 'lamp', state: { on: true } });
    const connected = nextEvent(client, 'connected');
    client.start();
    expect(await connected).toMatchObject({ resentStateFrames: 1 });
    await report;
  });

  it('drops the oldest report when the buffer is full, with a warning', async () => {
    const cloud = await startCloud();
    const client = createClient(cloud, { maxUnackedStateFrames: 2 });
    const warning = nextEvent(client, 'warning');
    const oldest = client.reportState({ deviceId: 'lamp', state: { brightness: 1 } });
    const newer = [
      client.reportState({ deviceId: 'lamp', state: { brightness: 2 } }),
      client.reportState({ deviceId: 'lamp', state: { brightness: 3 } }),
    ];
    await expect(oldest).rejects.toBeInstanceOf(StateReportDroppedError);
    expect(await warning).toMatchObject({ kind: 'unacked_buffer_overflow' });
    expect(client.unackedStateFrames).toBe(2);

    client.start();
    await Promise.all(newer);
    const connection = cloud.connections[0];
    const sent = connection?.received.filter((received) => received.frame.type === 'state') ?? [];
    expect(sent.map((received) => received.raw['payload'])).toEqual([
      { devices: [{ device_id: 'lamp', state: { brightness: 2 } }] },
      { devices: [{ device_id: 'lamp', state: { brightness: 3 } }] },
    ]);
  });

  it('refuses a report larger than the frame limit instead of sending it', async () => {
    const cloud = await startCloud();
    const client = createClient(cloud, { maxFrameBytes: 200 });
    await expect(client.reportState({ deviceId: 'lamp', state: { blob: 'x'.repeat(300) } })).rejects.toBeInstanceOf(
      FrameTooLargeError,
    );
    expect(client.unackedStateFrames).toBe(0);
  });

  it('close() rejects what is still unacked', async () => {
    const cloud = await startCloud({ autoAckState: false });
    const client = createClient(cloud);
    const connected = nextEvent(client, 'connected');
    client.start();
    await connected;
    const report = client.reportState({ deviceId: 'lamp', state: { on: true } });
    await client.close();
    await expect(report).rejects.toBeInstanceOf(EdgeClientStoppedError);
  });

  it('a protocol error frame naming a report rejects it; a transient one leaves it for resending', async () => {
    const cloud = await startCloud({ autoAckState: false });
    const client = createClient(cloud);
    client.start();
    const connection = await cloud.nextConnection();
    const doomed = client.reportState({ deviceId: 'lamp', state: {} });
    const kept = track(client.reportState({ deviceId: 'fan', state: {} }));
    const doomedFrame = (await connection.nextFrame('state')).frame;
    const keptFrame = (await connection.nextFrame('state')).frame;

    const cloudErrors = nextEvent(client, 'error');
    connection.send({
      type: 'error',
      request_id: doomedFrame.request_id,
      timestamp: 1,
      payload: { code: 'invalid_frame', message: 'bad' },
    });
    await expect(doomed).rejects.toBeInstanceOf(FrameRejectedError);
    expect(await cloudErrors).toMatchObject({ source: 'cloud', code: 'invalid_frame' });

    const transient = nextEvent(client, 'error');
    connection.send({
      type: 'error',
      request_id: keptFrame.request_id,
      timestamp: 1,
      payload: { code: 'store_unavailable', message: 'later' },
    });
    await transient;
    expect(kept.settled).toBe(false);
    expect(client.unackedStateFrames).toBe(1);
  });
});
