import { readFileSync } from 'node:fs';

/** The process's open-file limits (RLIMIT_NOFILE); null where they cannot be read (not Linux). */
export interface FdLimits {
  readonly soft: number | null;
  readonly hard: number | null;
}

/**
 * Reads the open-file limits from /proc/self/limits. Node raises its soft
 * limit to the hard limit by itself at start-up (checked: `prlimit
 * --nofile=1024:20000 node` runs with 20000), so there is nothing to raise
 * from here; a higher hard limit must come from the service manager
 * (LimitNOFILE=, `ulimit -Hn`, docker --ulimit nofile=).
 */
export function readFdLimits(text?: string): FdLimits {
  let content = text;
  if (content === undefined) {
    try {
      content = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return { soft: null, hard: null };
    }
  }
  const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(content);
  const num = (v: string | undefined) => (v === undefined || v === 'unlimited' ? null : Number(v));
  return { soft: num(line?.[1]), hard: num(line?.[2]) };
}

/**
 * MAX_CONNECTIONS=auto: the soft limit minus a reserve, for what the count
 * cannot see (idle keep-alive and silent connections, which uWS closes after
 * about 10 s), files, the listen socket and outgoing requests: a quarter of
 * the limit, at most 1024. No cap (0) when the limit is unknown.
 */
export function autoMaxConnections(limits: FdLimits): number {
  if (limits.soft === null) return 0;
  return Math.max(1, limits.soft - Math.min(1024, Math.floor(limits.soft / 4)));
}
