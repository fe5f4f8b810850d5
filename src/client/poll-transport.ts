import { InboxError } from './errors.ts';
import { InboxMessage } from './message.ts';
import type { Endpoint, Transport, TransportSink } from './transport.ts';

/**
 * Long-polling `GET /inbox?wait=N`: one GET at a time, for as long as it runs.
 * `start` does a first GET with wait=0, so the inbox exists once it resolves.
 */
export class PollTransport implements Transport {
  readonly kind = 'poll';
  readonly #abort = new AbortController();
  #stopped = false;

  private constructor(
    private readonly endpoint: Endpoint,
    private readonly waitSec: number,
    private readonly sink: TransportSink,
  ) {}

  /** Resolves after the first GET (and its message, if one was queued); rejects with an InboxError. */
  static async start(endpoint: Endpoint, waitSec: number, sink: TransportSink): Promise<PollTransport> {
    const transport = new PollTransport(endpoint, waitSec, sink);
    await transport.#readOnce(0);
    void transport.#loop();
    return transport;
  }

  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#readOnce(this.waitSec);
      } catch (err) {
        if (this.#stopped) return;
        this.#stopped = true;
        this.sink.ended(err instanceof InboxError ? err : InboxError.network(err));
        return;
      }
    }
  }

  async #readOnce(waitSec: number): Promise<void> {
    let res: Response;
    try {
      res = await this.endpoint.fetch(`${this.endpoint.inboxUrl}?wait=${waitSec}`, {
        headers: { Authorization: this.endpoint.authorization },
        cache: 'no-store',
        credentials: 'omit', // see InboxClient.send
        signal: this.#abort.signal,
      });
    } catch (err) {
      throw InboxError.network(err);
    }
    if (res.status === 204) {
      // A 204 that ended the wait for another reason than the wait itself: stop, as the WebSocket does on 4409 / 4404.
      const ended = res.headers.get('x-read-ended');
      if (ended === 'replaced') throw new InboxError(409, 'replaced', 'Another reader took over the inbox.');
      if (ended === 'gone') throw new InboxError(404, 'inbox_gone', 'The inbox was deleted or has expired.');
      return;
    }
    if (res.status !== 200) throw await InboxError.fromResponse(res);
    const data = new Uint8Array(await res.arrayBuffer());
    const from = res.headers.get('x-from') ?? '';
    this.sink.message(new InboxMessage(from, res.headers.get('content-type') ?? 'application/octet-stream', data));
  }
}
