import type { Row, TargetCheck } from './scenario.ts';

const fmt = (n: number | undefined | null, digits = 0): string =>
  n === undefined || n === null ? '' : n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function table(header: string[], lines: string[][], right: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const cell = (text: string, i: number) => (right[i] ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const out = [header.map(cell).join('  '), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const l of lines) out.push(l.map(cell).join('  '));
  return out.join('\n');
}

const LEGEND = [
  'CPU: % of one core over the measured window; "others on cores": what other processes took of the server\'s / generator\'s core.',
  'bound by: which core was full. "load-generator" or "machine-busy" (!) mean req/s is a lower bound, not the server\'s ceiling.',
  'est. max/s = req/s ÷ server CPU share: the server\'s rate with its core full, extrapolated from its CPU per request.',
].join('\n');

/** The human report: load rows, memory rows, warnings and targets. */
export function renderReport(rows: readonly Row[], targets: readonly TargetCheck[], failures: readonly string[]): string {
  const parts: string[] = [];
  const load = rows.filter((r) => r.reqPerSec !== undefined);
  if (load.length) {
    parts.push(table(
      ['scenario', 'run', 'req/s', 'round trips/s', 'p50 ms', 'p99 ms', 'latency of', '× ceiling', 'CPU server', 'CPU loadgen', 'others on cores', 'bound by', 'server µs/req', 'est. max/s', 'est. × ceiling'],
      load.map((r) => [
        r.scenario, r.run, fmt(r.reqPerSec), fmt(r.cyclesPerSec), fmt(r.p50Ms, 2), fmt(r.p99Ms, 2), r.latencyOf ?? '',
        r.ratioToCeiling === undefined || r.ratioToCeiling === null ? '' : `${fmt(r.ratioToCeiling * 100)} %`,
        r.cpu ? `${r.cpu.serverPct} %` : '', r.cpu ? `${r.cpu.loadPct} %` : '',
        r.cpu ? `${r.cpu.othersOnServerCorePct} / ${r.cpu.othersOnLoadCorePct} %` : '',
        (r.bound ?? '') + (r.saturated || r.contended ? ' (!)' : ''),
        fmt(r.serverUsPerRequest, 2), fmt(r.capacityEstimate),
        r.estimatedRatioToCeiling === undefined || r.estimatedRatioToCeiling === null ? '' : `${fmt(r.estimatedRatioToCeiling * 100)} %`,
      ]),
      [false, false, true, true, true, true, false, true, true, true, true, false, true, true, true],
    ) + '\n' + LEGEND);
  }
  const memory = rows.filter((r) => r.extra?.rssBytes !== undefined);
  if (memory.length) {
    parts.push(table(
      ['scenario', 'run', 'RSS MiB', 'bytes/inbox', 'created/s'],
      memory.map((r) => [r.scenario, r.run, fmt(Number(r.extra!.rssBytes) / 2 ** 20, 1), fmt(r.extra!.bytesPerInbox as number | undefined), fmt(r.extra!.createdPerSec as number | undefined)]),
      [false, false, true, true, true],
    ));
  }
  const warnings = rows.flatMap((r) => r.warnings.map((w) => `  ! ${r.scenario} / ${r.run}: ${w}`));
  if (warnings.length) parts.push(['Warnings (treat these figures with suspicion):', ...warnings].join('\n'));
  if (targets.length) {
    parts.push(table(
      ['target', 'scenario', 'measure', 'value', 'met', 'note'],
      targets.map((t) => [t.target, t.scenario, t.what, fmt(t.value, t.value !== null && t.value < 100 ? 2 : 0), t.met === null ? '?' : t.met ? 'yes' : 'NO', t.note ?? '']),
      [false, false, false, true, false, false],
    ));
  }
  if (failures.length) parts.push(['Scenarios that failed:', ...failures.map((f) => `  x ${f}`)].join('\n'));
  return parts.join('\n\n');
}
