import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files (paths) and their contents for one certificate authority and a server certificate it signed. */
export interface TestCertificates {
  readonly dir: string;
  /** The CA certificate (PEM path), to trust the server. */
  readonly caFile: string;
  /** Server certificate for `127.0.0.1` and `localhost`, signed by the CA. */
  readonly certFile: string;
  /** The server's private key (PEM path). */
  readonly keyFile: string;
  /** The server's private key (PEM text), to assert it never shows. */
  readonly key: string;
  /** A second, unrelated CA (PEM path): trusting only it must fail the handshake. */
  readonly otherCaFile: string;
  dispose(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function selfSignedCa(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
  ]);
}

/** Makes a throw-away CA, a server certificate it signs, and an unrelated CA, with `openssl`. */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'eventbus-tls-'));
  selfSignedCa(dir, 'test-ca');
  selfSignedCa(dir, 'other-ca');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'test-ca.pem',
    '-CAkey',
    'test-ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'server.ext',
    '-out',
    'server.pem',
  ]);
  return {
    dir,
    caFile: join(dir, 'test-ca.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    otherCaFile: join(dir, 'other-ca.pem'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
