import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Serves `listener` on 127.0.0.1, sends one GET per path in turn (a new connection each), waits
 * `settleMs` for the responses' `close` to be recorded, and closes the server.
 */
export async function serveAndGet(
  listener: http.RequestListener,
  paths: readonly string[],
  settleMs = 20,
): Promise<void> {
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    for (const path of paths) {
      await new Promise<void>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port, path, agent: false }, (res) => res.resume().on('end', resolve))
          .on('error', reject),
      );
    }
    await new Promise((r) => setTimeout(r, settleMs));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
