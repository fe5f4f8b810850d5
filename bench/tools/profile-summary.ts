// Summarises a V8 .cpuprofile (from BENCH_CPU_PROF=dir): self time by
// function and by file, and total (inclusive) time by function, top N, in %
// of the busy (non-idle) time. Usage: npx tsx bench/tools/profile-summary.ts FILE [N]
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

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/tools/profile-summary.ts FILE.cpuprofile [N]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const sampled = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idleIds = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
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
