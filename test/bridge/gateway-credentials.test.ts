import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { readGatewayCredentials } from '../../src/bridge/gateway-credentials.ts';
import { dialectOfPath } from '../../src/bridge/gateway-bridge.ts';

const request = (url: string) => ({ url, headers: {} }) as unknown as IncomingMessage;

describe('gateway credentials in the query', () => {
  it('a secret the field edge did not URL-encode keeps its + and = (form decoding would make + a space)', () => {
    expect(
      readGatewayCredentials(request('/ws/gateway/?gateway_id=4c3c1f5e-0000-4000-8000-000000000001&secret=ab+c/d==')),
    ).toEqual({ gatewayId: '4c3c1f5e-0000-4000-8000-000000000001', secret: 'ab+c/d==' });
  });

  it('an encoded secret is decoded; malformed percent-encoding is taken as it came', () => {
    expect(readGatewayCredentials(request('/bridge/?gateway_id=g&secret=a%2Bb%3D'))).toEqual({
      gatewayId: 'g',
      secret: 'a+b=',
    });
    expect(readGatewayCredentials(request('/bridge/?secret=100%&gateway_id=g'))).toEqual({
      gatewayId: 'g',
      secret: '100%',
    });
  });

  it('missing or empty credentials are none', () => {
    expect(readGatewayCredentials(request('/ws/gateway/?gateway_id=g'))).toBeNull();
    expect(readGatewayCredentials(request('/ws/gateway/?gateway_id=g&secret='))).toBeNull();
    expect(readGatewayCredentials(request('/ws/gateway/'))).toBeNull();
  });
});

describe('the path chooses the dialect', () => {
  it('/bridge/ speaks ours, /ws/gateway/ and /ws/gateway/{id}/ the field edges’, anything else is no socket', () => {
    expect(['/bridge', '/bridge/'].map(dialectOfPath)).toEqual(['bridge', 'bridge']);
    expect(
      ['/ws/gateway', '/ws/gateway/', '/ws/gateway/1/', '/ws/gateway/4c3c1f5e-0000-4000-8000-000000000001/'].map(
        dialectOfPath,
      ),
    ).toEqual(['field', 'field', 'field', 'field']);
    expect(['/ws/gateway/a/b/', '/ws/gateways/', '/ws/gateway/%00/', '/bridge/x'].map(dialectOfPath)).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });
});
