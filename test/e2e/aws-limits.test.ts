import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from '../support/cli.js';
import { parseRunDocument } from '../support/run-document.js';

/**
 * Issue 12 item 2 through the built binary: input AWS would refuse (limits moto does not enforce) exits 2 before
 * any request; the sandbox's AWS proxy and Kubernetes server count what reaches them. Quotas that can be raised
 * only warn, on stderr, and the plan goes on.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/irsactl.js');
const CLUSTER = 'limits';
const REGION = 'us-west-2';
let e: E2E;
let dir: string;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/cli.cjs'))) execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'ignore' });
  e = await startE2E(CLUSTER, REGION);
  await e.associate();
  dir = mkdtempSync(join(tmpdir(), 'irsactl-limits-'));
}, 60_000);
afterAll(async () => {
  await e?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function irsactl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...e.env } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      res({ code, stdout, stderr });
    });
  });
}

/** Runs irsactl and returns what reached AWS and Kubernetes meanwhile. */
async function counted(args: string[]) {
  e.sandbox.proxy.resetLog();
  const kubeBefore = e.cluster.kube.requests.length;
  const out = await irsactl(args);
  return { ...out, aws: e.sandbox.proxy.requests.length, kube: e.cluster.kube.requests.length - kubeBefore };
}

const file = (name: string, cluster: string, sa: string): string => {
  const path = join(dir, name);
  writeFileSync(path, `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: ${cluster}, region: ${REGION}}\niam:\n  withOIDC: true\n  serviceAccounts:\n${sa}`);
  return path;
};
const arns = (k: number) => Array.from({ length: k }, (_, i) => `arn:aws:iam::123456789012:policy/p${i}`).join(',');

describe('AWS limits through the built binary', () => {
  it('a valid plan does reach AWS (so the counts below can see a request)', async () => {
    const r = await counted(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '--name', 'ok', '--attach-policy-arn', arns(1)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.aws).toBeGreaterThan(0);
  });

  const refused: { name: string; args: () => string[]; message: string }[] = [
    { name: 'an empty tag value', args: () => ['create', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '--name', 'app', '--attach-policy-arn', arns(1), '--tags', 'team='], message: '--tags: tag "team" has an empty value, which CloudFormation refuses' },
    { name: '21 managed policies on update', args: () => ['update', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '--name', 'app', '--attach-policy-arn', arns(21)], message: 'would have 21 managed policies' },
    {
      name: 'an inline policy name over 128 characters',
      args: () => ['create', 'iamserviceaccount', '-f', file('lbc.yaml', 'production-eu-central-1-main', '  - metadata: {name: aws-load-balancer-controller, namespace: kube-system}\n    wellKnownPolicies: {awsLoadBalancerController: true}\n'), '--approve'],
      message: 'is 132 characters, more than IAM\'s limit of 128',
    },
    {
      name: 'inline policies over 10,240 characters on apply',
      args: () => ['apply', '-f', file('big.yaml', CLUSTER, `  - metadata: {name: app}\n    wellKnownPolicies: {awsLoadBalancerController: true}\n    attachPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Resource: "*", Action: ["s3:${'a'.repeat(5100)}"]}]}\n`), '--approve'],
      message: 'come to 10,385 characters without whitespace',
    },
    { name: 'a trust policy over 2,048 characters', args: () => ['create', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '--name', 'app', '--attach-policy-arn', arns(1), '--subject-pattern', `a${'b'.repeat(1700)}*`, '--approve'], message: "more than IAM's default quota of 2,048" },
  ];
  it.each(refused)('$name: exit 2, no AWS or Kubernetes request', async ({ args, message }) => {
    const r = await counted(args());
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.aws).toBe(0);
    expect(r.kube).toBe(0);
  });

  it('11 managed policies and a repeated ARN: warnings on stderr, the plan goes on with the ARNs collapsed', async () => {
    const list = `${arns(11)},arn:aws:iam::123456789012:policy/p0`;
    const r = await counted(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '--name', 'many', '--attach-policy-arn', list, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('"arn:aws:iam::123456789012:policy/p0" is listed more than once; attached once');
    expect(r.stderr).toContain("would have 11 managed policies (11 from --attach-policy-arn), more than IAM's default quota of 10");
    expect(r.stdout).not.toContain('more than once');
    const arnsInPlan = (parseRunDocument(r.stdout).items[0]?.stack.template as { Resources: { Role1: { Properties: { ManagedPolicyArns: string[] } } } } | undefined)
      ?.Resources.Role1.Properties.ManagedPolicyArns;
    expect(arnsInPlan).toEqual(arns(11).split(','));
  });
});
