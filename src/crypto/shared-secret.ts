import { hkdfSync } from 'node:crypto';

/** The shortest SHARED_SECRET accepted: 32 characters (e.g. `openssl rand -base64 32`). */
export const MIN_SHARED_SECRET_LENGTH = 32;

/**
 * HKDF `info` labels, one per key: a key derived for one use is useless for
 * another. Changing a label changes the key (and logs every inbox owner and
 * Loop session of the deployment out), hence the version suffix.
 */
export const KEY_LABELS = {
  inboxCredentials: 'signalbox inbox credentials v1',
  hawkIdSecret: 'signalbox loop hawkIdSecret v1',
  userMacSecret: 'signalbox loop userMacSecret v1',
} as const;

const NO_SALT = Buffer.alloc(0);

/** `bytes` of key material for `label`, from SHARED_SECRET (HKDF-SHA-256, empty salt, the secret's UTF-8 bytes). */
export function deriveKey(sharedSecret: string, label: string, bytes: number): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(sharedSecret, 'utf8'), NO_SALT, label, bytes));
}

/** The inbox credential hasher's key (16 bytes, a SipHash key; see CredentialHasher). */
export const inboxCredentialKey = (sharedSecret: string): Buffer => deriveKey(sharedSecret, KEY_LABELS.inboxCredentials, 16);

/** Loop's two secrets, as its config file writes them: 16 bytes as 32 lowercase hex. */
export function loopSecrets(sharedSecret: string): { hawkIdSecret: string; userMacSecret: string } {
  return {
    hawkIdSecret: deriveKey(sharedSecret, KEY_LABELS.hawkIdSecret, 16).toString('hex'),
    userMacSecret: deriveKey(sharedSecret, KEY_LABELS.userMacSecret, 16).toString('hex'),
  };
}
