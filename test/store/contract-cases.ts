import assert from 'node:assert/strict';
import { test } from 'node:test';

/**
 * Cases a backend leaves out, each list with the reason it cannot have that
 * behaviour (the shape hono's router suites use): the case is reported as
 * skipped with the reason, never silently dropped.
 */
export interface Skip {
  readonly reason: string;
  /** Case names exactly as the suite gives them (without the backend prefix). */
  readonly tests: readonly string[];
}

/** Something a case built and must close when it ends, pass or fail. */
export type Track = <T extends { close(): Promise<void> }>(store: T) => T;

/** Declares a case: `fn` gets the suite's setup, bound to this case. */
export interface Cases<S> {
  (name: string, fn: (setup: S) => Promise<void>): void;
  /** Adds a case checking that every skipped name is a case of the suite (call once, after the last case). */
  done(): void;
}

/**
 * Runs a contract's cases as node:test tests named "<backend>: <case>".
 * `bind` makes the per-case setup; what it tracks is closed after the case
 * (a networked backend would otherwise keep the process alive).
 */
export function contractCases<S>(backend: string, skip: readonly Skip[], bind: (track: Track) => S): Cases<S> {
  const reasons = new Map<string, string>();
  for (const s of skip) for (const name of s.tests) reasons.set(name, s.reason);
  const declared = new Set<string>();
  const define = (name: string, fn: (setup: S) => Promise<void>): void => {
    assert.ok(!declared.has(name), `two cases named "${name}"`);
    declared.add(name);
    test(`${backend}: ${name}`, { skip: reasons.get(name) ?? false }, async () => {
      const opened: { close(): Promise<void> }[] = [];
      try {
        await fn(bind((store) => (opened.push(store), store)));
      } finally {
        for (const store of opened) await store.close();
      }
    });
  };
  return Object.assign(define, {
    done(): void {
      const unknown = [...reasons.keys()].filter((name) => !declared.has(name));
      test(`${backend}: the skip list names only cases of the suite`, () => assert.deepEqual(unknown, []));
    },
  });
}
