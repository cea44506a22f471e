/**
 * Throwaway certificate authorities for TLS tests, made with the `openssl` binary (Node's crypto can
 * make keys but not certificates): a CA, a server certificate it signs for 127.0.0.1, and an
 * unrelated CA that signed nothing the server presents.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './app.js';

export interface TlsFixtures {
  dir: string;
  /** Path of the CA that signed the server certificate. */
  caFile: string;
  /** Path of a CA that signed nothing here. */
  otherCaFile: string;
  serverCert: string;
  serverKey: string;
}

const openssl = (args: string[], cwd: string) => promisify(execFile)('openssl', args, { cwd });

async function selfSignedCa(dir: string, name: string): Promise<void> {
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
    ],
    dir,
  );
}

export async function makeTlsFixtures(): Promise<TlsFixtures> {
  const dir = tempDir('recstream-tls-');
  await selfSignedCa(dir, 'test-ca');
  await selfSignedCa(dir, 'other-ca');
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'test-ca.pem',
      '-CAkey',
      'test-ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '1',
      '-extfile',
      'server.ext',
    ],
    dir,
  );
  return {
    dir,
    caFile: join(dir, 'test-ca.pem'),
    otherCaFile: join(dir, 'other-ca.pem'),
    serverCert: readFileSync(join(dir, 'server.pem'), 'utf8'),
    serverKey: readFileSync(join(dir, 'server.key'), 'utf8'),
  };
}
