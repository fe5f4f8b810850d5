import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostForClients } from '../../src/http/listening.ts';
import { PublicUrls } from '../../src/loop/public-urls.ts';

const base = { protocol: 'http' as const, progressURLEndpoint: '/websocket', callUrls: {}, rooms: {} };

test('without settings, every URL follows the address the server listens on, once it reports it', () => {
  const urls = new PublicUrls(base, 'localhost:5000');
  assert.equal(urls.progressUrl, 'ws://localhost:5000/websocket');
  urls.listeningOn('localhost:5605');
  assert.equal(urls.progressUrl, 'ws://localhost:5605/websocket');
  assert.equal(urls.callUrl('abc'), 'http://localhost:5605/c/abc');
  assert.equal(urls.roomUrl('xyz'), 'http://localhost:5605/xyz');
  assert.equal(urls.origin, 'http://localhost:5605');
});

test('settings win: publicServerAddress, https, and the web-app templates', () => {
  const urls = new PublicUrls(
    { ...base, protocol: 'https', publicServerAddress: 'loop.example:8443', callUrls: { webAppUrl: 'https://hello.example/c/{token}' }, rooms: { webAppUrl: 'https://hello.example/{token}' } },
    'localhost:5000',
  );
  urls.listeningOn('localhost:5999');
  assert.equal(urls.progressUrl, 'wss://loop.example:443/websocket');
  assert.equal(urls.origin, 'https://loop.example:8443');
  assert.equal(urls.callUrl('t'), 'https://hello.example/c/t');
  assert.equal(urls.roomUrl('r'), 'https://hello.example/r');
});

test('a wildcard bind is reached at localhost; an IPv6 address is bracketed', () => {
  assert.equal(hostForClients('0.0.0.0'), 'localhost');
  assert.equal(hostForClients('::'), 'localhost');
  assert.equal(hostForClients('127.0.0.1'), '127.0.0.1');
  assert.equal(hostForClients('::1'), '[::1]');
});
