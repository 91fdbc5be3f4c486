import { describe, expect, it } from 'vitest';
import { cloudUrls } from '../../src/edge/gateway-connection-target.ts';
import { createClient, nextEvent, startCloud } from './edge-client-fixture.ts';

describe('EdgeClient with several cloud URLs', () => {
  it('reads a comma-separated list, drops blanks, and refuses a malformed entry', () => {
    expect(cloudUrls(' ws://a:1 ,, ws://b:2 ')).toEqual(['ws://a:1', 'ws://b:2']);
    expect(cloudUrls(['ws://a:1'])).toEqual(['ws://a:1']);
    expect(() => cloudUrls(' , ')).toThrow('No cloud URL');
    expect(() => cloudUrls('ws://a:1,not a url')).toThrow();
  });

  it('connects to the first URL, and to the next one when that node stops', async () => {
    const first = await startCloud();
    const second = await startCloud();
    const client = createClient(first, { url: [first.url, second.url] });
    const connected = nextEvent(client, 'connected');
    client.start();
    await first.nextConnection();
    await connected;

    const reconnected = nextEvent(client, 'connected');
    const onSecond = second.nextConnection();
    await first.stop();
    await onSecond;
    await reconnected;
    expect(client.status).toBe('ready');
    expect(second.connections).toHaveLength(1);
  });

  it('skips a URL that refuses the connection, and comes back round to it', async () => {
    const down = await startCloud();
    await down.stop();
    const up = await startCloud();
    const client = createClient(up, { url: `${down.url},${up.url}` });
    const attempts: string[] = [];
    client.eventsOfType('connecting').subscribe((event) => attempts.push(event.url));
    const connected = nextEvent(client, 'connected');
    client.start();
    const connection = await up.nextConnection();
    await connected;
    expect(attempts).toEqual([down.url, up.url]);

    // The session drops: the next attempt goes to the next URL (round-robin), then back to the live one.
    const again = up.nextConnection();
    connection.socket.terminate();
    await again;
    expect(attempts).toEqual([down.url, up.url, down.url, up.url]);
  });
});
