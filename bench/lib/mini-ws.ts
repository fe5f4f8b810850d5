import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';

/**
 * A minimal WebSocket client (RFC 6455) over node:net for the call-setup
 * generator, where the `ws` package's per-socket and per-frame work made the
 * generator the limit. It does what the progress protocol needs and no more:
 * the opening handshake (101 and Sec-WebSocket-Accept checked), text frames
 * out (masked, as clients must), text or binary frames in (fragments joined),
 * ping answered with pong, the closing handshake. No extensions, no
 * subprotocols, no TLS.
 */
export class MiniWebSocket {
  readonly #socket: net.Socket;
  readonly #key: string;
  #open = false;
  #closed = false;
  #closeSent = false;
  #closeCode = 1006;
  #pending: Buffer | null = null;
  #fragments: Buffer[] | null = null;
  #onOpen: () => void = noop;
  #onMessage: (text: string) => void = noop;
  #onError: (err: Error) => void = noop;
  #onClose: (code: number) => void = noop;

  constructor(port: number, path: string) {
    this.#key = randomSlice(16).toString('base64');
    const socket = (this.#socket = net.connect(port, '127.0.0.1'));
    socket.setNoDelay(true);
    socket.on('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${this.#key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => this.#onError(err));
    socket.on('close', () => {
      if (this.#closed) return;
      this.#closed = true;
      this.#onClose(this.#closeCode);
    });
  }

  on(event: 'open', fn: () => void): this;
  on(event: 'message', fn: (text: string) => void): this;
  on(event: 'error', fn: (err: Error) => void): this;
  on(event: 'close', fn: (code: number) => void): this;
  on(event: 'open' | 'message' | 'error' | 'close', fn: (arg: never) => void): this {
    if (event === 'open') this.#onOpen = fn as () => void;
    else if (event === 'message') this.#onMessage = fn as (text: string) => void;
    else if (event === 'error') this.#onError = fn as (err: Error) => void;
    else this.#onClose = fn as (code: number) => void;
    return this;
  }

  /** Sends one text frame (ignored before the handshake completes or once closing). */
  send(text: string): void {
    if (!this.#open || this.#closeSent) return;
    this.#socket.write(frame(0x1, Buffer.from(text, 'utf8')));
  }

  /** Drops the connection without a closing handshake. */
  terminate(): void {
    this.#socket.destroy();
  }

  #fail(message: string): void {
    this.#onError(new Error(message));
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    let buf = this.#pending === null ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = null;
    if (!this.#open) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        this.#pending = buf;
        return;
      }
      const head = buf.toString('latin1', 0, end);
      if (!head.startsWith('HTTP/1.1 101')) return this.#fail(`upgrade refused: ${head.slice(0, head.indexOf('\r\n'))}`);
      const accept = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(head)?.[1];
      if (accept !== acceptOf(this.#key)) return this.#fail('upgrade: wrong Sec-WebSocket-Accept');
      this.#open = true;
      buf = buf.subarray(end + 4);
      this.#onOpen();
    }
    while (buf.length >= 2 && !this.#closed) {
      const b0 = buf[0];
      const b1 = buf[1];
      let length = b1 & 0x7f;
      let at = 2;
      if (length === 126) {
        if (buf.length < 4) break;
        length = buf.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (buf.length < 10) break;
        length = Number(buf.readBigUInt64BE(2));
        at = 10;
      }
      if (b1 & 0x80) return this.#fail('server frame masked');
      if (buf.length < at + length) break;
      const payload = buf.subarray(at, at + length);
      buf = buf.subarray(at + length);
      this.#frame(b0 & 0x80, b0 & 0x0f, payload);
    }
    if (buf.length > 0 && !this.#closed) this.#pending = Buffer.from(buf); // chunk memory is not ours to keep viewing
  }

  #frame(fin: number, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case 0x0: // continuation
        if (this.#fragments === null) return this.#fail('continuation without a first fragment');
        this.#fragments.push(Buffer.from(payload));
        if (fin) {
          const whole = Buffer.concat(this.#fragments);
          this.#fragments = null;
          this.#onMessage(whole.toString('utf8'));
        }
        return;
      case 0x1:
      case 0x2:
        if (fin) return this.#onMessage(payload.toString('utf8'));
        this.#fragments = [Buffer.from(payload)];
        return;
      case 0x8: {
        this.#closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        if (!this.#closeSent) {
          this.#closeSent = true;
          this.#socket.end(frame(0x8, payload.subarray(0, Math.min(2, payload.length))));
        }
        return;
      }
      case 0x9:
        if (!this.#closeSent) this.#socket.write(frame(0xa, Buffer.from(payload)));
        return;
      case 0xa:
        return;
      default:
        return this.#fail(`unknown opcode ${opcode}`);
    }
  }
}

const noop = (): void => {};
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function acceptOf(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** Random bytes from a refilled pool: a key per socket and a mask per frame without a call into OpenSSL each. */
let pool = randomBytes(0);
let poolAt = 0;
function randomSlice(n: number): Buffer {
  if (poolAt + n > pool.length) {
    pool = randomBytes(64 * 1024);
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + n);
  poolAt += n;
  return out;
}

/** A final client frame: FIN, `opcode`, masked payload (RFC 6455 §5.3). */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const at = 2 + lengthBytes + 4;
  const out = Buffer.allocUnsafe(at + length);
  out[0] = 0x80 | opcode;
  if (lengthBytes === 0) out[1] = 0x80 | length;
  else if (lengthBytes === 2) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomSlice(4);
  mask.copy(out, at - 4);
  for (let i = 0; i < length; i++) out[at + i] = payload[i] ^ mask[i & 3];
  return out;
}
