import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { basic, startServer, type TestServer } from '../helpers/server.ts';
import { inboxReady, openInbox, errorAndClose, post, gauge } from './ws-helpers.ts';
import { eventually } from '../helpers/eventually.ts';

let server: TestServer;
before(async () => {
  server = await startServer({ MAX_WAIT: '30' });
});
after(() => server.close());

const get = (name: string, wait = 0, signal?: AbortSignal) =>
  fetch(`${server.url}/inbox?wait=${wait}`, { headers: { Authorization: basic(name, 'pw') }, signal });

describe('/inbox/ws reader takeover', () => {
  test('a socket takes over from a waiting GET, which gets 204; messages then go to the socket', async () => {
    const waiting = get('t-get-ws', 20);
    await eventually(async () => (await gauge(server, 'signalbox_long_polls_waiting')) === 1);
    const s = await inboxReady(server, 't-get-ws');
    assert.equal((await waiting).status, 204);
    assert.equal(await post(server, 'bob', 't-get-ws', 'for the socket', 'text/plain'), 204);
    assert.equal((await s.next()).data, 'for the socket');
    s.close();
  });

  test('a GET takes over from a socket: 409 error frame, close 4409; the GET gets the next message', async () => {
    const s = await inboxReady(server, 't-ws-get');
    const waiting = get('t-ws-get', 20);
    const { frame, code } = await errorAndClose(s);
    assert.equal(frame.type, 'error');
    assert.equal(frame.code, 409);
    assert.equal(frame.error, 'replaced');
    assert.equal(code, 4409);
    assert.equal(await post(server, 'bob', 't-ws-get', 'for the GET', 'text/plain'), 204);
    const res = await waiting;
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'for the GET');
  });

  test('a newer socket takes over from an older one (409, 4409)', async () => {
    const older = await inboxReady(server, 't-ws-ws');
    const newer = await inboxReady(server, 't-ws-ws');
    const { frame, code } = await errorAndClose(older);
    assert.equal(frame.code, 409);
    assert.equal(code, 4409);
    assert.equal(await post(server, 'bob', 't-ws-ws', 'new', 'text/plain'), 204);
    assert.equal((await newer.next()).data, 'new');
    newer.close();
  });

  test('a failed auth (wrong password) does not take over the reader', async () => {
    const owner = await inboxReady(server, 't-wrong');
    const intruder = await openInbox(server);
    intruder.send({ type: 'auth', username: 't-wrong', password: 'not-pw' });
    assert.equal((await errorAndClose(intruder)).code, 4401);
    assert.equal(await post(server, 'bob', 't-wrong', 'still mine', 'text/plain'), 204);
    assert.equal((await owner.next()).data, 'still mine');
    owner.close();
  });

  test('a message already pushed to a replaced socket is not delivered again', async () => {
    const s = await inboxReady(server, 't-once');
    assert.equal(await post(server, 'bob', 't-once', 'once', 'text/plain'), 204);
    assert.equal((await s.next()).data, 'once');
    const res = await get('t-once');
    assert.equal(res.status, 204);
    await s.closed;
  });

  test('DELETE /inbox while a socket reads: 404 inbox_gone, close 4404', async () => {
    const s = await inboxReady(server, 't-del');
    const res = await fetch(`${server.url}/inbox`, { method: 'DELETE', headers: { Authorization: basic('t-del', 'pw') } });
    assert.equal(res.status, 204);
    const { frame, code } = await errorAndClose(s);
    assert.equal(frame.error, 'inbox_gone');
    assert.equal(code, 4404);
  });

  test('the websockets gauge counts open sockets', async () => {
    await eventually(async () => (await gauge(server, 'signalbox_websockets_open')) === 0);
    const a = await inboxReady(server, 't-gauge-a');
    const b = await openInbox(server);
    await eventually(async () => (await gauge(server, 'signalbox_websockets_open')) === 2);
    a.close();
    b.close();
    await eventually(async () => (await gauge(server, 'signalbox_websockets_open')) === 0);
  });
});

describe('/inbox/ws shutdown', () => {
  test('closing the server closes every socket with 1001, authenticated or not', async () => {
    const own = await startServer();
    const authed = await inboxReady(own, 'shut-a');
    const fresh = await openInbox(own);
    await own.close();
    const a = await errorAndClose(authed);
    assert.equal(a.frame.error, 'shutting_down');
    assert.equal(a.code, 1001);
    assert.equal((await fresh.closed).code, 1001);
  });
});
