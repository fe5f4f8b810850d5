import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import OpenTok from 'opentok';
import { FakeMediaProvider } from '../../../src/loop/external/provider/fake.ts';
import { apiKeyOfSessionId } from '../../../src/loop/external/provider/opentok.ts';

const NOW_MS = 1_700_000_123_456;
const provider = () => new FakeMediaProvider({ fakeApiKey: '44669102', fakeApiSecret: 'sekrit', nowMs: () => NOW_MS });

function decodeToken(token: string): { partner: string; sig: string; data: string; fields: URLSearchParams } {
  assert.ok(token.startsWith('T1=='));
  const decoded = Buffer.from(token.slice(4), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const head = new URLSearchParams(decoded.slice(0, colon));
  const data = decoded.slice(colon + 1);
  return { partner: head.get('partner_id')!, sig: head.get('sig')!, data, fields: new URLSearchParams(data) };
}

test('session ids have the OpenTok shape: 1_ + base64url of 1~key~~ms~24 random chars~', async () => {
  const p = provider();
  const { apiKey, sessionId } = await p.createSession('nightly');
  assert.equal(apiKey, '44669102');
  assert.ok(sessionId.startsWith('1_MX40NDY2OTEwMn5-'), sessionId);
  assert.match(sessionId, /^1_[A-Za-z0-9_-]+$/, 'base64url, no padding');
  const raw = Buffer.from(sessionId.slice(2), 'base64url').toString('utf8');
  assert.match(raw, /^1~44669102~~1700000123456~[A-Za-z0-9+/]{24}~$/);
  assert.equal(apiKeyOfSessionId(sessionId), '44669102');
  const other = await p.createSession('nightly');
  assert.notEqual(other.sessionId, sessionId);
});

test('tokens are T1== with partner_id, an HMAC-SHA1 signature and the data fields in order', async () => {
  const p = provider();
  const { sessionId } = await p.createSession('default');
  const token = p.createToken(sessionId, 'default', 'moderator', 1_700_086_523.9);
  const { partner, sig, data, fields } = decodeToken(token);
  assert.equal(partner, '44669102');
  assert.equal(sig, createHmac('sha1', 'sekrit').update(data).digest('hex'));
  assert.match(
    data,
    new RegExp(`^session_id=${sessionId}&create_time=1700000123&nonce=[0-9a-f]{32}&role=moderator&expire_time=1700086523&initial_layout_class_list=$`),
  );
  assert.equal(fields.get('role'), 'moderator');
  assert.equal(decodeToken(p.createToken(sessionId, 'default', 'publisher', 1_700_086_523)).fields.get('role'), 'publisher');
});

test('the OpenTok SDK accepts fake session ids and fake tokens verify with its own helper', async () => {
  const p = provider();
  const { sessionId } = await p.createSession('default');
  // generateToken throws unless the session id decodes to this api key.
  const sdk = new OpenTok('44669102', 'sekrit');
  assert.ok(sdk.generateToken(sessionId, { role: 'publisher' }).length > 0);
  const helpers = createRequire(import.meta.url)('opentok-token/helpers.js');
  const token = p.createToken(sessionId, 'default', 'publisher', Math.floor(NOW_MS / 1000) + 60);
  assert.equal(helpers.verifyTokenSignature(token, 'sekrit'), true);
  assert.equal(helpers.verifyTokenSignature(token, 'other'), false);
  assert.equal(helpers.decodeToken(token).session_id, sessionId);
});

test('tokens are unique (fresh 128-bit nonce each time)', async () => {
  const p = provider();
  const { sessionId } = await p.createSession('default');
  const seen = new Set<string>();
  const nonces = new Set<string>();
  for (let i = 0; i < 500; i++) {
    const t = p.createToken(sessionId, 'default', 'publisher', 1_700_086_523);
    seen.add(t);
    nonces.add(decodeToken(t).fields.get('nonce')!);
  }
  assert.equal(seen.size, 500);
  assert.equal(nonces.size, 500);
});

test('fake flag, api key for every channel, ping, and simulated failures', async () => {
  const p = provider();
  assert.equal(p.fake, true);
  assert.equal(p.currentApiKey('default'), '44669102');
  assert.equal(p.currentApiKey('no-such-channel'), '44669102');
  await p.ping();
  p.failNextSessions(2);
  await assert.rejects(async () => p.createSession('default'));
  await assert.rejects(async () => p.createSession('default'));
  assert.ok((await p.createSession('default')).sessionId.startsWith('1_'));
});

test('tokens and session ids decode to their exact text, for long and non-ASCII inputs too', async () => {
  const p = new FakeMediaProvider({ fakeApiKey: 'clé-ü', fakeApiSecret: 'sekrit', nowMs: () => NOW_MS });
  const { sessionId } = await p.createSession('default');
  assert.match(Buffer.from(sessionId.slice(2), 'base64url').toString('utf8'), /^1~clé-ü~~1700000123456~[A-Za-z0-9+/]{24}~$/);
  for (const id of [sessionId, 'x'.repeat(5000)]) {
    const token = p.createToken(id, 'default', 'publisher', 1_700_086_523);
    const { partner, sig, data, fields } = decodeToken(token);
    assert.equal(partner, 'clé-ü');
    assert.equal(fields.get('session_id'), id);
    assert.equal(sig, createHmac('sha1', 'sekrit').update(data).digest('hex'));
    assert.equal(token, 'T1==' + Buffer.from(`partner_id=clé-ü&sig=${sig}:${data}`).toString('base64'));
  }
});
