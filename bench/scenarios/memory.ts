import { rssBytes } from '../lib/procs.ts';
import { below, type Row, type Scenario, type TargetCheck } from '../lib/scenario.ts';
import { gcNow, startSignalbox } from '../lib/servers.ts';
import { createInboxes } from '../lib/setup.ts';

/** The reference Go server holds about this much RSS per idle inbox; the target is ≤ 300. */
const REFERENCE_BYTES_PER_INBOX = 1_470;
const TARGET_BYTES_PER_INBOX = 300;
const WARM_INBOXES = 2_000;

/** RSS after a full GC and a pause for the allocator to hand pages back. */
async function settledRss(server: Parameters<typeof gcNow>[0]): Promise<number> {
  await gcNow(server, 1500);
  await gcNow(server, 1500);
  return rssBytes(server.pid);
}

/**
 * Idle inboxes: a fresh server, warmed with a few inboxes, then filled to
 * each size with distinct names (one GET each); RSS is read from outside
 * (/proc/<pid>/status) after a forced GC. Bytes per inbox =
 * (RSS − RSS before filling) / inboxes added.
 */
export const scenario: Scenario = {
  name: 'memory',
  description: 'RSS of idle inboxes (created by one GET each, then left alone)',
  async run(ctx) {
    const sizes = ctx.options.memorySizes;
    const largest = sizes[sizes.length - 1];
    const server = await startSignalbox(ctx.options, {
      gcHook: true,
      env: { MAX_INBOXES: String(largest + WARM_INBOXES + 1000) },
    });
    try {
      // Warm the JIT and the allocator so the baseline is the steady server, not the cold one.
      await createInboxes(ctx, server, 'warm', WARM_INBOXES);
      const baseline = await settledRss(server);
      ctx.log(`memory: baseline RSS ${(baseline / 2 ** 20).toFixed(1)} MiB`);
      const rows: Row[] = [{ scenario: 'memory', run: 'baseline', warnings: [], extra: { rssBytes: baseline, inboxes: WARM_INBOXES } }];
      const targets: TargetCheck[] = [];
      let made = 0;
      for (const size of sizes) {
        ctx.log(`memory: creating ${(size - made).toLocaleString('en')} more inboxes (to ${size.toLocaleString('en')})`);
        const rate = await createInboxes(ctx, server, 'idle', size - made, made);
        made = size;
        const rss = await settledRss(server);
        const perInbox = Math.round((rss - baseline) / size);
        ctx.log(`memory: ${size.toLocaleString('en')} idle inboxes: RSS ${(rss / 2 ** 20).toFixed(1)} MiB, ${perInbox} B/inbox`);
        rows.push({
          scenario: 'memory',
          run: `${size.toLocaleString('en')} idle inboxes`,
          warnings: [],
          extra: { inboxes: size, rssBytes: rss, bytesPerInbox: perInbox, createdPerSec: Math.round(rate) },
        });
        targets.push(below('memory', `RSS per idle inbox at ${size.toLocaleString('en')} (bytes)`, perInbox, TARGET_BYTES_PER_INBOX + 1,
          `≤ ${TARGET_BYTES_PER_INBOX} B (reference ${REFERENCE_BYTES_PER_INBOX.toLocaleString('en')} B)`));
      }
      return { rows, targets };
    } finally {
      await server.stop();
    }
  },
};
