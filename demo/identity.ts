/**
 * Who this page is: a random name by default, and one password per name kept
 * in localStorage, so a reload (or another tab) opens the same inbox again
 * instead of meeting "This inbox exists with another password" until the old
 * one expires. sessionStorage remembers, per tab, the name that was online,
 * so a reload signs back in by itself.
 */

const PASSWORDS_KEY = 'signalbox-demo/passwords';
const SESSION_KEY = 'signalbox-demo/session';
/** Stored passwords older than this are dropped: the server forgot their inboxes long ago. */
const KEEP_PASSWORD_MS = 7 * 24 * 3600 * 1000;

/** 128 random bits, base64url without padding (22 characters): a name nobody can guess. */
export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Why `name` cannot name an inbox (the server's rule: 1–256 printable ASCII characters but ':'), or null. */
export function nameProblem(name: string): string | null {
  if (name === '') return 'Enter a name, or pick a new random one.';
  if (name.length > 256) return 'A name has at most 256 characters.';
  if (!/^[!-9;-~]+$/.test(name)) return 'A name uses letters, digits and punctuation only: no spaces, no “:”, no accents.';
  return null;
}

interface Stored {
  readonly password: string;
  readonly savedAt: number;
}

/** Storage can be disabled (private modes, policies): the page then works without it, for this load only. */
function readJson<T>(storage: () => Storage, key: string): T | null {
  try {
    const text = storage().getItem(key);
    return text === null ? null : (JSON.parse(text) as T);
  } catch {
    return null;
  }
}

function writeJson(storage: () => Storage, key: string, value: unknown): void {
  try {
    storage().setItem(key, JSON.stringify(value));
  } catch {
    // quota or disabled storage: nothing to keep
  }
}

const memory = new Map<string, string>();
const local = () => localStorage;
const session = () => sessionStorage;

function passwords(): Record<string, Stored> {
  const all = readJson<Record<string, Stored>>(local, PASSWORDS_KEY) ?? {};
  const now = Date.now();
  for (const [name, s] of Object.entries(all)) if (!(now - s.savedAt < KEEP_PASSWORD_MS)) delete all[name];
  return all;
}

/** The password this browser used for `name`, or a new random one. */
export function passwordFor(name: string): string {
  return passwords()[name]?.password ?? memory.get(name) ?? randomToken();
}

/** Remembers the password that opened `name`'s inbox. */
export function keepPassword(name: string, password: string): void {
  memory.set(name, password);
  writeJson(local, PASSWORDS_KEY, { ...passwords(), [name]: { password, savedAt: Date.now() } });
}

/** Forgets a password the server no longer takes (the name went to someone else). */
export function forgetPassword(name: string): void {
  memory.delete(name);
  const all = passwords();
  delete all[name];
  writeJson(local, PASSWORDS_KEY, all);
}

export interface TabSession {
  readonly name: string;
  /** The tab was signed in when it was left (reloaded). */
  readonly online: boolean;
}

export const tabSession = {
  read: (): TabSession | null => readJson<TabSession>(session, SESSION_KEY),
  write: (s: TabSession): void => writeJson(session, SESSION_KEY, s),
};
