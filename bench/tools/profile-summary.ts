// Summarises a V8 .cpuprofile (from BENCH_CPU_PROF=dir): self time by
// function and by file, and total (inclusive) time by function, top N, in %
// of the busy (non-idle) time.
//   npx tsx bench/tools/profile-summary.ts FILE [N] [FROM-TO]
// FROM-TO (seconds from the profile's start, e.g. 40-55) keeps only that window's samples, to
// look at one run of a scenario; --timeline prints the busy share of every second, to find it.
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const timeline = args.includes('--timeline');
const [file, topArg, windowArg] = args.filter((a) => a !== '--timeline');
const window = windowArg?.match(/^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/);
if (!file || (windowArg !== undefined && !window)) {
  console.error('usage: tsx bench/tools/profile-summary.ts FILE.cpuprofile [N] [FROM-TO] [--timeline]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const [fromUs, toUs] = window ? [Number(window[1]) * 1e6, Number(window[2]) * 1e6] : [0, Infinity];
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const idleIds = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
const selfUs = new Map<number, number>();
const busyPerSec: number[] = [];
let at = 0; // µs since the first sample
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i] ?? 0;
  at += us;
  if (!idleIds.has(id)) busyPerSec[Math.floor(at / 1e6)] = (busyPerSec[Math.floor(at / 1e6)] ?? 0) + us;
  if (at >= fromUs && at < toUs) selfUs.set(id, (selfUs.get(id) ?? 0) + us);
});
if (timeline) {
  console.log('busy share of each second since the first sample:');
  busyPerSec.forEach((us, s) => console.log(`${String(s).padStart(4)} s  ${((us / 1e4) | 0).toString().padStart(3)} %`));
  console.log('');
}
const sampled = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = [...selfUs].filter(([id]) => idleIds.has(id)).reduce((a, [, us]) => a + us, 0);
const total = sampled - idle;
for (const id of idleIds) selfUs.delete(id);

function tally(key: (n: Node) => string): [string, number][] {
  const out = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const k = key(byId.get(id)!);
    out.set(k, (out.get(k) ?? 0) + us);
  }
  return [...out].sort((a, b) => b[1] - a[1]).slice(0, top);
}
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);

/** Time spent in each function or anything it called (each function counted once per stack). */
function inclusive(key: (n: Node) => string): [string, number][] {
  const out = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = key(byId.get(at)!);
      if (seen.has(k)) continue;
      seen.add(k);
      out.set(k, (out.get(k) ?? 0) + us);
    }
  }
  return [...out].sort((a, b) => b[1] - a[1]).slice(0, top);
}
const short = (url: string) => url.replace(/^file:\/\/.*?\/(src|node_modules|bench)\//, '$1/') || '(native)';
const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)} %`;

console.log(`${file}: ${(sampled / 1e6).toFixed(2)} s sampled, ${(total / 1e6).toFixed(2)} s busy (percentages are of busy time)\n\nself time by function:`);
for (const [k, us] of tally((n) => `${n.callFrame.functionName || '(anonymous)'}  ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`)) console.log(`${pct(us)}  ${k}`);
console.log('\nself time by file:');
for (const [k, us] of tally((n) => short(n.callFrame.url))) console.log(`${pct(us)}  ${k}`);
console.log('\ntotal time by function (self + callees):');
for (const [k, us] of inclusive((n) => `${n.callFrame.functionName || '(anonymous)'}  ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`)) console.log(`${pct(us)}  ${k}`);
