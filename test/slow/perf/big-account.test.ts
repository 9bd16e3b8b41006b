/**
 * Big accounts (issue 11 item 5, issue 19 item 2): 1,000 stacks that are not this cluster's share the region, and
 * the sandbox's proxy denies DescribeStacks without a StackName with CloudFormation's AccessDenied, as AWS's
 * documented guard policy does. Every command works, and the AWS requests of each are exactly those of the same
 * command in an empty region (moto's ListStacks answers in one page; on AWS the listing adds its pages only).
 * Counts only, never times.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from '../../support/cli.js';
import { clusterConfigYaml } from '../../support/config.js';
import { parseRunDocument } from '../../support/run-document.js';
import { fillRegion } from '../../../sandbox/crowd.js';

const REGION = 'eu-west-1';
const CLUSTER = 'big-account';
/** issue 19's crowded region; filling it takes about 9 s of moto's time on this 2-core machine */
const UNRELATED = 1000;
const SA_COUNT = 10;
/** the apply of issue 19's budget, for a second cluster in the crowded region */
const FIFTY = 50;
const FIFTY_CLUSTER = 'big-account-fifty';
/** issue 19's budget for a create, every request counted */
const AWS_BUDGET_PER_SA = 3;

const yaml = (n = SA_COUNT) => clusterConfigYaml(CLUSTER, REGION, Array.from({ length: n }, (_, i) => ({ id: `apps/sa-${i}` })));

let crowded: E2E;
let empty: E2E;

interface Counted {
  code: number;
  stderr: string;
  stdout: string;
  total: number;
  byAction: Record<string, number>;
  unnamedDescribes: number;
}

async function counted(e: E2E, argv: string[], stdin?: string): Promise<Counted> {
  e.sandbox.proxy.resetLog();
  const r = await e.run(argv, { stdin });
  const byAction: Record<string, number> = {};
  for (const q of e.sandbox.proxy.requests) byAction[`${q.service}:${q.action}`] = (byAction[`${q.service}:${q.action}`] ?? 0) + 1;
  const unnamedDescribes = e.sandbox.proxy.requests.filter((q) => q.action === 'DescribeStacks' && !q.params?.StackName).length;
  return { ...r, total: e.sandbox.proxy.requests.length, byAction, unnamedDescribes };
}

/** The same command in both regions: both succeed, neither asks for DescribeStacks without a name, and the counts match. */
/** the waiter's ticks a slower moto (1,000 stacks to filter per ListStacks) may add while stacks are in flight */
const MAX_EXTRA_POLLS = 3;

async function both(argv: string[], stdin?: string): Promise<{ crowded: Counted; empty: Counted }> {
  const a = await counted(crowded, argv, stdin);
  const b = await counted(empty, argv, stdin);
  for (const r of [a, b]) {
    expect(r.code, r.stderr).toBe(0);
    expect(r.unnamedDescribes).toBe(0);
  }
  // ListStacks is both the discovery listing (its pages only grow with the region) and the waiter's poll for stacks in
  // flight, whose count follows how fast moto finishes them, not the region: compared apart, everything else exactly.
  const withoutListStacks = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).filter(([k]) => k !== 'cloudformation:ListStacks'));
  expect(withoutListStacks(a.byAction), JSON.stringify({ crowded: a.byAction, empty: b.byAction })).toEqual(withoutListStacks(b.byAction));
  const polls = (m: Record<string, number>) => m['cloudformation:ListStacks'] ?? 0;
  expect(polls(a.byAction), 'one discovery listing (moto answers it in one page), plus waiter polls').toBeGreaterThanOrEqual(Math.min(1, polls(b.byAction)));
  expect(polls(a.byAction) - polls(b.byAction), JSON.stringify({ crowded: a.byAction, empty: b.byAction })).toBeLessThanOrEqual(MAX_EXTRA_POLLS);
  return { crowded: a, empty: b };
}

beforeAll(async () => {
  [crowded, empty] = [await startE2E(CLUSTER, REGION), await startE2E(CLUSTER, REGION)];
  await fillRegion(crowded.sandbox.motoUrl, crowded.account, REGION, CLUSTER, UNRELATED);
  await crowded.associate();
  await empty.associate();
}, 180_000);
afterAll(async () => {
  await crowded?.stop();
  await empty?.stop();
});

