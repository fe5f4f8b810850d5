import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { startServer } from '../helpers/server.ts';

const REQUEST = 'GET /__metrics__ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

/** Opens a raw connection, writes `count` pipelined /__metrics__ requests and never reads. */
async function pipelineAndNeverRead(port: number, count: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {}); // the server may reset it: that is the point
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.pause();
  socket.write(REQUEST.repeat(count));
  return socket;
}

async function timed(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  await r.arrayBuffer();
  return { status: r.status, ms: performance.now() - started };
}

/** The /__metrics__ requests answered 200 so far, from the metrics text. */
function answered(text: string): number {
  const m = /^signalbox_http_requests_total\{(?=[^}]*route="GET \/__metrics__")(?=[^}]*status="200")[^}]*\} (\d+)$/m.exec(text);
  assert.ok(m, 'the request counter of /__metrics__ is exported');
  return Number(m[1]);
}

test('METRICS_PORT: /__metrics__ only on its own listener; the main port answers it 404', async () => {
  const server = await startServer({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' });
  try {
    const port = server.app.metricsPort;
    assert.ok(port !== undefined && port > 0 && port !== server.port, `metrics port ${port}`);
    const r = await fetch(`http://127.0.0.1:${port}/__metrics__`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(await r.text(), /^# TYPE signalbox_inboxes gauge$/m);
    assert.equal((await timed(`${server.url}/__metrics__`)).status, 404);
    // the metrics listener serves nothing else
    assert.equal((await timed(`http://127.0.0.1:${port}/inbox`)).status, 404);
    assert.equal((await timed(`http://127.0.0.1:${port}/__lbheartbeat__`)).status, 404);
    // and the main port still serves the rest
    assert.equal((await timed(`${server.url}/__lbheartbeat__`)).status, 200);
  } finally {
    await server.close();
  }
});

test('without METRICS_PORT, /__metrics__ is on the main port and no second listener exists', async () => {
  const server = await startServer();
  try {
    assert.equal(server.app.metricsPort, undefined);
    assert.equal((await timed(`${server.url}/__metrics__`)).status, 200);
  } finally {
    await server.close();
  }
});

for (const where of ['main port', 'METRICS_PORT'] as const) {
  test(`2,000 pipelined /__metrics__ on a connection that never reads (${where}) do not stall /__lbheartbeat__, and are not all buffered`, async () => {
    const env: Record<string, string> = where === 'METRICS_PORT' ? { METRICS_PORT: '0' } : {};
    const server = await startServer(env, { metrics: {} }); // the production cache: 1 s
    const metricsUrl = `http://127.0.0.1:${server.app.metricsPort ?? server.port}/__metrics__`;
    const flood = await pipelineAndNeverRead(server.app.metricsPort ?? server.port, 2000);
    try {
      for (let i = 0; i < 5; i++) {
        const { status, ms } = await timed(`${server.url}/__lbheartbeat__`);
        assert.equal(status, 200);
        assert.ok(ms < 1000, `heartbeat took ${ms.toFixed(0)} ms`);
      }
      // The flood's responses carry a body: each one is streamed, and uWS drops a
      // connection that pipelines a request behind a response still pending. So
      // the server answered only what the kernel buffers could take.
      await new Promise((r) => setTimeout(r, 1100)); // past the cache age, for a fresh count
      const served = answered(await (await fetch(metricsUrl)).text()); // this request is counted after it renders
      assert.ok(served > 0 && served < 2000, `the server answered ${served} of 2000 pipelined requests`);
    } finally {
      flood.destroy();
      await server.close();
    }
  });
}
