import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acceptsJson, missingFields, parseBody, parseIntLoose } from '../../src/loop/body.ts';
import { isLoopError, loopErrors, LoopError } from '../../src/loop/errors.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

test('JSON bodies: objects and arrays pass, empty is {}, scalars and malformed are 400 errno 106', () => {
  assert.deepEqual(parseBody('application/json; charset=utf-8', bytes('{"a":1}')), { a: 1 });
  assert.deepEqual(parseBody('Application/JSON', bytes('[1]')), [1]);
  assert.deepEqual(parseBody('application/json', bytes('')), {});
  for (const text of ['"x"', '5', 'null', '{"a":', '{a:1}']) {
    const out = parseBody('application/json', bytes(text));
    assert.ok(isLoopError(out), text);
    assert.deepEqual((out as LoopError).toJSON(), { code: 400, errno: 106, error: 'Invalid JSON' });
  }
});

test('prototype poisoning keys are dropped', () => {
  const out = parseBody('application/json', bytes('{"__proto__":{"x":1},"a":2}')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(out), ['a']);
  assert.equal(({} as Record<string, unknown>).x, undefined);
});

test('poisoning keys spelled with \\u escapes, constructor keys, and a body after a BOM are handled as before', () => {
  const escaped = parseBody('application/json', bytes('{"\\u005f_proto__":{"x":1},"a":2}')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(escaped), ['a']);
  const ctor = parseBody('application/json', bytes('{"constructor":{"prototype":{"x":1}},"a":2}')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(ctor), ['a']);
  // A key that only contains the words is kept.
  assert.deepEqual(parseBody('application/json', bytes('{"my_constructor_x":1,"a__proto__b":2}')), { my_constructor_x: 1, a__proto__b: 2 });
  assert.deepEqual(parseBody('application/json', bytes('\ufeff{"a":1}')), { a: 1 });
});

test('form bodies are flat string objects; other types are ignored', () => {
  assert.deepEqual({ ...parseBody('application/x-www-form-urlencoded', bytes('a=1&b=x%20y')) }, { a: '1', b: 'x y' });
  assert.deepEqual(parseBody('text/plain', bytes('{oops')), {});
  assert.deepEqual(parseBody('', bytes('{oops')), {});
});

test('§0 parse as integer', () => {
  assert.equal(parseIntLoose(5), 5);
  assert.equal(parseIntLoose('5'), 5);
  assert.equal(parseIntLoose('5 rooms'), 5);
  assert.equal(parseIntLoose(2.9), 2);
  assert.equal(parseIntLoose('-3'), -3);
  assert.ok(Number.isNaN(parseIntLoose('abc')));
  assert.ok(Number.isNaN(parseIntLoose(undefined)));
  // JSON values read as String() would read them, without calling anything the client sent
  assert.equal(parseIntLoose([7, 'x']), 7);
  assert.ok(Number.isNaN(parseIntLoose([[null], 3]))); // String([[null], 3]) is ",3"
  assert.ok(Number.isNaN(parseIntLoose({ toString: null })));
  assert.ok(Number.isNaN(parseIntLoose([{ valueOf: 1, toString: 'x' }])));
  assert.ok(Number.isNaN(parseIntLoose({})));
});

test('§2.2 required parameters: absent or undefined is missing, null is present, order kept', () => {
  assert.deepEqual(missingFields({ b: null }, ['a', 'b', 'c']), ['a', 'c']);
  assert.deepEqual(missingFields([] as never, ['a']), ['a']);
  assert.equal(loopErrors.missing(['event', 'action', 'label']).error, 'Missing: event, action, label');
  assert.equal(loopErrors.missing(['context,roomName', 'roomOwner']).error, 'Missing: context,roomName, roomOwner');
});

test('§2.2 negotiation: no Accept, */*, application/* and application/json are fine; text/html or q=0 are not', () => {
  for (const a of ['', '*/*', 'application/*', 'application/json', 'text/html, application/json;q=0.9']) assert.equal(acceptsJson(a), true, a);
  for (const a of ['text/html', 'application/json;q=0', 'image/png']) assert.equal(acceptsJson(a), false, a);
});

test('the errno writer shape: {code, errno, error}', () => {
  assert.equal(JSON.stringify(loopErrors.tokenNotFound()), '{"code":404,"errno":105,"error":"Token not found."}');
  assert.equal(JSON.stringify(loopErrors.hawkMissing()), '{"code":401,"errno":110,"error":{"statusCode":401,"error":"Unauthorized"}}');
  assert.deepEqual(loopErrors.unsupportedScheme('Basic,Hawk').headers, [['WWW-Authenticate', 'Basic,Hawk error="Unsupported"']]);
  assert.equal(loopErrors.backend().status, 503);
});
