/** Why a connection was refused: over the client's own cap, or the server's. */
export type ConnectionRefusal = 'client' | 'server';

/**
 * Busy connections per client key and in total. uWS has no accept hook and no
 * close event for an idle HTTP connection, so what is counted is what can be
 * seen: an HTTP request from its start until it is answered or aborted (uWS
 * never has two in progress on one connection), and a WebSocket from open to
 * close. Idle keep-alive and silent connections are not counted; uWS closes
 * them after about 10 s. The total and the per-client counts can be taken
 * apart (an HTTP request is counted in its client's only once it is still
 * busy after the event-loop turn it came in, see ClientGate).
 */
export class ConnectionCounter {
  readonly #byClient = new Map<string, number>();
  #total = 0;
  /** Clients whose count is at maxPerClient. */
  #atCap = 0;

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
    this.addClient(key);
  }

  release(key: string): void {
    this.#total--;
    this.releaseClient(key);
  }

  /** Counts one in the total if its cap allows; `releaseTotal()` must follow exactly once when it did. */
  acquireTotal(): boolean {
    if (this.maxTotal > 0 && this.#total >= this.maxTotal) return false;
    this.#total++;
    return true;
  }

  releaseTotal(): void {
    this.#total--;
  }

  /** Counts one for `key` alone (not the total) if its cap allows; `releaseClient(key)` must follow when it did. */
  acquireClient(key: string): boolean {
    if (this.maxPerClient > 0 && (this.#byClient.get(key) ?? 0) >= this.maxPerClient) return false;
    this.addClient(key);
    return true;
  }

  addClient(key: string): void {
    if (this.maxPerClient === 0) return;
    const n = (this.#byClient.get(key) ?? 0) + 1;
    this.#byClient.set(key, n);
    if (n === this.maxPerClient) this.#atCap++;
  }

  releaseClient(key: string): void {
    if (this.maxPerClient === 0) return;
    const n = (this.#byClient.get(key) ?? 1) - 1;
    if (n + 1 === this.maxPerClient) this.#atCap--;
    if (n <= 0) this.#byClient.delete(key);
    else this.#byClient.set(key, n);
  }

  get total(): number {
    return this.#total;
  }

  /** Whether some client is at its cap (then every new request must be checked against its own count). */
  get anyClientAtCap(): boolean {
    return this.#atCap > 0;
  }

  /** Connections counted for one client key. */
  of(key: string): number {
    return this.#byClient.get(key) ?? 0;
  }
}
