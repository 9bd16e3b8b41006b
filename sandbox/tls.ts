/**
 * Test-only TLS material for the fake Kubernetes API server: a throwaway CA and a
 * server certificate for 127.0.0.1, localhost and *.sandbox.test (names only the forward proxy resolves), made with the openssl CLI because
 * Node has no certificate-signing API.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

// One CA per process: generating costs ~50 ms of openssl forks, and every server
// in the process may share it (tests that need a *different* CA call makeFreshTestTls).
let cached: Promise<TestTls> | undefined;

export function makeTestTls(): Promise<TestTls> {
  cached ??= makeFreshTestTls();
  return cached;
}

export async function makeFreshTestTls(): Promise<TestTls> {
  const dir = await mkdtemp(join(tmpdir(), 'irsactl-tls-'));
  const p = (f: string) => join(dir, f);
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir });
  try {
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', p('ca.key')]);
    await openssl([
      'req', '-x509', '-new', '-key', p('ca.key'), '-sha256', '-days', '3650',
      '-subj', '/CN=irsactl-test-ca', '-out', p('ca.pem'),
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', p('server.key')]);
    await openssl(['req', '-new', '-key', p('server.key'), '-subj', '/CN=kube-apiserver', '-out', p('server.csr')]);
    await writeFile(
      p('ext.cnf'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:*.sandbox.test\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n',
    );
    await openssl([
      'x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial',
      '-days', '3650', '-sha256', '-extfile', p('ext.cnf'), '-out', p('server.pem'),
    ]);
    const [caPem, certPem, keyPem] = await Promise.all([
      readFile(p('ca.pem'), 'utf8'),
      readFile(p('server.pem'), 'utf8'),
      readFile(p('server.key'), 'utf8'),
    ]);
    return { caPem, certPem, keyPem };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
