import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { basic, startServer, type TestServer } from '../helpers/server.ts';

// GET, DELETE and OPTIONS /inbox never read a body, so the server does not
// look at its length headers: uWS skips a body sent anyway, by its
// Content-Length or its chunks, and the next request on the connection is
// answered as if there had been none.

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

/** Writes `raw` on one connection and resolves with what came back once `count` responses arrived. */
function exchange(raw: string, count: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1', () => socket.write(raw));
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${count} responses expected within 5 s, got: ${JSON.stringify(got)}`));
    }, 5000);
    socket.on('data', (chunk) => {
      got += chunk.toString('latin1');
      if (got.split('HTTP/1.1 ').length - 1 >= count) {
        clearTimeout(timer);
        socket.destroy();
        resolve(got);
      }
    });
    socket.on('error', reject);
  });
}

test('bodies sent with GET, DELETE and OPTIONS /inbox are skipped; the requests behind them on the connection are answered', async () => {
  const auth = `Authorization: ${basic('bodiless', 'pw')}\r\n`;
  const post = 'POST /inbox?to=bodiless HTTP/1.1\r\nHost: x\r\n' + auth + 'Content-Length: 2\r\n\r\nhi';
  const raw = [
    post,
    `GET /inbox HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 5\r\n\r\nhello`,
    `GET /inbox HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    `OPTIONS /inbox HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc`,
    `DELETE /inbox HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 4\r\n\r\nbody`,
    `GET /inbox HTTP/1.1\r\nHost: x\r\n${auth}\r\n`,
  ].join('');
  const got = await exchange(raw, 6);
  const statuses = [...got.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
  // sent, the message read, empty, preflight, deleted, a fresh inbox's empty read
  assert.deepEqual(statuses, [204, 200, 204, 204, 204, 204]);
  assert.match(got, /X-From: bodiless\r\n[\s\S]*\r\n\r\nhi/);
});
