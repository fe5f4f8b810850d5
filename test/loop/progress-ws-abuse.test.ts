import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import type { TestServer } from '../helpers/server.ts';
import { startLoopServer } from '../helpers/loop.ts';
import { openProgress, progressHello, expectError } from './progress-ws-helpers.ts';

// Abuse of the call-progress WebSocket: deeply nested frames are a clean
// error with nothing logged at warn/error; a socket that never says hello is
// closed after progressHelloTimeout (short here) with an error and 4408.

const HELLO_TIMEOUT_SEC = 0.3;

const lines: Record<string, unknown>[] = [];
let server: TestServer;
before(async () => {
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  server = await startLoopServer({ progressHelloTimeout: HELLO_TIMEOUT_SEC }, { logger });
});
after(() => server.close());

/** Log lines written since `from`, at warn (40) or above or carrying a stack. */
const alarming = (from: number) => lines.slice(from).filter((l) => (l.level as number) >= 40 || JSON.stringify(l).includes('"stack"'));

test('a 20,000-deep echo frame is "Malformed message." and a close; nothing is logged with a stack, at warn or above', async () => {
  const from = lines.length; // start-up warnings (fake BrowserID, …) are not this test's business
  const deep = '['.repeat(20_000) + ']'.repeat(20_000);
  for (let i = 0; i < 3; i++) {
    const ws = await openProgress(server);
    ws.send(`{"messageType":"echo","echo":${deep}}`);
    await expectError(ws, 'Malformed message.');
  }
  assert.deepEqual(alarming(from), []);
});

test('an echo frame at the depth limit (32) is still echoed; one level more is refused', async () => {
  const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const ok = await openProgress(server);
  ok.send(`{"messageType":"echo","echo":${nest(31)}}`); // 1 (object) + 31 arrays
  assert.equal((await ok.next()).messageType, 'echo');
  ok.close();
  const over = await openProgress(server);
  over.send(`{"messageType":"echo","echo":${nest(32)}}`);
  await expectError(over, 'Malformed message.');
  // Brackets inside strings do not count.
  const quoted = await openProgress(server);
  quoted.send({ messageType: 'echo', echo: '['.repeat(100) });
  await quoted.expect({ messageType: 'echo', echo: '['.repeat(100) });
  quoted.close();
});

test('a socket that sends no hello is closed after progressHelloTimeout with an error frame and close 4408', async () => {
  const started = Date.now();
  const ws = await openProgress(server);
  await ws.expect({ messageType: 'error', reason: 'No hello received in time.' }, 3000);
  const closed = await ws.waitForClose('the server closes the socket');
  assert.equal(closed.code, 4408);
  assert.ok(Date.now() - started >= HELLO_TIMEOUT_SEC * 1000 - 50, 'not before the timeout');
});

test('§12.11: a socket that only echoes stays open (each echo starts the hello wait again); once silent, it is closed', async () => {
  const started = Date.now();
  const ws = await openProgress(server);
  // Echo at half the timeout for three timeouts: every one is answered, none is an error.
  for (let i = 0; Date.now() - started < 3 * HELLO_TIMEOUT_SEC * 1000; i++) {
    ws.send({ messageType: 'echo', echo: i });
    await ws.expect({ messageType: 'echo', echo: i });
    await new Promise((r) => setTimeout(r, (HELLO_TIMEOUT_SEC * 1000) / 2));
  }
  const silentFrom = Date.now();
  await ws.expect({ messageType: 'error', reason: 'No hello received in time.' }, 3000);
  assert.equal((await ws.waitForClose('the server closes the silent socket')).code, 4408);
  assert.ok(Date.now() - silentFrom >= HELLO_TIMEOUT_SEC * 1000 / 2 - 50, 'closed a timeout after the last echo, not before');
});

test('a hello cancels the hello timeout (even a failing one closes with its own error, not 4408)', async () => {
  const ws = await progressHello(server, '0'.repeat(32), 'x');
  await expectError(ws, 'bad callId');
});
