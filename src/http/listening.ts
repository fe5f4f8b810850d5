import { createServer } from 'node:net';

/** What a port in use most likely means, for the main port. */
export const IN_USE_HINT = 'by another signalbox? set REUSE_PORT=1 only to share it on purpose';

/**
 * uWS only says that listening failed. To tell the operator why, the same
 * address is tried once with node:net, whose error carries the reason.
 */
export async function whyCannotListen(host: string, port: number, inUseHint = IN_USE_HINT): Promise<string> {
  const code = await new Promise<string | undefined>((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
  const where = `port ${port} on ${host}`;
  switch (code) {
    case 'EADDRINUSE':
      return `${where} is already in use (${inUseHint})`;
    case 'EACCES':
      return `${where} needs privileges (ports below 1024 need root or CAP_NET_BIND_SERVICE; use a higher port behind a proxy)`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host name ${host} cannot be resolved`;
    case undefined:
      return `cannot listen on ${where} (it was free a moment later: try again)`;
    default:
      return `cannot listen on ${where}: ${code}`;
  }
}

/** Thrown by HttpServer.listen with the reason in words. */
export class ListenError extends Error {
  override name = 'ListenError';
}

/** How a client on this machine reaches a server bound to `host`: a wildcard bind is reached at localhost. */
export function hostForClients(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
