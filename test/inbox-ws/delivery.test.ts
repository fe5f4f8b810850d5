import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { maxPayloadFor } from '../../src/inbox/ws-routes.ts';
import { basic, startServer, type TestServer } from '../helpers/server.ts';

/** MAX_MESSAGE_BYTES of these tests' server: the default. */
const MAX_BYTES = 65_536;
import { inboxReady, errorAndClose, post } from './ws-helpers.ts';

let server: TestServer;
before(async () => {
  server = await startServer({ INBOX_CAPACITY: '3' });
});
after(() => server.close());

describe('/inbox/ws pushed messages', () => {
  test('messages queued before the socket, then new ones, in FIFO order', async () => {
    await (await inboxReady(server, 'fifo')).close();
    assert.equal(await post(server, 'bob', 'fifo', 'one', 'text/plain'), 204);
    assert.equal(await post(server, 'carol', 'fifo', 'two', 'application/json'), 204);
    const s = await inboxReady(server, 'fifo');
    assert.deepEqual(await s.next(), { type: 'message', from: 'bob', contentType: 'text/plain', data: 'one' });
    assert.deepEqual(await s.next(), { type: 'message', from: 'carol', contentType: 'application/json', data: 'two' });
    assert.equal(await post(server, 'bob', 'fifo', 'three', 'text/plain'), 204);
    assert.equal((await s.next()).data, 'three');
    s.close();
  });

  test('a non-UTF-8 body comes as base64 with "encoding":"base64", bytes exact', async () => {
    const s = await inboxReady(server, 'bin');
    const bytes = new Uint8Array([0xff, 0x00, 0xc3, 0x28, 0x80]);
    assert.equal(await post(server, 'bob', 'bin', bytes, 'application/octet-stream'), 204);
    const frame = await s.next();
    assert.equal(frame.encoding, 'base64');
    assert.deepEqual(Buffer.from(frame.data as string, 'base64'), Buffer.from(bytes));
    s.close();
  });

  test('UTF-8 bodies come as text: multibyte, NUL and a leading BOM kept exactly, no encoding field', async () => {
    const s = await inboxReady(server, 'utf8');
    const text = '\ufeffhé 🎉\u0000end';
    assert.equal(await post(server, 'bob', 'utf8', Buffer.from(text, 'utf8'), 'text/plain'), 204);
    const frame = await s.next();
    assert.equal(frame.data, text);
    assert.equal('encoding' in frame, false);
    s.close();
  });

  test('a message pushed to the socket is gone from the queue (a GET then finds nothing)', async () => {
    const s = await inboxReady(server, 'taken');
    assert.equal(await post(server, 'bob', 'taken', 'x', 'text/plain'), 204);
    assert.equal((await s.next()).data, 'x');
    s.close();
    await s.closed;
    const res = await fetch(`${server.url}/inbox`, { headers: { Authorization: basic('taken', 'pw') } });
    assert.equal(res.status, 204);
  });
});

