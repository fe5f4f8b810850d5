import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { ListenError } from '../../src/http/listening.ts';
import { startServer } from '../helpers/server.ts';

test('the port is exclusive: a second server on it is refused, saying the port is in use', async () => {
  const first = await startServer();
  try {
    await assert.rejects(startServer({ PORT: String(first.port) }), (err: unknown) => {
      assert.ok(err instanceof ListenError);
      assert.equal(err.message.startsWith(`port ${first.port} on 127.0.0.1 is already in use`), true, err.message);
      return true;
    });
  } finally {
    await first.close();
  }
});

/** A port that was free a moment ago (the kernel does not share a port bound as port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

test('REUSE_PORT=1 on both lets two servers share a port on purpose', async () => {
  const first = await startServer({ REUSE_PORT: '1', PORT: String(await freePort()) });
  try {
    const second = await startServer({ REUSE_PORT: '1', PORT: String(first.port) });
    assert.equal(second.port, first.port);
    await second.close();
  } finally {
    await first.close();
  }
});
