import * as scryptModule from 'scrypt-kdf';

// scrypt-kdf's typings declare named exports, but at run time the module only has a default export (a class with
// static kdf/verify). Take the default and type it with the declared functions.
const { kdf, verify } = (scryptModule as unknown as { default: typeof scryptModule }).default;

/**
 * scrypt-kdf runs in libuv's thread pool, off the event loop. The cost (log2 N) is configurable: 15 in
 * production, cheaper in tests. A dummy hash lets a login for an unknown e-mail cost the same time as a real one.
 */
export class PasswordHasher {
  private dummyHash: Promise<Uint8Array> | null = null;

  constructor(private readonly logN: number) {}

  async hash(password: string): Promise<string> {
    const key = await kdf(password, { logN: this.logN, r: 8, p: 1 });
    return Buffer.from(key).toString('base64');
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(Buffer.from(passwordHash, 'base64'), password);
    } catch {
      // Not a scrypt-kdf hash (a corrupt or foreign value): it verifies no password.
      return false;
    }
  }

  /** Spends the same work as `verify` on a real account, then fails. */
  async verifyNothing(password: string): Promise<false> {
    this.dummyHash ??= kdf('no account has this password', { logN: this.logN, r: 8, p: 1 });
    await verify(await this.dummyHash, password);
    return false;
  }
}
