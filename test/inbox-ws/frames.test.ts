import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errors } from '../../src/errors.ts';
import {
  contentTypeOk, errorFrame, isMalformed, messageFrame, parseClientFrame, sendBody, sentFrame,
} from '../../src/inbox/ws-frames.ts';

describe('ws-frames: parseClientFrame', () => {
  test('valid auth and send frames come back typed', () => {
    assert.deepEqual(parseClientFrame('{"type":"auth","username":"a","password":"b"}'), { type: 'auth', username: 'a', password: 'b' });
    const send = parseClientFrame('{"type":"send","id":"1","to":"b","data":"x","contentType":"text/plain","encoding":"utf8"}');
    assert.equal(isMalformed(send), false);
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', '{', /not valid JSON/],
    ['a string', '"auth"', /not a JSON object/],
    ['null', 'null', /not a JSON object/],
    ['an array', '[]', /not a JSON object/],
    ['unknown type', '{"type":"ping"}', /unknown frame type "ping"/],
    ['inherited type name', '{"type":"toString"}', /unknown frame type/],
    ['missing field', '{"type":"send","id":"1","to":"b"}', /bad "send" frame: data/],
    ['wrong field type', '{"type":"auth","username":1,"password":"b"}', /bad "auth" frame: username/],
    ['id too long', JSON.stringify({ type: 'send', id: 'i'.repeat(257), to: 'b', data: 'x' }), /bad "send" frame: id/],
    ['prototype pollution', '{"type":"auth","username":"a","password":"b","__proto__":{}}', /not valid JSON/],
  ];
  for (const [label, text, why] of bad) {
    test(`malformed: ${label}`, () => {
      const out = parseClientFrame(text);
      assert.ok(isMalformed(out));
      assert.match(out.malformed, why);
    });
  }
});

describe('ws-frames: builders', () => {
  test('message frame: UTF-8 as text, anything else as base64', () => {
    const text = JSON.parse(messageFrame({ from: 'a', contentType: 't', body: Buffer.from('héllo') }));
    assert.deepEqual(text, { type: 'message', from: 'a', contentType: 't', data: 'héllo' });
    const bin = JSON.parse(messageFrame({ from: 'a', contentType: 't', body: new Uint8Array([0xc3]) }));
    assert.deepEqual(bin, { type: 'message', from: 'a', contentType: 't', data: 'ww==', encoding: 'base64' });
  });

  test('a leading BOM survives', () => {
    const frame = JSON.parse(messageFrame({ from: 'a', contentType: 't', body: Buffer.from('\ufeffx') }));
    assert.equal(frame.data, '\ufeffx');
  });

  test('a body that is a view into a larger buffer is encoded from its own bytes only', () => {
    const big = new Uint8Array([1, 0xff, 0xfe, 2]);
    const frame = JSON.parse(messageFrame({ from: 'a', contentType: 't', body: big.subarray(1, 3) }));
    assert.equal(frame.data, Buffer.from([0xff, 0xfe]).toString('base64'));
  });

  test('error and sent frames', () => {
    assert.deepEqual(JSON.parse(errorFrame(errors.noSuchInbox('x'), 'id1')), {
      type: 'error', id: 'id1', code: 404, error: 'no_such_inbox', message: errors.noSuchInbox('x').message,
    });
    assert.equal('id' in JSON.parse(errorFrame(errors.wrongPassword())), false);
    assert.deepEqual(JSON.parse(sentFrame('7')), { type: 'sent', id: '7' });
  });

  test('sendBody: utf8 by default, strict base64', () => {
    assert.deepEqual(sendBody({ type: 'send', id: '', to: 'b', data: 'é' }), Buffer.from('é'));
    assert.deepEqual(sendBody({ type: 'send', id: '', to: 'b', data: 'AAE=', encoding: 'base64' }), Buffer.from([0, 1]));
    assert.equal(sendBody({ type: 'send', id: '', to: 'b', data: 'AAE', encoding: 'base64' }), null);
    assert.equal(sendBody({ type: 'send', id: '', to: 'b', data: 'A A=', encoding: 'base64' }), null);
  });

  test('contentTypeOk: header-safe only', () => {
    assert.equal(contentTypeOk('application/json; charset=utf-8'), true);
    assert.equal(contentTypeOk(''), false);
    assert.equal(contentTypeOk(' x'), false);
    assert.equal(contentTypeOk('a\r\nb'), false);
    assert.equal(contentTypeOk('é'), false);
    assert.equal(contentTypeOk('x'.repeat(256)), false);
  });
});
