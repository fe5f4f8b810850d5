import WebSocket from 'ws';

/** How one WebSocket exchange ended. */
export interface WsOutcome {
  /** Text frames from the server, parsed (or `{unparsable: text}`), binary ones as `{binary: true}`. */
  readonly frames: Record<string, unknown>[];
  /** The close code seen by the client; null when we closed after the probe answer. */
  readonly closeCode: number | null;
  /** The upgrade failed (HTTP status, or 0). */
  readonly refused?: number;
}

export interface WsExchange {
  readonly url: string;
  /** Frames to send right after the socket opens: text (string), raw text bytes, or binary. */
  readonly frames: readonly { data: string | Buffer; binary?: boolean }[];
  /** The end of the exchange: true once a received frame answers the last one sent. */
  readonly isProbeAnswer?: (frame: Record<string, unknown>) => boolean;
  readonly timeoutMs: number;
}

/**
 * Opens a socket, sends the frames, then waits until the server closes it or a
 * frame answers the probe (the last frame); rejects when neither happens in time.
 */
export function wsExchange(o: WsExchange): Promise<WsOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(o.url, { maxPayload: 64 * 1024 * 1024 });
    const frames: Record<string, unknown>[] = [];
    let done = false;
    const finish = (outcome: WsOutcome | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (outcome instanceof Error) {
        ws.terminate();
        reject(outcome);
      } else {
        if (ws.readyState === WebSocket.OPEN) ws.close(1000);
        resolve(outcome);
      }
    };
    const timer = setTimeout(() => {
      finish(new Error(`no close and no probe answer within ${o.timeoutMs} ms; frames so far: ${JSON.stringify(frames).slice(0, 400)}`));
    }, o.timeoutMs);
    ws.on('unexpected-response', (_req, res) => finish({ frames, closeCode: null, refused: res.statusCode ?? 0 }));
    ws.on('error', () => {}); // the close event follows
    ws.on('open', () => {
      for (const f of o.frames) ws.send(f.data, { binary: f.binary ?? false });
    });
    ws.on('message', (data, isBinary) => {
      let frame: Record<string, unknown>;
      if (isBinary) frame = { binary: true };
      else {
        try {
          frame = JSON.parse(data.toString()) as Record<string, unknown>;
        } catch {
          frame = { unparsable: data.toString().slice(0, 200) };
        }
      }
      frames.push(frame);
      if (o.isProbeAnswer?.(frame)) finish({ frames, closeCode: null });
    });
    ws.on('close', (code) => finish({ frames, closeCode: code }));
  });
}
