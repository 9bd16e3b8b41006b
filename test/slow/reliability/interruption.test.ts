import { CloudFormationClient, paginateDescribeStacks, type Stack } from '@aws-sdk/client-cloudformation';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxCluster } from '../../../sandbox/index.js';
import { startE2E, type E2E } from '../../support/cli.js';
import { motoUrl } from '../../support/aws.js';

/**
 * Issue #5, interruption: SIGINT during --approve (the built CLI as a subprocess), SIGKILL at 10 points of a
 * 10-service-account apply with a re-run after each, and two applies of one file at once. After every
 * re-run: each stack complete, each ServiceAccount annotated with its stack's role, no duplicate or
 * orphan stack, role or ServiceAccount.
 */

const REGION = 'eu-west-1';
const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin/irsactl.js');
let e: E2E;
let dir: string;
let clusterCount = 0;

beforeAll(async () => {
  // `npm test` builds first; a lone `npx vitest run` of this file may not have.
  if (!existsSync(join(ROOT, 'dist/cli.cjs'))) execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'ignore' });
  e = await startE2E('int-0', REGION);
  e.env.AWS_MAX_ATTEMPTS = '4';
  dir = mkdtempSync(join(tmpdir(), 'irsactl-interrupt-'));
  const assoc = await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', 'int-0', '--approve']);
  expect(assoc.code, assoc.stderr).toBe(0);
}, 60_000);
afterAll(async () => {
  await e?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const NS = ['alpha', 'beta'];
function writeConfig(cluster: string, count: number): string {
  const sas = Array.from({ length: count }, (_, i) => `  - metadata: {name: sa-${i}, namespace: ${NS[i % 2]}}\n    attachPolicyARNs: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]`);
  const file = join(dir, `${cluster}.yaml`);
  writeFileSync(file, `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: ${cluster}, region: ${REGION}}\niam:\n  withOIDC: true\n  serviceAccounts:\n${sas.join('\n')}\n`);
  return file;
}

/** A fresh cluster in this file's account (the issuer, and so the OIDC provider, is shared within a region). */
async function newCluster(): Promise<SandboxCluster> {
  return e.sandbox.createCluster(e.account, `int-${++clusterCount}`, REGION);
}

function spawnCli(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...e.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.resume();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal, stderr })),
  );
  return { child, done };
}

/** The converged state, checked against moto directly and the Kubernetes test server's store. */
async function expectConverged(sc: SandboxCluster, count: number): Promise<void> {
  const creds = { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey };
  const cfn = new CloudFormationClient({ region: REGION, endpoint: motoUrl(), credentials: creds });
  const iam = new IAMClient({ region: REGION, endpoint: motoUrl(), credentials: creds });
  try {
    const prefix = `eksctl-${sc.cluster}-addon-iamserviceaccount-`;
    const all: Stack[] = [];
    for await (const page of paginateDescribeStacks({ client: cfn }, {})) all.push(...(page.Stacks ?? []));
    const stacks = all.filter(
      (s) => s.StackName?.startsWith(prefix) && s.StackStatus !== 'DELETE_COMPLETE',
    );
    const names = stacks.map((s) => s.StackName).sort();
    const expected = Array.from({ length: count }, (_, i) => `${prefix}${NS[i % 2]}-sa-${i}`).sort();
    expect(names).toEqual(expected); // no duplicate, no orphan
    const roles = ((await iam.send(new ListRolesCommand({ MaxItems: 1000 }))).Roles ?? []).filter((r) => r.RoleName?.includes(`-${sc.cluster}-addon-`));
    expect(roles).toHaveLength(count);
    for (const s of stacks) {
      expect(s.StackStatus).toBe('CREATE_COMPLETE');
      const ns = /-(alpha|beta)-sa-\d+$/.exec(s.StackName ?? '')?.[1] ?? '';
      const name = (s.StackName ?? '').slice(prefix.length + ns.length + 1);
      const sa = sc.kube.getServiceAccount(ns, name) as { metadata?: { annotations?: Record<string, string> } } | undefined;
      const roleArn = s.Outputs?.find((o) => o.OutputKey === 'Role1')?.OutputValue;
      expect(roleArn).toBeDefined();
      expect(sa?.metadata?.annotations?.['eks.amazonaws.com/role-arn'], `${ns}/${name}`).toBe(roleArn);
    }
    // no ServiceAccount beyond the ones asked for (and each namespace's default)
    const kubeSas = NS.flatMap((ns) => Array.from({ length: count + 1 }, (_, i) => sc.kube.getServiceAccount(ns, `sa-${i}`))).filter(Boolean);
    expect(kubeSas).toHaveLength(count);
  } finally {
    cfn.destroy();
    iam.destroy();
  }
}

