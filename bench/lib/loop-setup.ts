import { randomBytes } from 'node:crypto';
import { credentialsOfToken, hawkAuthorization } from './hawk-sign.ts';
import type { ServerProcess } from './servers.ts';

/** Requests the set-up keeps in flight (it runs in the bench process, before any measured run). */
const CONCURRENCY = 32;

/** Runs `task(i)` for i in [0, count) with CONCURRENCY in flight; results in order. */
async function pooled<T>(count: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
  return out;
}

async function expectOk(res: Response, what: string, status = 200): Promise<string> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${text.slice(0, 200)}`);
  return text;
}

/** Registers `count` anonymous Loop sessions (POST /v1/registration {}); resolves to their session tokens. */
export function registerSessions(server: ServerProcess, count: number): Promise<string[]> {
  return pooled(count, async () => {
    const res = await fetch(`${server.url}/v1/registration`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await expectOk(res, 'POST /v1/registration');
    const token = res.headers.get('hawk-session-token');
    if (!token) throw new Error('POST /v1/registration: no Hawk-Session-Token');
    return token;
  });
}

const nonceBase = randomBytes(4).toString('hex');
let nonceCount = 0;

/** A Hawk-signed JSON POST as the session of `token`; resolves to the parsed body (of status `status`). */
export async function hawkPost(server: ServerProcess, token: string, path: string, body: unknown, status = 200): Promise<Record<string, unknown>> {
  const authorization = hawkAuthorization(credentialsOfToken(token), {
    method: 'POST', resource: path, host: '127.0.0.1', port: server.port, ts: Math.floor(Date.now() / 1000), nonce: `s${nonceBase}${(nonceCount++).toString(36)}`,
  });
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return JSON.parse(await expectOk(res, `POST ${path}`, status)) as Record<string, unknown>;
}

/** Creates `perSession` call URLs for each session token (POST /v1/call-url); resolves to their call tokens. */
export function createCallUrls(server: ServerProcess, tokens: readonly string[], perSession: number): Promise<string[]> {
  return pooled(tokens.length * perSession, async (i) => {
    const answer = await hawkPost(server, tokens[i % tokens.length], '/v1/call-url', { callerId: `bench-${i}@example.test` });
    if (typeof answer.callToken !== 'string') throw new Error(`POST /v1/call-url: no callToken in ${JSON.stringify(answer)}`);
    return answer.callToken;
  });
}
