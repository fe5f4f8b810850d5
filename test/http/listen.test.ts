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

test("with REUSE_PORT, a METRICS_PORT is still each process's own: the second one is refused, told so", async () => {
  const env = { REUSE_PORT: '1', PORT: String(await freePort()), METRICS_PORT: String(await freePort()), METRICS_HOST: '127.0.0.1' };
  const first = await startServer(env);
  try {
    await assert.rejects(startServer(env), (err: unknown) => {
      assert.ok(err instanceof ListenError);
      assert.match(err.message, new RegExp(`^port ${env.METRICS_PORT} on 127\\.0\\.0\\.1 is already in use \\(each signalbox process needs a METRICS_PORT of its own`));
      assert.doesNotMatch(err.message, /set REUSE_PORT=1/, 'no advice to set what is set');
      return true;
    });
    // The main port of the refused one was let go again: a third process with a METRICS_PORT of its own shares the port.
    const third = await startServer({ ...env, METRICS_PORT: String(await freePort()) });
    assert.equal(third.port, first.port);
    await third.close();
  } finally {
    await first.close();
  }
});
