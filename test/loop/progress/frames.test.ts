import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFrame, MAX_FRAME_BYTES } from '../../../src/loop/progress/frames.ts';

const error = (reason: string) => ({ kind: 'error', reason });
const ok = (message: object) => ({ kind: 'message', message });
const decode = (v: unknown) => decodeFrame(typeof v === 'string' ? v : JSON.stringify(v));

test('valid messages pass through unchanged (extra fields kept)', () => {
  const hello = { messageType: 'hello', callId: 'c', auth: 't', extra: 1 };
  assert.deepEqual(decode(hello), ok(hello));
  assert.deepEqual(decode({ messageType: 'action', event: 'accept' }), ok({ messageType: 'action', event: 'accept' }));
  assert.deepEqual(decode({ messageType: 'action', event: 'media-up' }), ok({ messageType: 'action', event: 'media-up' }));
  assert.deepEqual(decode({ messageType: 'action', event: 'terminate' }), ok({ messageType: 'action', event: 'terminate' }));
  const busy = { messageType: 'action', event: 'terminate', reason: 'Busy-2' };
  assert.deepEqual(decode(busy), ok(busy));
  assert.deepEqual(decode({ messageType: 'echo', echo: { a: [1, null] } }), ok({ messageType: 'echo', echo: { a: [1, null] } }));
  assert.deepEqual(decode({ messageType: 'echo' }), ok({ messageType: 'echo' }));
});

test('bytes are decoded as UTF-8; invalid UTF-8 is malformed', () => {
  const bytes = new TextEncoder().encode('{"messageType":"echo","echo":"é"}');
  assert.deepEqual(decodeFrame(bytes), ok({ messageType: 'echo', echo: 'é' }));
  assert.deepEqual(decodeFrame(bytes.buffer), ok({ messageType: 'echo', echo: 'é' }));
  assert.deepEqual(decodeFrame(new Uint8Array([0x7b, 0xff, 0x7d])), error('Malformed message.'));
});

test('not JSON → Malformed message.', () => {
  for (const text of ['', 'foo', '{"messageType":', "{'messageType':'echo'}"]) {
    assert.deepEqual(decodeFrame(text), error('Malformed message.'), text);
  }
});

test('no or unknown messageType → Unknown messageType (also for JSON that is not an object)', () => {
  for (const v of [{}, { messageType: 'ping' }, { messageType: 5 }, { messageType: 'toString' }, 5, null, [], ['hello']]) {
    assert.deepEqual(decode(v), error('Unknown messageType'), JSON.stringify(v));
  }
  assert.deepEqual(decodeFrame('"hello"'), error('Unknown messageType'));
});

test('hello: missing callId / auth are listed, in that order', () => {
  assert.deepEqual(decode({ messageType: 'hello' }), error('Missing parameters: callId, auth'));
  assert.deepEqual(decode({ messageType: 'hello', auth: 'x' }), error('Missing parameters: callId'));
  assert.deepEqual(decode({ messageType: 'hello', callId: 'x' }), error('Missing parameters: auth'));
});

test('hello: a callId that is not a string is a bad callId; any auth value passes to the call lookup', () => {
  assert.deepEqual(decode({ messageType: 'hello', callId: 5, auth: 'x' }), error('bad callId'));
  assert.deepEqual(decode({ messageType: 'hello', callId: null, auth: 7 }), error('bad callId'));
  assert.deepEqual(decode({ messageType: 'hello', callId: 'c', auth: 7 }), ok({ messageType: 'hello', callId: 'c', auth: 7 }));
  assert.deepEqual(decode({ messageType: 'hello', callId: 'c', auth: null }), ok({ messageType: 'hello', callId: 'c', auth: null }));
});

test('action: missing event, unknown event, bad terminate reason', () => {
  assert.deepEqual(decode({ messageType: 'action' }), error('Missing parameters: event'));
  const invalid = (e: string) => error(`${e} state is invalid. Should be one of: accept, media-up, terminate`);
  assert.deepEqual(decode({ messageType: 'action', event: 'ring' }), invalid('ring'));
  assert.deepEqual(decode({ messageType: 'action', event: '' }), invalid(''));
  assert.deepEqual(decode({ messageType: 'action', event: 5 }), invalid('5'));
  assert.deepEqual(decode({ messageType: 'action', event: null }), invalid('null'));
  assert.deepEqual(decode({ messageType: 'action', event: { toString: 1 } }), invalid('{"toString":1}'));
  for (const reason of ['t#is', '', 'a b', 'é', 5, null]) {
    assert.deepEqual(
      decode({ messageType: 'action', event: 'terminate', reason }),
      error('Invalid reason: should be alphanumeric'),
      JSON.stringify(reason),
    );
  }
});

test('action: a reason on accept or media-up is not checked (as in the original)', () => {
  const accept = { messageType: 'action', event: 'accept', reason: 't#is' };
  assert.deepEqual(decode(accept), ok(accept));
});

test('frames above 64 KiB are too large; exactly 64 KiB is decoded', () => {
  const pad = (n: number) => `{"messageType":"echo","echo":"${'x'.repeat(n - 32)}"}`;
  const exact = pad(MAX_FRAME_BYTES);
  assert.equal(Buffer.byteLength(exact), MAX_FRAME_BYTES);
  assert.equal(decodeFrame(exact).kind, 'message');
  assert.equal(decodeFrame(pad(MAX_FRAME_BYTES + 1)).kind, 'too-large');
  assert.equal(decodeFrame(Buffer.from(pad(MAX_FRAME_BYTES + 1))).kind, 'too-large');
  assert.equal(decodeFrame(Buffer.from(exact)).kind, 'message');
  // Counted in bytes, not characters: 22 000 three-byte characters are 66 000 bytes.
  assert.equal(decodeFrame(`{"messageType":"echo","echo":"${'€'.repeat(22_000)}"}`).kind, 'too-large');
});