describe(`a region with ${UNRELATED} unrelated stacks, under a policy that denies DescribeStacks without a StackName`, () => {
  it('the guard is really on: an unnamed DescribeStacks through the sandbox gets AccessDenied', async () => {
    const client = new CloudFormationClient({
      region: REGION,
      endpoint: crowded.sandbox.proxyUrl,
      credentials: { accessKeyId: crowded.account.accessKeyId, secretAccessKey: crowded.account.secretAccessKey },
      maxAttempts: 1,
    });
    try {
      await expect(client.send(new DescribeStacksCommand({}))).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      expect((await client.send(new DescribeStacksCommand({ StackName: 'app-2' }))).Stacks?.[0]?.StackName).toBe('app-2');
    } finally {
      client.destroy();
    }
  });

  it(`apply creating ${SA_COUNT} service accounts costs what it costs in an empty region, at most ${AWS_BUDGET_PER_SA} AWS requests each`, async () => {
    const { crowded: r } = await both(['apply', '-f', '-', '--approve'], yaml());
    expect(r.byAction['cloudformation:CreateStack']).toBe(SA_COUNT);
    // discovery: one listing, no DescribeStacks (none of the 1,000 has this cluster's prefix)
    expect(r.byAction['cloudformation:ListStacks']).toBeGreaterThanOrEqual(1);
    expect(r.total / SA_COUNT, JSON.stringify(r.byAction)).toBeLessThanOrEqual(AWS_BUDGET_PER_SA);
  });

  it(`apply creating ${FIFTY} service accounts of another cluster there costs at most ${AWS_BUDGET_PER_SA} AWS requests each, every request counted`, async () => {
    // A second cluster in the crowded region (its OIDC provider created by this apply): the budget of an apply of 50,
    // one-off lookups and waiting included, with the 1,000 stacks and this file's others around it.
    await crowded.sandbox.createCluster(crowded.account, FIFTY_CLUSTER, REGION);
    const fifty = clusterConfigYaml(FIFTY_CLUSTER, REGION, Array.from({ length: FIFTY }, (_, i) => ({ id: `ns-${i % 5}/sa-${i}` })));
    const r = await counted(crowded, ['apply', '-f', '-', '--approve', '--timeout', '100s'], fifty);
    expect(r.code, r.stderr).toBe(0);
    expect(r.unnamedDescribes).toBe(0);
    expect(r.byAction['cloudformation:CreateStack']).toBe(FIFTY);
    expect(r.byAction['cloudformation:DescribeStacks'] ?? 0).toBeLessThanOrEqual(FIFTY);
    expect(r.total, JSON.stringify(r.byAction)).toBeLessThanOrEqual(AWS_BUDGET_PER_SA * FIFTY);
  }, 120_000);

  it('get of the cluster costs the same as in an empty region, and lists only its own', async () => {
    const { crowded: r } = await both(['get', 'iamserviceaccount', '--cluster', CLUSTER, '-o', 'json']);
    const items = JSON.parse(r.stdout) as { metadata: { name: string } }[];
    expect(items.map((i) => i.metadata.name).sort()).toEqual(Array.from({ length: SA_COUNT }, (_, i) => `sa-${i}`).sort());
    // one ListStacks, then one DescribeStacks by name per stack of this cluster
    expect(r.byAction['cloudformation:DescribeStacks']).toBe(SA_COUNT);
  });

  it('update, doctor, delete --wait and apply --prune work and cost the same as in an empty region', async () => {
    await both(['update', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'sa-0', '--attach-policy-arn', 'arn:aws:iam::aws:policy/AmazonS3FullAccess', '--approve']);
    await both(['doctor', '--cluster', CLUSTER, '--namespace', 'apps', '-o', 'json']);
    await both(['delete', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'sa-9', '--wait']);
    const pruned = await both(['apply', '-f', '-', '--prune', '--approve', '-o', 'json'], yaml(5));
    expect(parseRunDocument(pruned.crowded.stdout).items.filter((i) => i.action === 'delete' && i.stack.outcome === 'deleted')).toHaveLength(4);
  });
});
