import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

/** The derived default never goes below this (a tiny container still queues a few messages)… */
export const MIN_DEFAULT_QUEUED_BYTES = 16 * MIB;
/** …nor above this: past a few GiB, queued signaling messages mean abuse, not traffic. */
export const MAX_DEFAULT_QUEUED_BYTES = 4 * GIB;

/**
 * The files that may hold a memory limit on this process: its own cgroup's
 * and every ancestor's (a limit on a parent binds too; systemd puts a
 * service's MemoryMax= on a cgroup below the root), for cgroup v2 (`0::/path`
 * in /proc/self/cgroup) and v1 (`N:memory:/path`). "max", or v1's huge
 * number, means none. In a container the path is usually `/` (the root files).
 */
function cgroupLimitFiles(source: MemorySource): string[] {
  const files = ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'];
  for (const line of (source.readText('/proc/self/cgroup') ?? '').split('\n')) {
    const m = /^\d+:([^:]*):(\/.*)$/.exec(line.trim());
    if (!m) continue;
    const v2 = m[1] === '';
    if (!v2 && !m[1].split(',').includes('memory')) continue;
    for (let dir = m[2].replace(/\/+$/, ''); dir !== ''; dir = dir.slice(0, dir.lastIndexOf('/'))) {
      files.push(v2 ? `/sys/fs/cgroup${dir}/memory.max` : `/sys/fs/cgroup/memory${dir}/memory.limit_in_bytes`);
    }
  }
  return files;
}

export interface MemorySource {
  totalMemBytes(): number;
  /** The file's text, or undefined when it cannot be read. */
  readText(path: string): string | undefined;
}

const systemMemory: MemorySource = {
  totalMemBytes: () => totalmem(),
  readText(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/** The memory this process may use: the machine's, or the cgroup limit when one is set and lower. */
export function availableMemoryBytes(source: MemorySource = systemMemory): number {
  let limit = source.totalMemBytes();
  for (const path of cgroupLimitFiles(source)) {
    const text = source.readText(path)?.trim();
    if (text && /^\d+$/.test(text)) limit = Math.min(limit, Number(text));
  }
  return limit;
}

/** The default of MAX_QUEUED_BYTES: a quarter of the available memory, within [16 MiB, 4 GiB]. */
export function defaultQueuedBytes(source: MemorySource = systemMemory): number {
  const quarter = Math.floor(availableMemoryBytes(source) / 4);
  return Math.min(MAX_DEFAULT_QUEUED_BYTES, Math.max(MIN_DEFAULT_QUEUED_BYTES, quarter));
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: KIB, kb: KIB, kib: KIB, m: MIB, mb: MIB, mib: MIB, g: GIB, gb: GIB, gib: GIB };

/**
 * A byte count as users write it: "1048576", "512KiB", "64 MiB", "2G" (units
 * are binary: K = 1024). Returns undefined when the text is not one.
 */
export function parseBytes(text: string): number | undefined {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = UNITS[m[2].toLowerCase()];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}
