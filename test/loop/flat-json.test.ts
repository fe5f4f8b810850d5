import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { flatJson, jsonString } from '../../src/loop/flat-json.ts';

/** Strings near the edges of the plain set: quotes, backslashes, controls, DEL, non-ASCII, lone surrogates. */
const edgy = fc.string({
  unit: fc.oneof(
    fc.constantFrom('a', 'Z', '0', '+', '/', '=', '~', ' ', '!', '#', '[', ']', '}'),
    fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u007f', 'é', '\u2028', '\ud800', '\udfff', '😀'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 40,
});

test('jsonString writes every string exactly as JSON.stringify does', () => {
  fc.assert(fc.property(edgy, (s) => assert.equal(jsonString(s), JSON.stringify(s))), { numRuns: 2000 });
  for (const s of ['', 'T1==abc+/=', 'a"b', 'a\\b', '\u007f', '\u0080', '\ud83d']) assert.equal(jsonString(s), JSON.stringify(s));
});

test('a flat serializer gives JSON.stringify\'s text: keys in order, absent ones skipped, non-finite numbers as null', () => {
  const KEYS = ['apiKey', 'session"Id', 'sessionToken', 'expires'] as const;
  const serialize = flatJson(KEYS);
  const value = fc.option(fc.oneof(edgy, fc.double(), fc.integer()), { nil: undefined });
  fc.assert(
    fc.property(fc.tuple(value, value, value, value), (values) => {
      const record: Record<string, string | number | undefined> = {};
      KEYS.forEach((key, i) => (record[key] = values[i]));
      assert.equal(serialize(record), JSON.stringify(record));
      assert.deepEqual(JSON.parse(serialize(record)), JSON.parse(JSON.stringify(record)));
    }),
    { numRuns: 2000 },
  );
  assert.equal(serialize({}), '{}');
  assert.equal(serialize({ expires: -0, apiKey: 'k' }), '{"apiKey":"k","expires":0}');
  assert.equal(serialize({ expires: Number.NaN, sessionToken: Infinity }), '{"sessionToken":null,"expires":null}');
});
