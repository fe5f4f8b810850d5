import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config.ts';

/** Runs `fn`, which must throw a ConfigError; returns it. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}
