import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { CredentialHasher } from '../../src/inbox/identity.ts';
import { InboxService } from '../../src/inbox/service.ts';
import { WsSession, type PeerSocket, type SendStatus } from '../../src/inbox/ws-session.ts';
import { MemoryInboxStore } from '../../src/store/memory/inbox.ts';
import { FakeTime } from '../helpers/fake-time.ts';

/** A socket whose buffer and send results the test controls. */
class FakePeer implements PeerSocket {
  open = true;
  sent: Record<string, unknown>[] = [];
  closeCode: number | null = null;
  buffered = 0;
  next: SendStatus = 'ok';
  session!: WsSession;

  send(text: string): SendStatus {
    if (!this.open) return 'closed';
    const status = this.next;
    if (status !== 'dropped') this.sent.push(JSON.parse(text));
    return status;
  }
  bufferedAmount(): number {
    return this.buffered;
  }
  end(code: number): void {
    if (!this.open) return;
    this.open = false;
    this.closeCode = code;
    this.session.onClose(); // like uWS: the close handler runs from end()
  }
}

const settle = () => new Promise((r) => setImmediate(r));

let time: FakeTime;
let store: MemoryInboxStore;
let service: InboxService;
const hasher = new CredentialHasher();

function session(maxPendingFrames = 100): { peer: FakePeer; s: WsSession } {
  const peer = new FakePeer();
  const s = new WsSession(peer, { service, hasher, timers: time, authTimeoutMs: 5000, highWaterBytes: 1000, maxPendingFrames, maxBufferedBytes: 3000 });
  peer.session = s;
  s.opened();
  return { peer, s };
}

async function authed(name: string): Promise<{ peer: FakePeer; s: WsSession }> {
  const out = session();
  out.s.onText(JSON.stringify({ type: 'auth', username: name, password: 'pw' }));
  await settle();
  assert.deepEqual(out.peer.sent.shift(), { type: 'ready' });
  return out;
}

const owner = (name: string) => hasher.owner(name, Buffer.from('pw')) as { name: string; secret: string };

beforeEach(() => {
  time = new FakeTime();
  store = new MemoryInboxStore({ inboxTtlMs: 60_000, inboxCapacity: 100, maxInboxes: 1000, maxQueuedBytes: 1 << 30, clock: time });
  service = new InboxService({ store, timers: time, inboxCapacity: 100, maxMessageBytes: 65536, maxWaitMs: 30_000, defaultWaitMs: 0 });
});

describe('WsSession (fake socket)', () => {
  test('while the socket is over its high-water mark nothing is taken; drain resumes in order', async () => {
    const { peer, s } = await authed('bp');
    peer.buffered = 5000;
    for (const body of ['a', 'b', 'c']) await service.send(owner('x'), 'bp', 'text/plain', Buffer.from(body));
    await settle();
    assert.equal(peer.sent.length, 0);
    assert.equal((await store.stats()).messages, 3);
    peer.buffered = 0;
    s.onDrain();
    await settle();
    assert.deepEqual(peer.sent.map((f) => f.data), ['a', 'b', 'c']);
    assert.equal((await store.stats()).messages, 0);
  });

  test('a frame the socket dropped goes back to the head of the queue, and the socket is closed (1008)', async () => {
    const { peer } = await authed('drop');
    peer.next = 'dropped';
    await service.send(owner('x'), 'drop', 'text/plain', Buffer.from('first'));
    await service.send(owner('x'), 'drop', 'text/plain', Buffer.from('second'));
    await settle();
    assert.equal(peer.closeCode, 1008);
    assert.equal(service.readerCount, 0);
    const a = await store.take('drop');
    const b = await store.take('drop');
    assert.deepEqual([Buffer.from(a!.body).toString(), Buffer.from(b!.body).toString()], ['first', 'second']);
  });

  test("'buffered' (backpressure, still going out) counts as delivered", async () => {
    const { peer } = await authed('buffered');
    peer.next = 'buffered';
    await service.send(owner('x'), 'buffered', 'text/plain', Buffer.from('m'));
    await settle();
    assert.equal(peer.sent[0].data, 'm');
    assert.equal((await store.stats()).messages, 0);
  });

  test('a send answered while the socket buffers more than maxBufferedBytes: error frame, close 1008; at the limit it is answered', async () => {
    const { peer, s } = await authed('deaf');
    await service.read(owner('peer'), { single: true, isOpen: () => true, canAccept: () => false, deliver: () => false, finish() {} }, 0);
    peer.buffered = 3000;
    s.onText(JSON.stringify({ type: 'send', id: '1', to: 'peer', data: 'x' }));
    await settle();
    assert.deepEqual(peer.sent.shift(), { type: 'sent', id: '1' });
    peer.buffered = 3001;
    s.onText(JSON.stringify({ type: 'send', id: '2', to: 'peer', data: 'y' }));
    await settle();
    assert.equal(peer.closeCode, 1008);
    assert.deepEqual([peer.sent.length, peer.sent[0].type, peer.sent[0].error], [1, 'error', 'backpressure']);
  });

  test('too many frames waiting to be handled: close 1008', async () => {
    const { peer, s } = session(2);
    for (let i = 0; i < 3; i++) s.onText('{"type":"auth","username":"flood","password":"pw"}');
    assert.equal(peer.closeCode, 1008);
    assert.equal(peer.sent[0].error, 'backpressure');
  });

  test('close while the auth is in flight: no reader is left attached', async () => {
    const { peer, s } = session();
    s.onText(JSON.stringify({ type: 'auth', username: 'racer', password: 'pw' }));
    peer.end(1000);
    await settle();
    assert.equal(service.readerCount, 0);
  });
});
