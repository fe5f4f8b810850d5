import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { Peer, done } from '../helpers/inbox-client.ts';
import { startServer } from '../helpers/server.ts';

const SIZE = 16 * 1024 * 1024; // far more than the kernel buffers take: the rest is streamed as the client reads

test('a large body to a client that reads late arrives whole and intact (streamed with backpressure)', { timeout: 30_000 }, async () => {
  const server = await startServer({ MAX_MESSAGE_BYTES: String(SIZE) });
  try {
    const reader = new Peer(server.url, 'stream-reader');
    await done(reader.read());
    const payload = Buffer.alloc(SIZE);
    for (let i = 0; i < SIZE; i += 4) payload.writeUInt32LE(i, i);
    assert.equal((await done(new Peer(server.url, 'stream-sender').send('stream-reader', payload))).status, 204);

    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.pause();
    socket.write(`GET /inbox HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${reader.auth}\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 300)); // the server fills the buffers and waits for the client
    const chunks: Buffer[] = [];
    let total = 0;
    let headEnd = -1;
    const complete = new Promise<Buffer>((resolve, reject) => {
      socket.on('data', (c: Buffer) => {
        chunks.push(c);
        total += c.length;
        // Joined only until the head is found, and once at the end: not 16 MiB copied per chunk.
        if (headEnd < 0) headEnd = Buffer.concat(chunks, total).indexOf('\r\n\r\n');
        if (headEnd >= 0 && total - headEnd - 4 >= SIZE) resolve(Buffer.concat(chunks, total));
      });
      socket.once('close', () => reject(new Error(`closed after ${total} bytes`)));
    });
    socket.resume();
    const all = await complete;
    socket.destroy();
    const head = all.subarray(0, all.indexOf('\r\n\r\n')).toString('latin1');
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.match(head, new RegExp(`\\r\\ncontent-length: ${SIZE}`, 'i'));
    assert.ok(all.subarray(head.length + 4).equals(payload), 'byte-exact');
  } finally {
    await server.close();
  }
});
