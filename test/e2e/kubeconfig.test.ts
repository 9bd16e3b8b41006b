/**
 * --kubeconfig/--context end to end (issue 13, items 6 and 9): the kubeconfig must be for the cluster named by
 * --cluster (its server and CA against DescribeCluster's), --insecure-skip-tls-verify does what it says on this path,
 * a kubeconfig that does not load is reported without echoing its content, and `get` fails when Kubernetes cannot be
 * read unless told to ignore it. Real sandbox throughout: moto, the rewriting proxy, two Kubernetes test servers.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eksToken } from '../../src/aws/eks-token.js';
import type { SandboxCluster } from '../../sandbox/index.js';
import { makeFreshTestTls } from '../../sandbox/tls.js';
import { startE2E, type E2E } from '../support/cli.js';

const REGION = 'eu-north-1';
const CLUSTER = 'kc-main';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const SECRET_TOKEN_MARK = 'do-not-print-this-token';

let e: E2E;
let other: SandboxCluster;
let dir: string;
/** a CA that signs neither test server (the sandbox's servers share one) */
let strangerCa: string;

/** A kubeconfig with one context per cluster; `caFor` picks the CA each cluster entry trusts. */
async function writeKubeconfig(file: string, caFor: (c: SandboxCluster) => string): Promise<string> {
  const clusters = [e.cluster, other];
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const c of clusters) lines.push(`- name: ${c.cluster}`, `  cluster: {server: "${c.kube.url}", certificate-authority-data: "${caFor(c)}"}`);
  lines.push('users:');
  for (const c of clusters) {
    const { token } = await eksToken({ clusterName: c.cluster, region: REGION, credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey } });
    lines.push(`- name: ${c.cluster}`, `  user: {token: "${token}"}`);
  }
  lines.push('contexts:');
  for (const c of clusters) lines.push(`- name: ${c.cluster}`, `  context: {cluster: ${c.cluster}, user: ${c.cluster}}`);
  lines.push(`current-context: ${CLUSTER}`, '');
  const path = join(dir, file);
  await writeFile(path, lines.join('\n'));
  return path;
}

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  other = await e.sandbox.createCluster(e.account, 'kc-other', REGION);
  dir = await mkdtemp(join(tmpdir(), 'irsactl-kc-e2e-'));
  strangerCa = Buffer.from((await makeFreshTestTls()).caPem, 'utf8').toString('base64');
  await e.associate();
}, 60_000);
afterAll(async () => {
  await e?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const createArgs = (name: string) => ['create', 'iamserviceaccount', '--cluster', CLUSTER, '--name', name, '--attach-policy-arn', S3_READ, '--approve'];

describe('the kubeconfig must be for --cluster', () => {
  it("the cluster's own context works", async () => {
    const kc = await writeKubeconfig('good', (c) => c.kube.caData);
    const r = await e.run([...createArgs('via-kc'), '--kubeconfig', kc]);
    expect(r.code, r.stderr).toBe(0);
    expect(e.cluster.kube.getServiceAccount('default', 'via-kc')).toBeDefined();
  });

  it("another cluster's context is refused before any change, naming both endpoints", async () => {
    const kc = await writeKubeconfig('good', (c) => c.kube.caData);
    e.sandbox.proxy.resetLog();
    const r = await e.run([...createArgs('wrong-cluster'), '--kubeconfig', kc, '--context', 'kc-other']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`points at ${other.kube.url}, but the API endpoint of cluster "${CLUSTER}" is ${e.cluster.kube.url}`);
    expect(r.stderr).toContain('--skip-endpoint-check');
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
    expect(other.kube.getServiceAccount('default', 'wrong-cluster')).toBeUndefined();
  });

  it('a context whose CA is not the cluster\'s is refused too', async () => {
    const kc = await writeKubeconfig('other-ca', (c) => (c === e.cluster ? strangerCa : c.kube.caData));
    const r = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--kubeconfig', kc]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('trusts another certificate authority');
  });

  it('--skip-endpoint-check lets an explicitly chosen endpoint through', async () => {
    const kc = await writeKubeconfig('good', (c) => c.kube.caData);
    const r = await e.run([...createArgs('on-other'), '--role-only', '--kubeconfig', kc, '--context', 'kc-other', '--skip-endpoint-check']);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('--insecure-skip-tls-verify with --kubeconfig', () => {
  it('switches verification off as it says (and warns)', async () => {
    // the right server, but a CA that does not sign its certificate: only --insecure-skip-tls-verify gets through
    const kc = await writeKubeconfig('wrong-ca', (c) => (c === e.cluster ? strangerCa : c.kube.caData));
    const refused = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--kubeconfig', kc, '--skip-endpoint-check']);
    expect(refused.code).toBe(1);
    const r = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--kubeconfig', kc, '--skip-endpoint-check', '--insecure-skip-tls-verify']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('TLS verification of the Kubernetes API is switched off');
    expect(r.stdout).toMatch(/default\s+via-kc\s+\S+\s+IRSA\s+ok/);
  });
});

describe('Kubernetes failures are failures', () => {
  it('a malformed kubeconfig is named with line and column, never echoed', async () => {
    const kc = join(dir, 'malformed');
    await writeFile(kc, `apiVersion: v1\nusers:\n- name: u\n  user:\n    token: ${SECRET_TOKEN_MARK}\n    client-key-data: c2VjcmV0LWtleQ==\n  bad: [unclosed\nclusters: []\n`);
    const r = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--kubeconfig', kc]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot load kubeconfig .*malformed: it is not valid YAML at line \d+, column \d+/);
    expect(r.stderr).not.toContain(SECRET_TOKEN_MARK);
    expect(r.stderr).not.toContain('c2VjcmV0');
  });

  it('get exits 1 when the ServiceAccounts cannot be read, and lists the stacks with STATUS unknown', async () => {
    e.cluster.kube.setFaultInjector(({ path }) => (path.includes('/serviceaccounts') ? { status: 403, reason: 'Forbidden', message: 'serviceaccounts is forbidden' } : 'pass'));
    try {
      const r = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/default\s+via-kc\s+\S+\s+IRSA\s+unknown/);
      expect(r.stderr).toMatch(/STATUS is unknown: forbidden: list serviceaccounts/);
      expect(r.stderr).toContain('--ignore-kubernetes-errors');
      const json = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '-o', 'json']);
      expect(json.code).toBe(1);
      const ignored = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--ignore-kubernetes-errors']);
      expect(ignored.code, ignored.stderr).toBe(0);
      expect(ignored.stdout).toMatch(/default\s+via-kc\s+\S+\s+IRSA\s+unknown/);
    } finally {
      e.cluster.kube.setFaultInjector(undefined);
    }
  });

  it('a redirect from the API server is refused, and the bearer token never reaches where it points', async () => {
    // Another server on the same host name (another port): node-fetch would forward Authorization to it.
    const seen: (string | undefined)[] = [];
    const trap = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"kind":"ServiceAccountList","apiVersion":"v1","metadata":{},"items":[]}');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    const port = (trap.address() as AddressInfo).port;
    e.cluster.kube.setFaultInjector(({ path }) => (path.includes('/serviceaccounts') ? { redirectTo: `http://127.0.0.1:${port}/api/v1/namespaces/default/serviceaccounts` } : 'pass'));
    try {
      const r = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/answered HTTP 307, redirecting to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/default\/serviceaccounts: irsactl does not follow redirects/);
      expect(seen).toEqual([]);
    } finally {
      e.cluster.kube.setFaultInjector(undefined);
      await new Promise((resolve) => trap.close(resolve));
    }
  });
});
