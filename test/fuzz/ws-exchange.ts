import { UpgradeRefused, WsClient, type Frame } from '../helpers/ws-client.ts';

/** How one WebSocket exchange ended. */
export interface WsOutcome {
  /** Text frames from the server, parsed (or `{unparsable: text}`), binary ones as `{binary: true}`. */
  readonly frames: Frame[];
  /** The close code seen by the client; null when we closed after the probe answer. */
  readonly closeCode: number | null;
  /** The upgrade failed (HTTP status). */
  readonly refused?: number;
}

export interface WsExchange {
  readonly port: number;
  readonly path: string;
  /** Frames to send right after the socket opens: text (string), raw text bytes, or binary. */
  readonly frames: readonly { data: string | Buffer; binary?: boolean }[];
  /** The end of the exchange: true once a received frame answers the last one sent. */
  readonly isProbeAnswer?: (frame: Frame) => boolean;
  readonly timeoutMs: number;
}

/** Frames far over any server limit must reach the server, and its answers the checks. */
const MAX_PAYLOAD = 64 * 1024 * 1024;

/**
 * One fuzz case on the shared client: opens a socket, sends the frames, then
 * waits until the server closes it or a frame answers the probe (the last
 * frame); rejects when neither happens in time.
 */
export async function wsExchange(o: WsExchange): Promise<WsOutcome> {
  const deadline = Date.now() + o.timeoutMs;
  let ws: WsClient;
  try {
    ws = await WsClient.connect(o.port, o.path, { maxPayload: MAX_PAYLOAD, timeoutMs: o.timeoutMs });
  } catch (err) {
    if (err instanceof UpgradeRefused) return { frames: [], closeCode: null, refused: err.status };
    throw err;
  }
  for (const f of o.frames) void (f.binary ? ws.sendBinary(Buffer.from(f.data)) : ws.sendText(f.data));
  const left = Math.max(1, deadline - Date.now());
  try {
    if (o.isProbeAnswer) await ws.waitFor(o.isProbeAnswer, 'the server to close the socket or answer the probe', left);
    else await ws.waitForClose('the server to close the socket', left);
  } catch (err) {
    if (ws.closedWith) return { frames: ws.frames.slice(), closeCode: ws.closedWith.code };
    ws.terminate();
    throw err;
  }
  if (ws.closedWith) return { frames: ws.frames.slice(), closeCode: ws.closedWith.code };
  ws.close(1000);
  return { frames: ws.frames.slice(), closeCode: null };
}
