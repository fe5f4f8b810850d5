// Writes docs/configuration.md from the config schema: `npm run docs:config`.
import { writeFileSync } from 'node:fs';
import { configurationMarkdown } from '../src/config-describe.ts';

const path = new URL('../docs/configuration.md', import.meta.url);
writeFileSync(path, configurationMarkdown());
console.log(`wrote ${path.pathname}`);