describe('SIGINT or SIGTERM during --approve', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: starts nothing new, exits %i reporting what was not started, and the next run converges', async (signal, exitCode) => {
    const sc = await newCluster();
    const file = writeConfig(sc.cluster, 6);
    let killed = false;
    let child: ChildProcess | undefined;
    // Slow CreateStack so work is in flight; interrupt when the first one arrives.
    e.sandbox.proxy.setFaultInjector(({ action }) => {
      if (action !== 'CreateStack') return 'pass';
      if (!killed && child) {
        killed = true;
        child.kill(signal);
      }
      return { delayMs: 150 };
    });
    try {
      e.sandbox.proxy.resetLog();
      const run = spawnCli(['apply', '-f', file, '--approve', '--concurrency', '2']);
      child = run.child;
      const out = await run.done;
      expect(killed).toBe(true);
      expect(out.code, out.stderr).toBe(exitCode);
      expect(out.stderr).toContain(`${signal} received`);
      expect(out.stderr).toMatch(/not started/);
      // the stacks CloudFormation had (or may have: a CreateStack abandoned unanswered) go on there: in progress, not failed
      expect(out.stderr).toMatch(/\d still in progress in CloudFormation/);
      expect(out.stderr).toMatch(/(is still|may be) being created by CloudFormation/);
      expect(out.stderr).not.toMatch(/\d+ failed/);
      // concurrency 2: at most the two in flight were created, the rest never started
      expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBeLessThanOrEqual(2);
    } finally {
      e.sandbox.proxy.setFaultInjector(undefined);
    }
    const again = await e.run(['apply', '-f', file, '--approve']);
    expect(again.code, again.stderr).toBe(0);
    await expectConverged(sc, 6);
  }, 60_000);
});

describe('SIGKILL at 10 points of a 10-service-account apply', () => {
  // Points 1–7: the Nth CreateStack has reached the proxy (it is forwarded to moto after the kill, so the
  // stack exists but the CLI never heard back). Points 8–10: the Nth ServiceAccount write has reached
  // the Kubernetes API.
  const points = [
    ...[1, 2, 3, 4, 5, 7, 10].map((n) => ({ where: 'CreateStack' as const, n })),
    ...[1, 4, 9].map((n) => ({ where: 'serviceaccount-write' as const, n })),
  ];
  it.each(points)('killed at $where #$n, re-run converges with nothing duplicated or orphaned', async ({ where, n }) => {
    const sc = await newCluster();
    const file = writeConfig(sc.cluster, 10);
    e.sandbox.proxy.resetLog();
    let seen = 0;
    let child: ChildProcess | undefined;
    const hit = () => {
      if (++seen === n) child?.kill('SIGKILL');
    };
    if (where === 'CreateStack') {
      e.sandbox.proxy.setFaultInjector(({ action }) => {
        if (action === 'CreateStack') hit();
        return 'pass';
      });
    } else {
      sc.kube.setFaultInjector(({ method, path }) => {
        if ((method === 'POST' || method === 'PATCH') && /\/serviceaccounts(\/[^/]+)?$/.test(path)) hit();
        return 'pass';
      });
    }
    try {
      const run = spawnCli(['apply', '-f', file, '--approve']);
      child = run.child;
      const out = await run.done;
      expect(out.signal, out.stderr).toBe('SIGKILL');
    } finally {
      e.sandbox.proxy.setFaultInjector(undefined);
      sc.kube.setFaultInjector(undefined);
    }
    const again = await e.run(['apply', '-f', file, '--approve']);
    expect(again.code, again.stderr).toBe(0);
    await expectConverged(sc, 10);
  }, 60_000);
});

describe('two applies of the same file at once', () => {
  it('both succeed and the state is the one either alone would make', async () => {
    const sc = await newCluster();
    const file = writeConfig(sc.cluster, 8);
    // Both start at the same instant, so their CreateStacks of the same names race as they would on AWS (the sandbox
    // hands moto one request at a time, as an atomic service sees them); slowed DescribeStacks keep both in flight
    // through observing, waiting and the ServiceAccount writes.
    e.sandbox.proxy.setFaultInjector(({ action }) => (action === 'DescribeStacks' ? { delayMs: 100 } : 'pass'));
    try {
      const [a, b] = await Promise.all([
        e.run(['apply', '-f', file, '--approve', '--timeout', '30s']),
        e.run(['apply', '-f', file, '--approve', '--timeout', '30s']),
      ]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
    } finally {
      e.sandbox.proxy.setFaultInjector(undefined);
    }
    await expectConverged(sc, 8);
  }, 60_000);
});
