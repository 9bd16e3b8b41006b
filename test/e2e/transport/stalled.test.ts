import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStalledServer } from '../../../sandbox/forward-proxy.js';
import { startE2E, type E2E } from '../../support/cli.js';
import { ensureBuilt, runBin, spawnBin } from '../../support/bin.js';

/**
 * A stalled network never hangs irsactl (issue 11 item 4, issue 10): the built binary against a TCP server that
 * accepts connections and never answers, as AWS (AWS_ENDPOINT_URL), as the Kubernetes API (the endpoint
 * DescribeCluster hands out, and a kubeconfig). Each run must end, with the exit code and a message naming the
 * endpoint and the timeout. On main before this change each of these runs waited forever. Wall times are printed
 * for the record, never asserted.
 */

const REGION = 'us-west-2';
let e: E2E;
let stalled: Awaited<ReturnType<typeof startStalledServer>>;
let dir: string;

beforeAll(async () => {
  ensureBuilt();
  e = await startE2E('stall-0', REGION);
  stalled = await startStalledServer();
  dir = mkdtempSync(join(tmpdir(), 'irsactl-stall-'));
  await e.associate();
}, 60_000);
afterAll(async () => {
  await stalled?.stop();
  await e?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A new cluster with its own issuer's OIDC provider. */
async function associatedCluster(name: string) {
  const sc = await e.sandbox.createCluster(e.account, name, REGION);
  const r = await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', name, '--region', REGION, '--approve']);
  if (r.code !== 0) throw new Error(`associate ${name} failed: ${r.stderr}`);
  return sc;
}

/** A plan for one service account: it reads the ServiceAccount from Kubernetes (and changes nothing). */
const planOne = (cluster: string) => ['create', 'iamserviceaccount', '--cluster', cluster, '--name', 'reader', '--attach-policy-arn', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'];

const stalledAws = () => ({ ...e.env, AWS_ENDPOINT_URL: `http://127.0.0.1:${stalled.port}` });

describe('an AWS endpoint that accepts connections and never answers', () => {
  it('--timeout 5s ends the run: exit 1, naming the call, the endpoint and the timeout', async () => {
    const before = stalled.connections();
    const r = await runBin(['get', 'iamserviceaccount', '--cluster', 'stall-0', '--timeout', '5s'], stalledAws());
    console.log(`stalled AWS endpoint, --timeout 5s: ended after ${r.ms} ms`);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`Error: --timeout 5s ran out waiting for EKS DescribeCluster at http://127.0.0.1:${stalled.port}`);
    expect(stalled.connections()).toBeGreaterThan(before);
  }, 30_000);

  it('each request has a response timeout and the SDK retries it: 3 attempts, then an error naming the endpoint', async () => {
    const before = stalled.connections();
    const r = await runBin(['get', 'iamserviceaccount', '--cluster', 'stall-0'], { ...stalledAws(), IRSACTL_RESPONSE_TIMEOUT_MS: '400', AWS_MAX_ATTEMPTS: '3' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`DescribeCluster failed: no answer from EKS at http://127.0.0.1:${stalled.port} within 0.4 s`);
    // a timed-out socket is destroyed, so each attempt is a new connection: 3 for DescribeCluster, 3 for the
    // ListStacks sent beside it
    expect(stalled.connections() - before).toBe(6);
  }, 30_000);

  it('the first Ctrl-C ends the stalled run, saying what it left in flight (exit 130)', async () => {
    const before = stalled.connections();
    const { child, done } = spawnBin(['get', 'iamserviceaccount', '--cluster', 'stall-0'], stalledAws());
    for (let i = 0; i < 200 && stalled.connections() === before; i++) await new Promise((r) => setTimeout(r, 25));
    expect(stalled.connections()).toBeGreaterThan(before);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('SIGINT received');
    // ListStacks goes beside DescribeCluster; the cluster's own failure is the one reported
    expect(r.stderr).toMatch(new RegExp(`SIGINT: abandoned 2 request\\(s\\) still in flight: EKS DescribeCluster at http://127\\.0\\.0\\.1:${stalled.port} \\([\\d.]+ s\\), CloudFormation ListStacks at http://127\\.0\\.0\\.1:${stalled.port}`));
    expect(r.stderr).toContain(`Error: SIGINT: abandoned EKS DescribeCluster at http://127.0.0.1:${stalled.port}`);
  }, 20_000);

  it.each([['0'], ['0s'], ['-5s'], ['0.4ms']])('--timeout %s is a usage error (exit 2) before any request', async (value) => {
    const before = stalled.connections();
    const r = await runBin(['get', 'iamserviceaccount', '--cluster', 'stall-0', '--timeout', value], stalledAws());
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--timeout <duration>' argument '.*' is invalid\. ".*" is not a (positive )?duration/);
    expect(stalled.connections()).toBe(before);
  });
});

describe('a proxy that accepts connections and never answers', () => {
  it("its CONNECT hits the connect timeout, names the proxy, and is retried", async () => {
    const before = stalled.connections();
    const r = await runBin(['get', 'iamserviceaccount', '--cluster', 'stall-0'], {
      ...e.env,
      AWS_ENDPOINT_URL: 'http://aws.sandbox.test',
      HTTP_PROXY: `http://127.0.0.1:${stalled.port}`,
      IRSACTL_CONNECT_TIMEOUT_MS: '300',
      AWS_MAX_ATTEMPTS: '2',
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`could not connect to aws.sandbox.test:80 through the proxy http://127.0.0.1:${stalled.port} within 0.3 s`);
    expect(stalled.connections() - before).toBe(4); // 2 attempts each of DescribeCluster and the ListStacks beside it
  }, 30_000);
});

describe('a Kubernetes API that accepts connections and never answers', () => {
  it('through the endpoint DescribeCluster hands out: --timeout ends the run naming the Kubernetes call and endpoint', async () => {
    const sc = await associatedCluster('stall-kube');
    e.sandbox.proxy.registerCluster('stall-kube', { endpoint: `https://127.0.0.1:${stalled.port}`, caData: sc.kube.caData });
    const r = await runBin([...planOne('stall-kube'), '--timeout', '5s'], e.env);
    console.log(`stalled Kubernetes API (EKS path), --timeout 5s: ended after ${r.ms} ms`);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`--timeout 5s ran out waiting for Kubernetes \\w+ serviceaccounts in namespace default at https://127\\.0\\.0\\.1:${stalled.port} `));
  }, 30_000);

  it('a TLS handshake that never completes hits the connect timeout, retried as transient', async () => {
    const sc = await associatedCluster('stall-tls');
    e.sandbox.proxy.registerCluster('stall-tls', { endpoint: `https://127.0.0.1:${stalled.port}`, caData: sc.kube.caData });
    const before = stalled.connections();
    const r = await runBin(planOne('stall-tls'), { ...e.env, IRSACTL_CONNECT_TIMEOUT_MS: '300' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`could not connect to 127.0.0.1:${stalled.port} within 0.3 s`);
    expect(stalled.connections() - before).toBe(5); // the Kubernetes client's 5 attempts
  }, 30_000);

  it('through a kubeconfig: --timeout ends the run naming the endpoint', async () => {
    const sc = await associatedCluster('stall-kc');
    // DescribeCluster and the kubeconfig name the same (stalled) server, as for a real cluster
    e.sandbox.proxy.registerCluster('stall-kc', { endpoint: `https://127.0.0.1:${stalled.port}`, caData: sc.kube.caData });
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: c\n  cluster:\n    server: https://127.0.0.1:${stalled.port}\n    certificate-authority-data: ${sc.kube.caData}`,
        'users:',
        '- name: u\n  user:\n    token: t',
        'contexts:',
        '- name: ctx\n  context: {cluster: c, user: u}',
        'current-context: ctx',
        '',
      ].join('\n'),
    );
    const r = await runBin([...planOne('stall-kc'), '--kubeconfig', kubeconfig, '--timeout', '4s'], e.env);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`--timeout 4s ran out waiting for Kubernetes \\w+ serviceaccounts in namespace default at https://127\\.0\\.0\\.1:${stalled.port} `));
  }, 30_000);
});

