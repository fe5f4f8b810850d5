import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { OutboundClient } from '../../../src/net/outbound-http.ts';
import { OutboundPolicy } from '../../../src/net/outbound-policy.ts';
import { TEST_OUTBOUND_ALLOW } from '../../helpers/loop.ts';

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface LocalServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Every request received, body read in full. */
  readonly requests: Recorded[];
  close(): Promise<void>;
}

export type Handler = (req: Recorded, res: ServerResponse) => unknown;

/** An HTTP server on 127.0.0.1 and a free port that records each request, then lets `handler` answer. */
export async function startLocalServer(handler: Handler): Promise<LocalServer> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      Promise.resolve(handler(rec, res)).catch((err) => {
        res.statusCode = 599;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers JSON with the given status. */
export function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(value));
}

/** A URL on 127.0.0.1 where nothing listens (connection refused). */
export async function deadUrl(): Promise<string> {
  const s = await startLocalServer(() => {});
  await s.close();
  return s.url;
}

export interface CapturedLog {
  readonly log: Logger;
  readonly lines: Record<string, unknown>[];
}

/** A pino logger at debug level whose lines are kept for assertions. */
export function captureLog(): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

/** The outbound client the services under test use: the servers above listen on 127.0.0.1, which it allows. */
export function testOutbound(log: Logger): OutboundClient {
  return new OutboundClient({ policy: OutboundPolicy.fromList([TEST_OUTBOUND_ALLOW]), log });
}
