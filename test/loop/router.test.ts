import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoopRouter, stripPrefix } from '../../src/loop/router.ts';

const noop = () => {};

test('§2.1 prefix stripping', () => {
  assert.equal(stripPrefix('/v1'), '/');
  assert.equal(stripPrefix('/v1/'), '/');
  assert.equal(stripPrefix('/v1/rooms/'), '/rooms');
  assert.equal(stripPrefix('/rooms'), '/rooms');
  assert.equal(stripPrefix('/V1/rooms'), '/rooms');
  assert.equal(stripPrefix('/v1x'), null);
  assert.equal(stripPrefix('/'), '/');
});

test('resolution: case-insensitive static paths, token segments decoded with case kept, HEAD as GET', () => {
  const router = new LoopRouter().add('GET', '/calls', { handler: noop }).add('POST', '/calls/{token}', { handler: noop }).add('GET', '/', { handler: noop });
  assert.equal(router.resolve('GET', '/CALLS/').kind, 'endpoint');
  assert.equal(router.resolve('HEAD', '/v1/calls').kind, 'endpoint');
  assert.equal(router.resolve('GET', '/v1').kind, 'endpoint');
  const r = router.resolve('POST', '/Calls/AbC%2Dx');
  assert.equal(r.kind, 'endpoint');
  assert.deepEqual(r.kind === 'endpoint' && r.params, ['AbC-x']);
  assert.equal(router.resolve('POST', '/calls/a/b').kind, 'none');
  assert.equal(router.resolve('POST', '/calls/%E0%A4%A').kind, 'none');
  assert.deepEqual(router.resolve('DELETE', '/calls'), { kind: 'methods', allow: 'GET,HEAD', prefixed: false });
  assert.deepEqual(router.resolve('GET', '/v1/nope'), { kind: 'none', prefixed: true });
  assert.deepEqual(router.resolve('GET', '/nope'), { kind: 'none', prefixed: false });
  assert.throws(() => router.add('GET', '/calls', { handler: noop }));
});