describe('after the deadline no new CreateStack is sent', () => {
  it('a CreateStack stalled past --timeout is abandoned and the service accounts not started stay unstarted', async () => {
    const sc = await e.sandbox.createCluster(e.account, 'stall-cfn', REGION);
    const sas = [0, 1, 2].map((i) => `  - metadata: {name: sa-${i}, namespace: default}\n    attachPolicyARNs: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]`);
    const file = join(dir, 'stall-cfn.yaml');
    writeFileSync(file, `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: ${sc.cluster}, region: ${REGION}}\niam:\n  withOIDC: true\n  serviceAccounts:\n${sas.join('\n')}\n`);
    // The first CreateStack gets no answer until well after the deadline.
    e.sandbox.proxy.setFaultInjector(({ action }) => (action === 'CreateStack' ? { delayMs: 10_000 } : 'pass'));
    e.sandbox.proxy.resetLog();
    try {
      const r = await runBin(['create', 'iamserviceaccount', '-f', file, '--approve', '--concurrency', '1', '--timeout', '4s'], e.env);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('--timeout 4s ran out waiting for CloudFormation CreateStack at http://127.0.0.1:');
      expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(1);
      expect(r.stderr).toContain('default/sa-1: not started: --timeout 4s ran out');
      // the one whose CreateStack went unanswered may be in CloudFormation; the others were never started
      expect(r.stderr).toContain('Error: 3 of 3 service account(s) did not finish, 1 still in progress in CloudFormation (default/sa-0), 2 not started (default/sa-1, default/sa-2)');
    } finally {
      e.sandbox.proxy.setFaultInjector(undefined);
    }
  }, 30_000);
});
