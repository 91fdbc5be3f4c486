import net from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nobody uses right now, for a child `serve` process (PORT=0 would not tell the
 * parent which port the child took). Shared by the tests and the benches that start such children.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
