import { createHmac, hkdfSync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

const DIGEST_PREFIX = 'hmac-sha256:';

/**
 * Keyed digests for gateway secrets and pairing codes. A leaked log (or event-store dump) alone does not let
 * anyone test guesses offline: they also need the server key.
 */
export class SecretDigester {
  private readonly secretKey: Buffer;
  private readonly pairingKey: Buffer;

  constructor(serverKey: Buffer) {
    // Separate subkeys, so a digest made for one purpose is useless for the other.
    this.secretKey = derive(serverKey, 'gateway-secret');
    this.pairingKey = derive(serverKey, 'pairing-code');
  }

  /**
   * GATEWAY_SECRET_KEY when set, else the JWT secret: HKDF with purpose labels keeps the derived keys unrelated
   * to the JWT signing key. (Changing the key invalidates every gateway secret and open pairing code.)
   */
  static fromConfig(gatewaySecretKey: string | undefined, jwtSecret: string): SecretDigester {
    return new SecretDigester(Buffer.from(gatewaySecretKey ?? jwtSecret, 'utf8'));
  }

  digestSecret(secret: string): string {
    return DIGEST_PREFIX + createHmac('sha256', this.secretKey).update(secret).digest('hex');
  }

  /** Constant-time comparison of a presented secret with a stored digest. */
  secretMatches(secret: string, storedDigest: string): boolean {
    const presented = Buffer.from(this.digestSecret(secret));
    const stored = Buffer.from(storedDigest);
    return presented.length === stored.length && timingSafeEqual(presented, stored);
  }

  /** Hex digest of a normalised pairing code: the name of its stream. */
  digestPairingCode(code: string): string {
    return createHmac('sha256', this.pairingKey).update(code).digest('hex');
  }
}

function derive(key: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, 'smarthome-cloud', label, 32));
}

/** 256 bits from the CSPRNG, base64url: shown to the caller once, never stored. */
export function generateGatewaySecret(): string {
  return randomBytes(32).toString('base64url');
}

/** No 0/O, 1/I/L or U: codes are read off a phone screen and typed on a gateway. */
export const PAIRING_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
export const PAIRING_CODE_LENGTH = 8;

export function generatePairingCode(): string {
  let code = '';
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++) code += PAIRING_CODE_ALPHABET[randomInt(PAIRING_CODE_ALPHABET.length)];
  return code;
}

/** Could `code` be one we issue (8 characters of the alphabet, once normalised)? */
export function isPairingCodeShape(code: string): boolean {
  const normalised = normalisePairingCode(code);
  return (
    normalised.length === PAIRING_CODE_LENGTH && [...normalised].every((char) => PAIRING_CODE_ALPHABET.includes(char))
  );
}

/** Upper case, without the spaces and dashes people type to group characters. */
export function normalisePairingCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}
