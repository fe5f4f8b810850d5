import type { TSchema } from './schema.ts';
import { SETTINGS, allowedText, fileKey, CONFIG_ENV, CONFIG_FLAG, type Config, type Group, type Setting } from './config.ts';
import { hideSecrets, isSecretKey } from './config-secrets.ts';
import { LoopSettingsSchema } from './loop/settings.ts';
import { LOOP_SETTING_DOCS } from './loop/settings-docs.ts';

/** One row of --help and docs/configuration.md. */
export interface SettingRow {
  readonly group: Group;
  /** Env variable, or the dotted config-file key for Loop settings. */
  readonly name: string;
  readonly flag?: string;
  readonly fileKey: string;
  readonly fallback: string;
  readonly doc: string;
  readonly allowed: string;
}

export const GROUP_TITLES: Readonly<Record<Group, string>> = {
  server: 'Server',
  inbox: 'Inbox',
  websocket: 'Inbox WebSocket (/inbox/ws)',
  turn: 'TURN credentials',
  limits: 'Per-client limits',
  storage: 'Storage',
  logging: 'Logging',
  loop: 'Loop v1 (config file only, under these keys)',
};

const fromSetting = (s: Setting): SettingRow => ({
  group: s.group, name: s.env, flag: s.flag, fileKey: fileKey(s), fallback: s.fallback === '' ? '(unset)' : s.fallback, doc: s.doc, allowed: allowedText(s),
});

/** Every setting, in --help order: the config file first, then each group. */
export function settingRows(): SettingRow[] {
  const configFile: SettingRow = {
    group: 'server', name: CONFIG_ENV, flag: CONFIG_FLAG, fileKey: '', fallback: '(unset)',
    doc: 'Path of a JSON config file: any setting below by its file key, and the Loop settings.', allowed: 'a path to a JSON file',
  };
  const rows = [configFile, ...SETTINGS.map(fromSetting), ...loopRows()];
  const order = Object.keys(GROUP_TITLES);
  return rows.map((r, i) => ({ r, i })).sort((a, b) => order.indexOf(a.r.group) - order.indexOf(b.r.group) || a.i - b.i).map((x) => x.r);
}

type Node = TSchema & { properties?: Record<string, TSchema>; default?: unknown; description?: string; additionalProperties?: unknown };

/** The leaves of the Loop settings schema, by dotted name (sections are nested objects with a default of {}). */
export function loopLeaves(schema: Node = LoopSettingsSchema, prefix = ''): [string, Node][] {
  const out: [string, Node][] = [];
  for (const [key, child] of Object.entries(schema.properties ?? {}) as [string, Node][]) {
    const name = prefix + key;
    const isSection = child.type === 'object' && child.properties && typeof child.additionalProperties !== 'object';
    if (isSection) out.push(...loopLeaves(child, `${name}.`));
    else out.push([name, child]);
  }
  return out;
}

function loopRows(): SettingRow[] {
  return loopLeaves().map(([name, schema]) => ({
    group: 'loop', name, fileKey: name, fallback: schema.default === undefined ? '(unset)' : JSON.stringify(schema.default),
    doc: schema.description ?? LOOP_SETTING_DOCS[name] ?? '', allowed: schemaAllowed(schema),
  }));
}

/** What a schema accepts, in words (for Loop settings and error messages). */
export function schemaAllowed(schema: TSchema): string {
  const s = schema as Node & { anyOf?: { const?: unknown }[]; minimum?: number; maximum?: number; exclusiveMinimum?: number; pattern?: string; items?: TSchema };
  if (s.anyOf && s.anyOf.every((o) => o.const !== undefined)) return `one of ${s.anyOf.map((o) => String(o.const)).join(', ')}`;
  const low = s.exclusiveMinimum !== undefined ? `more than ${s.exclusiveMinimum}` : `from ${s.minimum ?? 0}`;
  const range = s.maximum !== undefined ? `${low} to ${s.maximum}` : low;
  switch (s.type) {
    case 'integer': return `a whole number ${range}`;
    case 'number': return `a number ${range}`;
    case 'boolean': return 'true or false';
    case 'array': return `a list of ${s.items ? schemaAllowed(s.items) : 'values'}`;
    case 'object': return 'an object';
    case 'string':
      if (s.pattern === '^https?://') return 'an http(s) URL';
      return s.pattern ? `a text matching /${s.pattern}/` : 'a text';
    default: return 'a value';
  }
}

