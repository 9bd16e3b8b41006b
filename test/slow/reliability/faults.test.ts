import { CloudFormationClient, GetTemplateCommand, paginateDescribeStacks, type Stack } from '@aws-sdk/client-cloudformation';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsFaultPlan, kubeFaultPlan, type FaultTally } from '../../../sandbox/fault-plan.js';
import { startE2E, type E2E } from '../../support/cli.js';
import { motoUrl } from '../../support/aws.js';

/**
 * Issue #5, faults: with a deterministic 20% of AWS and Kubernetes requests answered with throttling,
 * 500, 503, a connection reset or a slow answer, `create … --approve` and `apply --approve` of 20 service
 * accounts end in exactly the state a fault-free run reaches. Retries come from the SDK's retry strategy
 * (src/aws/config.ts) and the Kubernetes adapter's bounded retry (src/k8s/client.ts).
 */

const REGION = 'us-west-2';
const SA_COUNT = 20;
let e: E2E;
let dir: string;

beforeAll(async () => {
  e = await startE2E('rel-clean', REGION);
  // The CLI's default attempts (8) rather than the harness's 2: the retries are what is under test.
  e.env.AWS_MAX_ATTEMPTS = '8';
  dir = mkdtempSync(join(tmpdir(), 'irsactl-faults-'));
});
afterAll(async () => {
  await e?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function configFor(cluster: string, policyFor: (i: number) => string): string {
  const sas = Array.from({ length: SA_COUNT }, (_, i) =>
    [
      `  - metadata:`,
      `      name: app-${i}`,
      `      namespace: team-${i % 3}`,
      `      labels: {tier: "t${i % 2}"}`,
      `    attachPolicyARNs: ["${policyFor(i)}"]`,
      `    tags: {owner: "team-${i % 3}"}`,
    ].join('\n'),
  );
  return `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: ${cluster}\n  region: ${REGION}\niam:\n  withOIDC: true\n  serviceAccounts:\n${sas.join('\n')}\n`;
}

const S3 = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const DDB = 'arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess';

interface EndState {
  stacks: { name: string; status: string; tags: Record<string, string>; template: string; roleOutput: boolean }[];
  serviceAccounts: { id: string; roleArn: string | undefined; labels: unknown }[];
}

/**
 * Stacks (read from moto directly, not through the faulty proxy) and ServiceAccounts, with the cluster name, its
 * issuer (the sandbox gives each cluster its own) and role suffixes normalised.
 */
async function endState(cluster: string, kube: E2E['cluster']['kube'], issuer: string): Promise<EndState> {
  const cfn = new CloudFormationClient({
    region: REGION,
    endpoint: motoUrl(),
    credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey },
  });
  const prefix = `eksctl-${cluster}-addon-iamserviceaccount-`;
  const all: Stack[] = [];
  for await (const page of paginateDescribeStacks({ client: cfn }, {})) all.push(...(page.Stacks ?? []));
  const mine = all.filter((s) => s.StackName?.startsWith(prefix) && s.StackStatus !== 'DELETE_COMPLETE');
  const issuerId = issuer.split('/').pop()!;
  const norm = (s: string) => s.split(cluster).join('CLUSTER').split(issuerId).join('ISSUER');
  const stacks = await Promise.all(
    mine.map(async (s) => {
      const template = (await cfn.send(new GetTemplateCommand({ StackName: s.StackName }))).TemplateBody ?? '';
      return {
        name: norm(s.StackName ?? ''),
        status: s.StackStatus ?? '',
        tags: Object.fromEntries((s.Tags ?? []).map((t) => [t.Key ?? '', norm(t.Value ?? '')])),
        template: norm(template),
        roleOutput: (s.Outputs ?? []).some((o) => o.OutputKey === 'Role1' && /^arn:aws:iam::\d{12}:role\//.test(o.OutputValue ?? '')),
      };
    }),
  );
  stacks.sort((a, b) => a.name.localeCompare(b.name));
  cfn.destroy();
  const serviceAccounts = Array.from({ length: SA_COUNT }, (_, i) => {
    const sa = kube.getServiceAccount(`team-${i % 3}`, `app-${i}`) as { metadata?: { annotations?: Record<string, string>; labels?: unknown } } | undefined;
    const roleArn = sa?.metadata?.annotations?.['eks.amazonaws.com/role-arn'];
    // moto role names carry a random suffix; only the shape and account matter
    return { id: `team-${i % 3}/app-${i}`, roleArn: roleArn?.replace(/role\/.*$/, 'role/<name>'), labels: sa?.metadata?.labels };
  });
  return { stacks, serviceAccounts };
}

async function converge(cluster: string, faults: boolean): Promise<{ state: EndState; tallies: FaultTally[]; ms: number }> {
  const sc = cluster === 'rel-clean' ? e.cluster : await e.sandbox.createCluster(e.account, cluster, REGION);
  const file1 = join(dir, `${cluster}-1.yaml`);
  const file2 = join(dir, `${cluster}-2.yaml`);
  writeFileSync(file1, configFor(cluster, () => S3));
  // apply then changes half the policies: updates under faults too
  writeFileSync(file2, configFor(cluster, (i) => (i % 2 === 0 ? DDB : S3)));
  const assoc = await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', cluster, '--approve']);
  expect(assoc.code, assoc.stderr).toBe(0);

  const aws = awsFaultPlan({ rate: 0.2, seed: 5, maxDelayMs: 200 });
  const kube = kubeFaultPlan({ rate: 0.2, seed: 7, maxDelayMs: 200 });
  if (faults) {
    e.sandbox.proxy.setFaultInjector(aws.injector);
    sc.kube.setFaultInjector(kube.injector);
  }
  const started = performance.now();
  try {
    const created = await e.run(['create', 'iamserviceaccount', '-f', file1, '--approve']);
    expect(created.code, created.stderr).toBe(0);
    const applied = await e.run(['apply', '-f', file2, '--approve']);
    expect(applied.code, applied.stderr).toBe(0);
  } finally {
    e.sandbox.proxy.setFaultInjector(undefined);
    sc.kube.setFaultInjector(undefined);
  }
  const ms = performance.now() - started;
  return { state: await endState(cluster, sc.kube, sc.issuer), tallies: [aws.tally, kube.tally], ms };
}

describe('20% faults on every AWS and Kubernetes request', () => {
  it('create --approve then apply --approve of 20 service accounts reach the fault-free end state', async () => {
    const clean = await converge('rel-clean', false);
    expect(clean.state.stacks).toHaveLength(SA_COUNT);
    expect(clean.state.stacks.every((s) => s.status === 'CREATE_COMPLETE' || s.status === 'UPDATE_COMPLETE')).toBe(true);
    expect(clean.state.serviceAccounts.every((s) => s.roleArn !== undefined)).toBe(true);

    const faulty = await converge('rel-faulty', true);
    const [aws, kube] = faulty.tallies as [FaultTally, FaultTally];
    // The schedule really faulted both sides, with every kind of fault.
    expect(aws.faulted).toBeGreaterThan(0.1 * aws.requests);
    expect(kube.faulted).toBeGreaterThan(0.1 * kube.requests);
    console.info(`[reliability] tallies ${JSON.stringify(faulty.tallies)}`);
    for (const t of [aws, kube]) for (const n of Object.values(t.byKind)) expect(n).toBeGreaterThan(0);
    expect(faulty.state).toEqual(clean.state);
    // Figures for the README's reliability section.
    console.info(
      `[reliability] faults: AWS ${aws.faulted}/${aws.requests} faulted ${JSON.stringify(aws.byKind)}; ` +
        `Kubernetes ${kube.faulted}/${kube.requests} faulted ${JSON.stringify(kube.byKind)}; ` +
        `clean ${Math.round(clean.ms)} ms, faulty ${Math.round(faulty.ms)} ms`,
    );
  }, 120_000);
});
