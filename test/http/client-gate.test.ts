import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppError } from '../../src/errors.ts';
import { ClientGate, type GatedRequest } from '../../src/http/client-gate.ts';
import { TrustedProxies } from '../../src/limits/client-address.ts';
import { ConnectionCounter } from '../../src/limits/connections.ts';
import { RequestRate } from '../../src/limits/request-rate.ts';
import { TokenBuckets } from '../../src/limits/token-bucket.ts';

/** A request whose client key is counted each time the gate reads it (a read is an address lookup in uWS). */
class FakeRequest implements GatedRequest {
  reads = 0;
  finished = false;
  refusedWith: AppError | null = null;
  slots: ConnectionCounter | null = null;
  held: string | null = null;
  constructor(private readonly key: string) {}
  get client(): string {
    this.reads++;
    return this.key;
  }
  holdSlot(slots: ConnectionCounter, client: string | null): void {
    this.slots = slots;
    this.held = client;
  }
  holdClientSlot(client: string): void {
    this.held = client;
  }
  refuse(err: AppError): void {
    this.refusedWith = err;
    this.answer();
  }
  /** The response is written: the slots go back (what Reply does). */
  answer(): void {
    this.finished = true;
    if (!this.slots) return;
    this.slots.releaseTotal();
    if (this.held !== null) this.slots.releaseClient(this.held);
    this.slots = null;
  }
}

function gate(o: { perSec?: number; perClient?: number; total?: number } = {}) {
  let now = 0;
  const turns: (() => void)[] = [];
  const connections = new ConnectionCounter(o.perClient ?? 0, o.total ?? 0);
  const requests = o.perSec ? new RequestRate(new TokenBuckets(o.perSec, o.perSec * 2, () => now), 8, () => 0.5) : null;
  const g = new ClientGate({ perClient: true, trust: new TrustedProxies([]), requests, connections, later: (fn) => void turns.push(fn) });
  return {
    g,
    connections,
    /** Ends the current event-loop turn: runs what the gate deferred to it. */
    endTurn: () => turns.splice(0).forEach((fn) => fn()),
    tick: (ms: number) => (now += ms),
  };
}

test('requests answered within their turn: high limits read about one address in eight, and hold no per-client slot', () => {
  const { g, connections, endTurn } = gate({ perSec: 1_000_000, perClient: 1000, total: 100_000 });
  let reads = 0;
  for (let turn = 0; turn < 100; turn++) {
    const batch = Array.from({ length: 10 }, () => new FakeRequest('10.0.0.1'));
    for (const r of batch) assert.equal(g.admitRequest(r), undefined);
    assert.equal(connections.total, 10, 'the total counts every request as it arrives');
    for (const r of batch) r.answer();
    endTurn();
    reads += batch.reduce((n, r) => n + r.reads, 0);
  }
  assert.ok(reads >= 100 && reads <= 160, `about 1,000 / 8 addresses read (${reads})`);
  assert.equal(connections.total, 0);
  assert.equal(connections.of('10.0.0.1'), 0);
});

test('a request still busy after its turn takes a slot of its client then; over the cap it is refused then (429, closed)', () => {
  const { g, connections, endTurn } = gate({ perClient: 2 });
  const polls = [0, 1, 2].map(() => new FakeRequest('10.0.0.1'));
  for (const r of polls) assert.equal(g.admitRequest(r), undefined, 'all three arrive in one turn');
  assert.equal(connections.of('10.0.0.1'), 0);
  endTurn();
  assert.deepEqual(polls.map((r) => r.refusedWith?.code), [undefined, undefined, 'too_many_connections']);
  assert.equal(connections.of('10.0.0.1'), 2);
  assert.equal(connections.total, 2);
  // Now that 10.0.0.1 is at its cap, a new request of it is refused as it arrives; another client's is not.
  const late = new FakeRequest('10.0.0.1');
  assert.equal(g.admitRequest(late)?.code, 'too_many_connections');
  assert.equal(connections.total, 2, 'the refused request holds nothing');
  const other = new FakeRequest('10.0.0.2');
  assert.equal(g.admitRequest(other), undefined);
  assert.equal(other.held, '10.0.0.2', 'counted at arrival while some client is at its cap');
  other.answer();
  polls[0].answer();
  assert.equal(connections.anyClientAtCap, false);
  const again = new FakeRequest('10.0.0.1');
  assert.equal(g.admitRequest(again), undefined);
  again.answer();
  endTurn();
  assert.equal(again.reads, 0, 'answered in its turn with nobody at a cap: no address read');
});

test('a request busy after its turn has its client key read then (for creation limits later), even without a connection cap', () => {
  const { g, endTurn } = gate();
  const r = new FakeRequest('10.0.0.9');
  assert.equal(g.admitRequest(r), undefined);
  assert.equal(r.reads, 0);
  endTurn();
  assert.equal(r.reads, 1);
  assert.equal(r.held, null, 'no per-client cap: no per-client slot');
});

test('the total cap is checked on every request, without reading addresses', () => {
  const { g, connections } = gate({ total: 2 });
  const a = new FakeRequest('10.0.0.1');
  const b = new FakeRequest('10.0.0.2');
  assert.equal(g.admitRequest(a), undefined);
  assert.equal(g.admitRequest(b), undefined);
  const c = new FakeRequest('10.0.0.3');
  assert.equal(g.admitRequest(c)?.code, 'server_busy');
  assert.equal(a.reads + b.reads + c.reads, 0);
  a.answer();
  assert.equal(connections.total, 1);
  assert.equal(g.admitRequest(c), undefined);
});

test('a flood from one address is refused once its bucket is spent, every request counted from then on', () => {
  const { g, tick } = gate({ perSec: 100 });
  let passed = 0;
  for (let i = 0; i < 1000; i++) if (g.admitRequest(new FakeRequest('10.0.0.1'))?.code !== 'rate_limited') passed++;
  assert.ok(passed >= 200 - 15 && passed <= 200 + 15, `the burst of 200, give or take one gap (${passed})`);
  tick(1000);
  let after = 0;
  for (let i = 0; i < 1000; i++) if (g.admitRequest(new FakeRequest('10.0.0.1'))?.code !== 'rate_limited') after++;
  assert.ok(after <= 100 + 1, `one second later: the rate, exactly (${after})`);
  const other = new FakeRequest('10.0.0.2');
  assert.equal(g.admitRequest(other), undefined, 'another address is not affected');
  assert.equal(other.reads, 1, 'and is counted exactly while the flood lasts');
});
