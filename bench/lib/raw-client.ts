import net from 'node:net';
import * as hdr from 'hdr-histogram-js';

/**
 * A minimal keep-alive HTTP/1.1 client for the load generator: pre-built
 * request buffers out, status codes in (responses are matched in order, so
 * requests may be pipelined). It understands exactly what the servers under
 * test send: a status line, headers, and a Content-Length body (none on
 * 1xx/204/304). Cheaper per request than autocannon's parser, and it lets
 * the bench time multi-request cycles (send + receive) and open-loop rates.
 */
export class RawConnection {
  readonly #socket: net.Socket;
  readonly #waiting: ((status: number) => void)[] = [];
  #pending: Buffer | null = null;
  #closed = false;
  #corked = false;
  /** Socket errors and closes seen (each fails the requests in flight with status 0). */
  errors = 0;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => this.errors++);
    socket.on('close', () => this.#fail());
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  get inFlight(): number {
    return this.#waiting.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one request; `done` gets the response status (0 if the connection failed). */
  send(request: Buffer, done: (status: number) => void): void {
    if (this.#closed) return void process.nextTick(done, 0);
    this.#waiting.push(done);
    // Requests sent in one tick (e.g. the follow-ups of one chunk of responses) leave in one write.
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(this.#uncork);
    }
    this.#socket.write(request);
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    this.#socket.uncork();
  };

  close(): void {
    this.#socket.destroy();
  }

  #fail(): void {
    if (!this.#closed) this.errors++;
    this.#closed = true;
    for (const done of this.#waiting.splice(0)) done(0);
  }

  #onData(chunk: Buffer): void {
    const buf = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    let off = 0;
    for (;;) {
      const headEnd = buf.indexOf('\r\n\r\n', off, 'latin1');
      if (headEnd < 0) break;
      // "HTTP/1.1 204 …": the status is at offset 9.
      const status = (buf[off + 9] - 48) * 100 + (buf[off + 10] - 48) * 10 + (buf[off + 11] - 48);
      let bodyLength = 0;
      if (status >= 200 && status !== 204 && status !== 304) {
        const head = buf.toString('latin1', off, headEnd);
        const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (!match) {
          // Chunked or close-delimited bodies are not something these servers send here.
          this.#socket.destroy(new Error(`response without Content-Length: ${head.slice(0, 80)}`));
          return;
        }
        bodyLength = Number(match[1]);
      }
      const end = headEnd + 4 + bodyLength;
      if (end > buf.length) break;
      off = end;
      const done = this.#waiting.shift();
      if (done) done(status);
    }
    this.#pending = off < buf.length ? buf.subarray(off) : null;
  }
}

/** Latency (µs) histograms and counters of a raw run. */
export class RawStats {
  readonly latencyUs = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  readonly lagUs = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  readonly statusCodes: Record<string, number> = {};
  requests = 0;
  cycles = 0;
  mismatches = 0;
  incomplete = 0;
  /** A once-only plan ran out during a timed run. */
  exhausted = false;

  /** Runs one cycle (its request buffers one after the other) on `conn`; `done` once it finished. */
  runCycle(conn: RawConnection, requests: readonly Buffer[], expect: readonly number[], done: () => void): void {
    const started = performance.now();
    let i = 0;
    const next = (status: number): void => {
      this.requests++;
      this.statusCodes[status] = (this.statusCodes[status] ?? 0) + 1;
      if (status !== expect[i]) this.mismatches++;
      if (status === 0 || ++i === requests.length) {
        if (status !== 0) {
          this.cycles++;
          this.latencyUs.recordValue(Math.max(1, Math.round((performance.now() - started) * 1000)));
        } else {
          this.incomplete++;
        }
        return done();
      }
      conn.send(requests[i], next);
    };
    conn.send(requests[0], next);
  }
}
