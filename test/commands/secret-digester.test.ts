import { describe, expect, it } from 'vitest';
import { SECRET_DIGEST_PATTERN } from '../../src/domain/gateways/gateway-events.ts';
import {
  generateGatewaySecret,
  generatePairingCode,
  normalisePairingCode,
  PAIRING_CODE_ALPHABET,
  SecretDigester,
} from '../../src/commands/gateways/secret-digester.ts';

describe('gateway secrets and pairing codes', () => {
  const digester = SecretDigester.fromConfig(undefined, 'jwt-secret-that-is-long-enough-0123456789');

  it('secrets are 256 random bits, base64url, and differ every time', () => {
    const secrets = new Set(Array.from({ length: 100 }, generateGatewaySecret));
    expect(secrets.size).toBe(100);
    for (const secret of secrets) expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
  });

  it('digests are keyed: another key gives another digest; only the right secret matches', () => {
    const secret = generateGatewaySecret();
    const digest = digester.digestSecret(secret);
    expect(digest).toMatch(SECRET_DIGEST_PATTERN);
    expect(digest).not.toContain(secret);
    expect(digester.secretMatches(secret, digest)).toBe(true);
    expect(digester.secretMatches(`${secret}x`, digest)).toBe(false);
    expect(digester.secretMatches(secret, 'hmac-sha256:short')).toBe(false);
    const other = SecretDigester.fromConfig(
      'a-dedicated-gateway-secret-key-0123456789',
      'jwt-secret-that-is-long-enough-0123456789',
    );
    expect(other.digestSecret(secret)).not.toBe(digest);
    expect(digester.digestPairingCode('ABCDEFGH')).not.toBe(
      digester.digestSecret('ABCDEFGH').slice('hmac-sha256:'.length),
    );
  });

  it('pairing codes: 8 unambiguous characters; typing variants normalise to the same code', () => {
    for (let i = 0; i < 200; i++) {
      const code = generatePairingCode();
      expect(code).toHaveLength(8);
      for (const char of code) expect(PAIRING_CODE_ALPHABET).toContain(char);
    }
    expect(PAIRING_CODE_ALPHABET).not.toMatch(/[01ILOU]/);
    expect(normalisePairingCode('abcd-efgh')).toBe('ABCDEFGH');
    expect(normalisePairingCode(' ABCD EFGH ')).toBe('ABCDEFGH');
  });
});
