import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configurationMarkdown, loopLeaves } from '../src/config-describe.ts';
import { LOOP_SETTING_DOCS } from '../src/loop/settings-docs.ts';

test('docs/configuration.md is current (regenerate with npm run docs:config)', () => {
  const written = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(written, configurationMarkdown(), 'docs/configuration.md differs from the schema: run npm run docs:config');
});

test('every Loop setting has one line of meaning (a schema description or an entry in settings-docs.ts), and no entry is left without its setting', () => {
  const names = loopLeaves().map(([name]) => name);
  assert.deepEqual(loopLeaves().filter(([n, schema]) => !(schema.description ?? LOOP_SETTING_DOCS[n])).map(([n]) => n), []);
  assert.deepEqual(Object.keys(LOOP_SETTING_DOCS).filter((n) => !names.includes(n)), []);
});
