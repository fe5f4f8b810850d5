import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { InboxMessage } from '../../src/client/index.ts';
import { base64ToBytes, basicAuth, bytesToBase64 } from '../../src/client/message.ts';

const dir = new URL('../../src/client/', import.meta.url).pathname;

describe('src/client runs in browsers', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    test(`${file} imports nothing from Node or uWS and uses no Buffer/process`, () => {
      const source = readFileSync(join(dir, file), 'utf8');
      const imports = [...source.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
      for (const spec of imports) assert.match(spec, /^\.\/[\w-]+\.ts$/, `${file} imports ${spec}`);
      assert.doesNotMatch(source, /\bBuffer\b|\bprocess\.|\brequire\(/, file);
    });
  }
});

describe('client helpers', () => {
  test('base64 round trip of every byte value, and of a large array', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.equal(bytesToBase64(all), Buffer.from(all).toString('base64'));
    assert.deepEqual(base64ToBytes(bytesToBase64(all)), all);
    const big = new Uint8Array(200_000).map((_, i) => i * 7);
    assert.deepEqual(base64ToBytes(bytesToBase64(big)), big);
  });

  test('Basic auth encodes UTF-8 credentials (RFC 7617)', () => {
    assert.equal(basicAuth('alice', 'pässwörd'), 'Basic ' + Buffer.from('alice:pässwörd', 'utf8').toString('base64'));
  });

  test('InboxMessage text() and json()', () => {
    const m = new InboxMessage('bob', 'application/json', new TextEncoder().encode('{"a":[1,"é"]}'));
    assert.equal(m.text(), '{"a":[1,"é"]}');
    assert.deepEqual(m.json(), { a: [1, 'é'] });
    assert.throws(() => new InboxMessage('bob', 't', new Uint8Array([0x7b])).json(), SyntaxError);
  });
});
