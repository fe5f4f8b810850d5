// uWS closes a connection on which a request arrives pipelined behind one it has not answered yet.
// On Redis every answer comes later: the POSTs of such a connection must then be carried out not at
// all (their answers are lost, the client will send them again), never without their answer.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, test } from 'node:test';
import pino from 'pino';
import { connectRedis } from '../../src/store/redis/connection.ts';
import { redisBackend } from '../../src/store/redis/index.ts';
import { CLUSTER_SECRET } from '../helpers/cluster.ts';
import { eventually } from '../helpers/eventually.ts';
import { Peer, done } from '../helpers/inbox-client.ts';
import { redisSkip, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { basic, startServer, type TestServer } from '../helpers/server.ts';

const skip = redisSkip();

/**
 * Writes `text` in one go on a new connection; resolves with what was read
 * once `answers` responses came (then closes it), or the server closed it.
 */
function raw(server: TestServer, text: string, answers: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: server.port }, () => socket.write(text));
    let got = '';
    const timer = setTimeout(() => (socket.destroy(), resolve(got)), 5000);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      got += d;
      if (got.split('HTTP/1.1 ').length - 1 >= answers) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => (clearTimeout(timer), resolve(got)));
  });
}

const post = (to: string, body: string) =>
  `POST /inbox?to=${to} HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('sender', 'pw')}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

test('STORE=redis: POSTs pipelined on one connection are refused whole (connection closed) and none is queued; pipelined GETs lose no message', { skip }, async () => {
  const url = await testRedisUrl();
  const prefix = uniquePrefix('pipe');
  const redis = await connectRedis({ url, prefix, log: pino({ level: 'silent' }) });
  const server = await startServer({ STORE: 'redis', REDIS_URL: url, KEY_PREFIX: prefix, SHARED_SECRET: CLUSTER_SECRET }, { redis: redisBackend(redis) });
  after(async () => {
    await server.close();
    await redis.close();
  });
  const reader = new Peer(server.url, 'reader', 'pw');
  assert.equal((await done(reader.read())).status, 204);
  assert.equal((await done(new Peer(server.url, 'sender', 'pw').read())).status, 204);
  const answer = await raw(server, post('reader', 'one') + post('reader', 'two'), 2);
  assert.equal(answer, '', 'uWS closes such a connection without an answer');
  assert.equal((await done(reader.read())).status, 204, 'and nothing was queued: a retry cannot deliver twice');
  // GETs pipelined the same way: a message one of them took goes back to the queue.
  assert.equal((await done(new Peer(server.url, 'sender', 'pw').send('reader', 'kept'))).status, 204);
  const get = `GET /inbox HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('reader', 'pw')}\r\n\r\n`;
  assert.equal(await raw(server, get + get, 2), '');
  // It comes back once the store has answered the give-back (a read finding nothing in between takes nothing).
  let kept = await done(reader.read());
  await eventually(async () => kept.status === 200 || (kept = await done(reader.read())).status === 200, 'the message back in the queue');
  assert.equal(kept.text, 'kept');
  // One at a time, the same requests are carried out.
  assert.equal((await raw(server, post('reader', 'three'), 1)).split('\r\n')[0], 'HTTP/1.1 204 No Content');
  const got = await done(reader.read());
  assert.equal(got.status, 200);
  assert.equal(got.text, 'three');
});

test('the memory store answers at once: the same pipelined POSTs are both answered and queued, in order', async () => {
  const server = await startServer();
  after(() => server.close());
  const reader = new Peer(server.url, 'reader', 'pw');
  assert.equal((await done(reader.read())).status, 204);
  assert.equal((await done(new Peer(server.url, 'sender', 'pw').read())).status, 204);
  const answer = await raw(server, post('reader', 'one') + post('reader', 'two'), 2);
  assert.equal(answer.split('HTTP/1.1 204').length - 1, 2, answer);
  assert.equal((await done(reader.read())).text, 'one');
  assert.equal((await done(reader.read())).text, 'two');
});
