import { InboxError } from './errors.ts';
import { InboxMessage, base64ToBytes, toBytes } from './message.ts';
import type { Endpoint, Transport, TransportSink, WebSocketClass, WebSocketLike } from './transport.ts';

interface ServerFrame {
  type?: unknown;
  id?: unknown;
  from?: unknown;
  contentType?: unknown;
  data?: unknown;
  encoding?: unknown;
  code?: unknown;
  error?: unknown;
  message?: unknown;
}

/** Close codes after which reconnecting is pointless: 4000 + the HTTP status. */
const FATAL_CLOSES = new Set([4400, 4401, 4404, 4409]);

/**
 * `/inbox/ws`: resolves once the server said `ready` (the inbox exists);
 * rejects with an InboxError when the socket closes before that.
 */
export function openWebSocket(
  endpoint: Endpoint, WebSocketImpl: WebSocketClass, connectTimeoutMs: number, sink: TransportSink,
): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocketImpl(endpoint.wsUrl) as WebSocketLike;
    let ready = false;
    let stopped = false;
    let lastError: ServerFrame | null = null;
    const timer = setTimeout(() => {
      stopped = true;
      ws.close();
      reject(new InboxError(0, 'network_error', `The WebSocket did not get ready within ${connectTimeoutMs} ms.`));
    }, connectTimeoutMs);

    const transport: Transport = {
      kind: 'websocket',
      stop() {
        stopped = true;
        clearTimeout(timer);
        ws.close(1000, 'client closed');
      },
    };

    ws.binaryType = 'arraybuffer';
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', username: endpoint.username, password: endpoint.password }));
    ws.onerror = () => {}; // a close event follows, with the code
    ws.onmessage = (ev) => {
      if (stopped || typeof ev.data !== 'string') return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(ev.data) as ServerFrame;
      } catch {
        return;
      }
      if (frame.type === 'ready' && !ready) {
        ready = true;
        clearTimeout(timer);
        resolve(transport);
      } else if (frame.type === 'message') {
        const data = typeof frame.data === 'string' ? frame.data : '';
        const bytes = frame.encoding === 'base64' ? base64ToBytes(data) : toBytes(data);
        sink.message(new InboxMessage(String(frame.from), String(frame.contentType), bytes));
      } else if (frame.type === 'error' && frame.id === undefined) {
        lastError = frame; // the reason of the close that follows
      }
    };
    ws.onclose = (ev) => {
      clearTimeout(timer);
      if (stopped) return;
      stopped = true;
      const error = closeError(ev.code, ev.reason, lastError);
      if (ready) sink.ended(error);
      else reject(error);
    };
  });
}

function closeError(code: number, reason: string, frame: ServerFrame | null): InboxError {
  const fromFrame = frame && typeof frame.code === 'number' ? frame.code : undefined;
  const status = FATAL_CLOSES.has(code) ? code - 4000 : fromFrame ?? (code === 1001 || code === 1013 ? 503 : 0);
  const errorCode = typeof frame?.error === 'string' ? frame.error : reason || (status === 0 ? 'network_error' : `ws_${code}`);
  const message = typeof frame?.message === 'string' ? frame.message : `The WebSocket closed (${code}${reason ? ` ${reason}` : ''}).`;
  return new InboxError(status, errorCode, message);
}