/** `npm start -- --help`. */
export function helpText(version: string): string {
  const lines = [
    `signalbox ${version}: a small, very fast signaling server for WebRTC`,
    '',
    'usage: npm start -- [--flag value | --flag=value]...',
    '       npm start -- --check-config   validate every setting, print the effective configuration, exit',
    '       npm start -- --version | --help',
    '',
    'Each setting is read from its flag, else its environment variable, else the config file, else its default.',
    'The full reference, with what each setting allows: docs/configuration.md.',
  ];
  let group: Group | undefined;
  for (const row of settingRows()) {
    if (row.group !== group) {
      group = row.group;
      lines.push('', `${GROUP_TITLES[group]}:`);
    }
    const head = row.flag ? `  ${row.flag} / ${row.name}` : `  ${row.name}`;
    lines.push(`${head}  (default ${row.fallback})`, `      ${row.doc}`);
  }
  return lines.join('\n');
}

/** docs/configuration.md, generated (`npm run docs:config`); a test checks it is current. */
export function configurationMarkdown(): string {
  const out = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config.ts and src/loop/settings.ts by `npm run docs:config`; do not edit by hand. -->',
    '',
    'Every setting can be given as a command-line flag (`npm start -- --port 8080` or `--port=8080`), an environment',
    `variable (\`PORT=8080\`), or a key of the JSON config file named by \`${CONFIG_FLAG}\` / \`${CONFIG_ENV}\``,
    '(`{"port": 8080}`). A true/false flag alone means true (`--access-log`), or takes its word (`--rate-limits off`).',
    'A flag wins over the environment, which wins over the file, which wins over the default; an environment',
    'variable set to the empty string counts as set.',
    'Times are in seconds unless the name says otherwise. The Loop v1 settings are read from the config file only.',
    '`npm start -- --check-config` validates everything and prints the effective configuration, secrets hidden.',
  ];
  let group: Group | undefined;
  for (const row of settingRows()) {
    if (row.group !== group) {
      group = row.group;
      out.push('', `## ${GROUP_TITLES[group]}`, '');
      out.push(group === 'loop' ? '| file key | default | allowed | meaning |' : '| variable | flag | file key | default | allowed | meaning |');
      out.push(group === 'loop' ? '| --- | --- | --- | --- |' : '| --- | --- | --- | --- | --- | --- |');
    }
    const cells = group === 'loop'
      ? [code(row.name), code(row.fallback), row.allowed, row.doc]
      : [code(row.name), code(row.flag ?? ''), row.fileKey ? code(row.fileKey) : '', code(row.fallback), row.allowed, row.doc];
    out.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  return out.join('\n') + '\n';
}

const code = (text: string) => (text === '' ? '' : `\`${text}\``);

/** The effective configuration as printed at start-up and by --check-config: env names, seconds as written, secrets hidden. */
export function describeConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    if (s.group === 'turn') continue;
    const v = config[s.key as keyof Config];
    out[s.env] = v === undefined ? 'unset' : s.kind === 'seconds' ? (v as number) / 1000 : s.redact ? s.redact(v as string) : v;
  }
  out.TURN = config.turn ? { TURN_URLS: config.turn.urls, TURN_TTL: config.turn.ttlSec, TURN_SECRET: config.turn.secret } : 'off';
  const { external: _derived, ...loop } = config.loop;
  out.loop = loop;
  const shown = hideSecrets(out, (key) => isSecretKey(key) || SETTINGS.some((s) => s.secret && s.env === key)) as Record<string, unknown>;
  // An unset secret is worth seeing as unset (hideSecrets hides any value).
  for (const s of SETTINGS) if (s.secret && s.group !== 'turn' && config[s.key as keyof Config] === undefined) shown[s.env] = 'unset';
  return shown;
}