describe('/inbox/ws send frames', () => {
  test('send → sent {id}; the recipient gets it over GET with X-From and Content-Type', async () => {
    const s = await inboxReady(server, 'sender');
    await fetch(`${server.url}/inbox`, { headers: { Authorization: basic('rcpt', 'pw') } });
    s.send({ type: 'send', id: 'm1', to: 'rcpt', data: '{"sdp":"…"}', contentType: 'application/json' });
    assert.deepEqual(await s.next(), { type: 'sent', id: 'm1' });
    const res = await fetch(`${server.url}/inbox`, { headers: { Authorization: basic('rcpt', 'pw') } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-from'), 'sender');
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(await res.text(), '{"sdp":"…"}');
    s.close();
  });

  test('base64 data is decoded to the exact bytes; no contentType means application/octet-stream', async () => {
    const s = await inboxReady(server, 'sender64');
    await fetch(`${server.url}/inbox`, { headers: { Authorization: basic('rcpt64', 'pw') } });
    s.send({ type: 'send', id: 'b', to: 'rcpt64', data: Buffer.from([0, 255, 1]).toString('base64'), encoding: 'base64' });
    assert.deepEqual(await s.next(), { type: 'sent', id: 'b' });
    const res = await fetch(`${server.url}/inbox`, { headers: { Authorization: basic('rcpt64', 'pw') } });
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), Buffer.from([0, 255, 1]));
    s.close();
  });

  test('sends are answered in the order sent, and queued in that order', async () => {
    const s = await inboxReady(server, 'order');
    for (let i = 0; i < 3; i++) s.send({ type: 'send', id: String(i), to: 'order', data: `n${i}` });
    const frames = [];
    for (let i = 0; i < 6; i++) frames.push(await s.next());
    assert.deepEqual(frames.filter((f) => f.type === 'sent').map((f) => f.id), ['0', '1', '2']);
    assert.deepEqual(frames.filter((f) => f.type === 'message').map((f) => f.data), ['n0', 'n1', 'n2']);
    s.close();
  });

  const errorCases: [string, Record<string, unknown>, number, string][] = [
    ['recipient does not exist', { to: 'nobody-here', data: 'x' }, 404, 'no_such_inbox'],
    ['recipient name invalid', { to: 'bad name', data: 'x' }, 400, 'invalid_recipient'],
    ['empty data', { to: 'err-rcpt', data: '' }, 400, 'empty_body'],
    ['bad base64', { to: 'err-rcpt', data: 'not base64!', encoding: 'base64' }, 400, 'invalid_data'],
    ['lone surrogate in text data', { to: 'err-rcpt', data: 'a\ud800b' }, 400, 'invalid_data'],
    ['contentType with CR LF', { to: 'err-rcpt', data: 'x', contentType: 'text/plain\r\nX-Evil: 1' }, 400, 'invalid_content_type'],
    ['data over maxMessageBytes', { to: 'err-rcpt', data: 'x'.repeat(65537) }, 413, 'message_too_large'],
  ];
  for (const [label, fields, status, code] of errorCases) {
    test(`${label}: error frame {id, code ${status}}, socket stays open`, async () => {
      await fetch(`${server.url}/inbox`, { headers: { Authorization: basic('err-rcpt', 'pw') } });
      const s = await inboxReady(server, 'err-sender');
      s.send({ type: 'send', id: 'e1', ...fields });
      const frame = await s.next();
      assert.equal(frame.type, 'error');
      assert.equal(frame.id, 'e1');
      assert.equal(frame.code, status);
      assert.equal(frame.error, code);
      assert.equal(typeof frame.message, 'string');
      s.send({ type: 'send', id: 'e2', to: 'err-sender', data: 'still here' });
      const two = [await s.next(), await s.next()]; // the ack and the message to self: either may come first
      assert.deepEqual(two.find((f) => f.type === 'sent'), { type: 'sent', id: 'e2' });
      assert.equal(two.find((f) => f.type === 'message')?.data, 'still here');
      s.close();
    });
  }

  test('exactly maxMessageBytes is accepted', async () => {
    const s = await inboxReady(server, 'max-sender');
    await fetch(`${server.url}/inbox`, { headers: { Authorization: basic('max-rcpt', 'pw') } });
    s.send({ type: 'send', id: 'm', to: 'max-rcpt', data: Buffer.alloc(65536, 7).toString('base64'), encoding: 'base64' });
    assert.deepEqual(await s.next(), { type: 'sent', id: 'm' });
    s.close();
  });

  test('recipient queue full: 503 inbox_full', async () => {
    await fetch(`${server.url}/inbox`, { headers: { Authorization: basic('full-rcpt', 'pw') } });
    const s = await inboxReady(server, 'full-sender');
    for (let i = 0; i < 4; i++) s.send({ type: 'send', id: `f${i}`, to: 'full-rcpt', data: 'x' });
    const frames = [await s.next(), await s.next(), await s.next(), await s.next()];
    assert.deepEqual(frames.slice(0, 3).map((f) => f.type), ['sent', 'sent', 'sent']);
    assert.equal(frames[3].code, 503);
    assert.equal(frames[3].error, 'inbox_full');
    assert.equal(frames[3].id, 'f3');
    s.close();
  });

  const malformedSends: [string, string | object][] = [
    ['missing id', { type: 'send', to: 'x', data: 'y' }],
    ['missing to', { type: 'send', id: '1', data: 'y' }],
    ['data not a string', { type: 'send', id: '1', to: 'x', data: { a: 1 } }],
    ['unknown encoding', { type: 'send', id: '1', to: 'x', data: 'y', encoding: 'hex' }],
    ['unknown type', { type: 'publish', id: '1' }],
    ['not JSON', 'send x y'],
  ];
  for (const [label, frame] of malformedSends) {
    test(`malformed frame after auth (${label}): close 4400`, async () => {
      const s = await inboxReady(server, 'malformed-sender');
      s.send(frame as string);
      const { frame: error, code } = await errorAndClose(s);
      assert.equal(error.error, 'malformed_frame');
      assert.equal(code, 4400);
    });
  }

  test('binary frame after auth: close 4400', async () => {
    const s = await inboxReady(server, 'binary-sender');
    s.sendBinary(Buffer.from([1, 2, 3]));
    const { frame, code } = await errorAndClose(s);
    assert.equal(frame.error, 'binary_frame');
    assert.equal(code, 4400);
  });

  test('a send of the largest text message is answered whatever its JSON escaping costs (quotes: ×2, control characters: ×6)', async () => {
    await fetch(`${server.url}/inbox`, { headers: { Authorization: basic('escaped-rcpt', 'pw') } });
    const s = await inboxReady(server, 'escaped-sender');
    for (const [id, text] of [['quotes', '"'.repeat(MAX_BYTES)], ['nul', '\u0000'.repeat(MAX_BYTES)]]) {
      s.send({ type: 'send', id, to: 'escaped-rcpt', data: text });
      assert.deepEqual(await s.next(), { type: 'sent', id });
      const res = await fetch(`${server.url}/inbox`, { headers: { Authorization: basic('escaped-rcpt', 'pw') } });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), text);
    }
    // One byte over the limit: an error frame, the socket stays.
    s.send({ type: 'send', id: 'over', to: 'escaped-rcpt', data: '\u0000'.repeat(MAX_BYTES + 1) });
    const over = await s.next();
    assert.deepEqual([over.type, over.id, over.error], ['error', 'over', 'message_too_large']);
    s.close();
  });

  test('a frame above maxPayloadLength closes the connection (uWS), nothing is queued', async () => {
    await fetch(`${server.url}/inbox`, { headers: { Authorization: basic('big-rcpt', 'pw') } });
    const s = await inboxReady(server, 'big-sender');
    s.send({ type: 'send', id: 'big', to: 'big-rcpt', data: 'x'.repeat(maxPayloadFor(MAX_BYTES) + 1000) });
    const { code } = await s.closed;
    assert.notEqual(code, 1000);
    assert.equal(s.frames.filter((f) => f.type === 'sent').length, 0);
    const res = await fetch(`${server.url}/inbox`, { headers: { Authorization: basic('big-rcpt', 'pw') } });
    assert.equal(res.status, 204);
  });
});
