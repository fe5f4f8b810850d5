import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A test CA, a certificate it signed for 127.0.0.1, and a CA that signed nothing of ours (files in a temporary directory). */
export interface TestCerts {
  /** PEM file of the CA. */
  readonly ca: string;
  readonly caPem: string;
  /** The server's certificate (for IP 127.0.0.1) and key, signed by the CA. */
  readonly cert: string;
  readonly key: string;
  /** PEM file of another CA: trusting it alone, the server's certificate must be refused. */
  readonly otherCa: string;
}

let made: TestCerts | undefined;

/** Made once per process with Debian's openssl (elliptic-curve keys: quick), removed when the process exits. */
export function testCerts(): TestCerts {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'signalbox-tls-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const name of ['ca', 'other-ca']) {
    openssl('req', '-x509', ...ecKey, '-keyout', at(`${name}.key`), '-out', at(`${name}.pem`), '-days', '2', '-subj', `/CN=signalbox test ${name}`);
  }
  openssl('req', ...ecKey, '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(at('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    'x509', '-req', '-in', at('server.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial',
    '-out', at('server.pem'), '-days', '2', '-extfile', at('server.ext'),
  );
  made = { ca: at('ca.pem'), caPem: readFileSync(at('ca.pem'), 'utf8'), cert: at('server.pem'), key: at('server.key'), otherCa: at('other-ca.pem') };
  return made;
}
