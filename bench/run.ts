// `npm run bench`: starts the servers under test as pinned child processes,
// loads them over loopback from a generator pinned to another core, prints a
// table and writes bench/results/latest.json. See bench/README.md.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadUwsCore } from '../src/http/uws.ts';
import { loadBenchOptions } from './lib/options.ts';
import { canPin } from './lib/procs.ts';
import { renderReport } from './lib/report.ts';
import { doubt, SINGLE_RUN, type Ceiling, type Row, type Scenario, type ScenarioContext, type TargetCheck } from './lib/scenario.ts';

/** Run order; scenario files not listed here run after these, by name. The ceiling goes first: others compare to it. */
const ORDER = ['ceiling', 'post-inbox', 'get-empty', 'round-trip', 'memory', 'loop-registration', 'loop-call-url', 'loop-call', 'loop-rooms', 'loop-call-setup'];

async function loadScenarios(): Promise<Scenario[]> {
  const dir = fileURLToPath(new URL('./scenarios/', import.meta.url));
  const found: Scenario[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    const mod = (await import(pathToFileURL(dir + file).href)) as { scenario?: Scenario };
    if (mod.scenario) found.push(mod.scenario);
  }
  const rank = (s: Scenario) => (ORDER.includes(s.name) ? ORDER.indexOf(s.name) : ORDER.length);
  return found.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

async function main(): Promise<number> {
  const options = loadBenchOptions(process.env, fileURLToPath(new URL('./results/latest.json', import.meta.url)));
  const all = await loadScenarios();
  const unknown = options.only.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`bench: unknown scenario(s) ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}`);
    return 2;
  }
  const chosen = options.only.length ? all.filter((s) => options.only.includes(s.name)) : all;
  const core = loadUwsCore();
  const pinned = canPin(options.serverCpu) && canPin(options.loadCpu) && options.serverCpu !== options.loadCpu;
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryBytes: os.totalmem(),
    loadAverageAtStart: os.loadavg(),
    node: process.version,
    uws: core.description,
    uwsNative: core.native,
    pinning: pinned ? `server on core ${options.serverCpu}, load generator on core ${options.loadCpu} (taskset)` : 'none (taskset or a second core missing)',
  };
  console.error(`bench: ${chosen.map((s) => s.name).join(', ')}; ${options.durationSec} s per run; ${machine.pinning}; ${machine.uws}`);
  if (!pinned) console.error('bench: WARNING server and load generator share cores: figures are not comparable with the targets');
  if (!core.native) console.error('bench: WARNING the native uWS core did not load: the server will refuse to start');
  if (os.loadavg()[0] > 0.5) console.error(`bench: note: load average ${os.loadavg()[0].toFixed(2)} at start: other work on this machine will skew the figures`);

  const rows: Row[] = [];
  const targets: TargetCheck[] = [];
  const failures: string[] = [];
  const results: unknown[] = [];
  let ceiling: ScenarioContext['ceiling'];
  for (const scenario of chosen) {
    const ctx: ScenarioContext = { options, ceiling, log: (m) => console.error(`  ${m}`) };
    console.error(`\n[${scenario.name}] ${scenario.description}`);
    const started = Date.now();
    try {
      const result = await scenario.run(ctx);
      rows.push(...result.rows);
      targets.push(...result.targets);
      results.push({ name: scenario.name, description: scenario.description, seconds: (Date.now() - started) / 1000, ...result });
      if (scenario.name === 'ceiling' && result.rows[0]?.reqPerSec) {
        const of = (row: Row): Ceiling => ({ reqPerSec: row.reqPerSec!, capacityEstimate: row.capacityEstimate, doubt: doubt(row) });
        const find = (run: string) => result.rows.find((r) => r.run === run && r.reqPerSec);
        const post = find('max POST');
        const get1 = find(SINGLE_RUN);
        const post1 = find(`${SINGLE_RUN} POST`);
        ceiling = { get: of(result.rows[0]), post: post && of(post), single: get1 && { get: of(get1), post: post1 && of(post1) } };
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      failures.push(`${scenario.name}: ${message}`);
      results.push({ name: scenario.name, description: scenario.description, error: message });
      console.error(`  failed: ${message}`);
    }
  }

  console.log('\n' + renderReport(rows, targets, failures));
  mkdirSync(dirname(options.outFile), { recursive: true });
  const report = { finishedAt: new Date().toISOString(), machine, options, scenarios: results, targets };
  writeFileSync(options.outFile, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nwritten: ${options.outFile}`);
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
