import { basic, type TestServer } from '../helpers/server.ts';
import { WsClient, type Frame } from '../helpers/ws-client.ts';

/** Opens a socket on /inbox/ws (no auth yet). */
export function openInbox(server: TestServer): Promise<WsClient> {
  return WsClient.connect(server.port, '/inbox/ws');
}

/** Opens a socket on /inbox/ws and authenticates; resolves after `ready`. */
export async function inboxReady(server: TestServer, username: string, password = 'pw'): Promise<WsClient> {
  const socket = await openInbox(server);
  socket.send({ type: 'auth', username, password });
  const first = await socket.next(undefined, `ready for ${username}`);
  if (first.type !== 'ready') throw new Error(`expected ready, got ${JSON.stringify(first)}`);
  return socket;
}

/** The error frame, then the close: both checked by the caller. */
export async function errorAndClose(socket: WsClient): Promise<{ frame: Frame; code: number; reason: string }> {
  const frame = await socket.next(undefined, 'the error frame');
  const { code, reason } = await socket.waitForClose('the close after the error frame', 5000);
  return { frame, code, reason };
}

/** POST /inbox?to= as `from`; returns the status. */
export async function post(server: TestServer, from: string, to: string, body: string | Uint8Array, type?: string): Promise<number> {
  const headers: Record<string, string> = { Authorization: basic(from, 'pw') };
  if (type) headers['Content-Type'] = type;
  const res = await fetch(`${server.url}/inbox?to=${encodeURIComponent(to)}`, { method: 'POST', headers, body: body as unknown as BodyInit });
  await res.arrayBuffer();
  return res.status;
}

/** A gauge from /__metrics__. */
export async function gauge(server: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/__metrics__`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no metric ${name}`);
  return Number(line.split(' ')[1]);
}
