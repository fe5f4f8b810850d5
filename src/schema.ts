import { createRequire } from 'node:module';
import type * as TypeBox from '@sinclair/typebox';
import type * as TypeBoxCompiler from '@sinclair/typebox/compiler';
import type * as TypeBoxValue from '@sinclair/typebox/value';

/**
 * typebox, our one schema library: import Type, Value and TypeCompiler from
 * here. It is loaded as CommonJS: its ESM build is some 250 modules, and
 * under Node 20 each costs a round trip to the thread of tsx's loader (about
 * 0.2 s of every start-up, and of every test file); the CommonJS build loads
 * on the main thread. Same library, same version; its type identities are
 * global symbols, so the two builds would even agree.
 */
const require = createRequire(import.meta.url);
export const { Type } = require('@sinclair/typebox') as typeof TypeBox;
export const { Value } = require('@sinclair/typebox/value') as typeof TypeBoxValue;
export const { TypeCompiler } = require('@sinclair/typebox/compiler') as typeof TypeBoxCompiler;
export type { Static, TSchema } from '@sinclair/typebox';
