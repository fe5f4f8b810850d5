/** Why a connection was refused: over the client's own cap, or the server's. */
export type ConnectionRefusal = 'client' | 'server';

/**
 * Busy connections per client key and in total. uWS has no accept hook and no
 * close event for an idle HTTP connection, so what is counted is what can be
 * seen: an HTTP request from its start until it is answered or aborted (uWS
 * never has two in progress on one connection), and a WebSocket from open to
 * close. Idle keep-alive and silent connections are not counted; uWS closes
 * them after about 10 s.
 */
export class ConnectionCounter {
  readonly #byClient = new Map<string, number>();
  #total = 0;

  /** 0 = no cap. */
  constructor(readonly maxPerClient: number, readonly maxTotal: number) {}

  /** Whether one more connection from `key` would be let in (nothing counted). */
  check(key: string): ConnectionRefusal | undefined {
    if (this.maxTotal > 0 && this.#total >= this.maxTotal) return 'server';
    if (this.maxPerClient > 0 && (this.#byClient.get(key) ?? 0) >= this.maxPerClient) return 'client';
    return undefined;
  }

  /** Counts a connection from `key` if the caps allow; `release(key)` must follow exactly once when it succeeded. */
  acquire(key: string): ConnectionRefusal | undefined {
    const refused = this.check(key);
    if (refused) return refused;
    this.add(key);
    return undefined;
  }

  /** Counts a connection unconditionally (one already let in by check()). */
  add(key: string): void {
    this.#total++;
    if (this.maxPerClient > 0) this.#byClient.set(key, (this.#byClient.get(key) ?? 0) + 1);
  }

  release(key: string): void {
    this.#total--;
    if (this.maxPerClient === 0) return;
    const n = (this.#byClient.get(key) ?? 1) - 1;
    if (n <= 0) this.#byClient.delete(key);
    else this.#byClient.set(key, n);
  }

  get total(): number {
    return this.#total;
  }

  /** Connections counted for one client key. */
  of(key: string): number {
    return this.#byClient.get(key) ?? 0;
  }
}
