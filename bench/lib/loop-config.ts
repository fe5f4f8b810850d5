import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The environment of a Loop benchmark server: a config file that lifts the
 * per-user quotas (rooms per owner, call URLs and calls per user) and the
 * store's call and nonce caps, which a load from a few hundred sessions passes in
 * seconds. Every other Loop setting keeps its default.
 */
export function loopBenchEnv(): Record<string, string> {
  const path = join(mkdtempSync(join(tmpdir(), 'signalbox-bench-')), 'loop.json');
  const big = 10_000_000;
  writeFileSync(path, JSON.stringify({ limits: { roomsPerOwner: big, callUrlsPerUser: big, callsPerUser: big, calls: big, callUrls: big, nonces: big } }));
  return { SIGNALBOX_CONFIG: path };
}
