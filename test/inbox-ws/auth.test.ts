import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeTime } from '../helpers/fake-time.ts';
import { basic, startServer, type TestServer } from '../helpers/server.ts';
import { inboxReady, openInbox, errorAndClose, post } from './ws-helpers.ts';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

describe('/inbox/ws auth frame', () => {
  test('good credentials: ready, and the inbox now exists', async () => {
    const s = await inboxReady(server, 'auth-new');
    assert.equal(await post(server, 'someone', 'auth-new', 'hi', 'text/plain'), 204);
    assert.deepEqual(await s.next(), { type: 'message', from: 'someone', contentType: 'text/plain', data: 'hi' });
    s.close();
  });

  test('an inbox created over HTTP is opened with the same password', async () => {
    const res = await fetch(`${server.url}/inbox`, { headers: { Authorization: basic('auth-http', 'secret') } });
    assert.equal(res.status, 204);
    const s = await inboxReady(server, 'auth-http', 'secret');
    s.close();
  });

  test('wrong password: one 401 error frame, then close 4401', async () => {
    await (await inboxReady(server, 'auth-pw', 'right')).close();
    const s = await openInbox(server);
    s.send({ type: 'auth', username: 'auth-pw', password: 'wrong' });
    const { frame, code } = await errorAndClose(s);
    assert.equal(frame.type, 'error');
    assert.equal(frame.code, 401);
    assert.equal(frame.error, 'wrong_password');
    assert.equal(typeof frame.message, 'string');
    assert.equal(code, 4401);
    assert.equal(s.frames.length, 1);
  });

  const invalid: [string, string, string, string][] = [
    ['username with a space', 'a b', 'pw', 'invalid_username'],
    ['username with a colon', 'a:b', 'pw', 'invalid_username'],
    ['empty username', '', 'pw', 'invalid_username'],
    ['257-character username', 'u'.repeat(257), 'pw', 'invalid_username'],
    ['username with CR LF', 'a\r\nX-Evil: 1', 'pw', 'invalid_username'],
    ['empty password', 'auth-x', '', 'invalid_password'],
    ['1025-byte password', 'auth-x', 'p'.repeat(1025), 'invalid_password'],
    ['password with a lone surrogate', 'auth-x', '\ud800', 'invalid_password'],
  ];
  for (const [label, username, password, error] of invalid) {
    test(`${label}: 400 error frame, close 4400`, async () => {
      const s = await openInbox(server);
      s.send({ type: 'auth', username, password });
      const { frame, code } = await errorAndClose(s);
      assert.equal(frame.code, 400);
      assert.equal(frame.error, error);
      assert.equal(code, 4400);
    });
  }

  test('256-character username and 1024-byte password are fine', async () => {
    const s = await inboxReady(server, 'u'.repeat(256), 'é'.repeat(512));
    s.close();
  });

  const malformed: [string, string | object][] = [
    ['not JSON', '{"type":"auth",'],
    ['JSON but not an object', '["auth"]'],
    ['no type', { username: 'a', password: 'b' }],
    ['unknown type', { type: 'hello', username: 'a', password: 'b' }],
    ['missing password', { type: 'auth', username: 'a' }],
    ['username not a string', { type: 'auth', username: 7, password: 'b' }],
    ['__proto__ key', '{"type":"auth","username":"a","password":"b","__proto__":{"x":1}}'],
  ];
  for (const [label, frame] of malformed) {
    test(`malformed first frame (${label}): 400 malformed_frame, close 4400`, async () => {
      const s = await openInbox(server);
      s.send(frame as string);
      const { frame: error, code } = await errorAndClose(s);
      assert.equal(error.code, 400);
      assert.equal(error.error, 'malformed_frame');
      assert.equal(code, 4400);
    });
  }

  test('binary frame: 400 binary_frame, close 4400', async () => {
    const s = await openInbox(server);
    s.sendBinary(Buffer.from('{"type":"auth","username":"a","password":"b"}'));
    const { frame, code } = await errorAndClose(s);
    assert.equal(frame.error, 'binary_frame');
    assert.equal(code, 4400);
  });

  test('send before auth: 401 auth_required, close 4401', async () => {
    const s = await openInbox(server);
    s.send({ type: 'send', id: '1', to: 'x', data: 'y' });
    const { frame, code } = await errorAndClose(s);
    assert.equal(frame.code, 401);
    assert.equal(frame.error, 'auth_required');
    assert.equal(code, 4401);
  });

  test('a second auth frame: 400 already_authenticated, close 4400', async () => {
    const s = await inboxReady(server, 'auth-twice');
    s.send({ type: 'auth', username: 'auth-twice', password: 'pw' });
    const { frame, code } = await errorAndClose(s);
    assert.equal(frame.error, 'already_authenticated');
    assert.equal(code, 4400);
  });

  test('auth and send pipelined without waiting for ready: both handled in order', async () => {
    const s = await openInbox(server);
    s.send({ type: 'auth', username: 'auth-pipe', password: 'pw' });
    s.send({ type: 'send', id: 'a', to: 'auth-pipe', data: 'to myself' });
    assert.deepEqual(await s.next(), { type: 'ready' });
    const rest = [await s.next(), await s.next()];
    assert.deepEqual(rest.find((f) => f.type === 'sent'), { type: 'sent', id: 'a' });
    assert.equal(rest.find((f) => f.type === 'message')?.data, 'to myself');
    s.close();
  });
});

describe('/inbox/ws auth deadline (fake timers)', () => {
  let timed: TestServer;
  let time: FakeTime;
  before(async () => {
    time = new FakeTime();
    timed = await startServer({}, { clock: time, timers: time });
  });
  after(() => timed.close());

  test('no auth frame within 5 s: 408 auth_timeout, close 4408', async () => {
    const s = await openInbox(timed);
    await new Promise((r) => setTimeout(r, 20));
    time.advance(4999);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(s.frames.length, 0, 'nothing before the deadline');
    time.advance(1);
    const { frame, code } = await errorAndClose(s);
    assert.equal(frame.code, 408);
    assert.equal(frame.error, 'auth_timeout');
    assert.equal(code, 4408);
  });

  test('an auth frame in time cancels the deadline', async () => {
    const s = await inboxReady(timed, 'in-time');
    time.advance(60_000);
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(s.isOpen);
    s.close();
  });
});
