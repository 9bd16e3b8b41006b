/**
 * API economy (issue #6): an apply of 50 service accounts against the sandbox, counting every request that
 * reaches AWS (at the rewriting proxy) and Kubernetes (at the test server). Budgets are per service account;
 * one-off lookups must happen once per run, and waiting polls all stacks in flight together.
 * Counts only — never wall-clock times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from '../../support/cli.js';
import { clusterConfigYaml } from '../../support/config.js';
import { parseRunDocument } from '../../support/run-document.js';

const REGION = 'us-west-2';
const CLUSTER = 'perf-economy';
const SA_COUNT = 50;
const NAMESPACES = ['apps', 'batch', 'web', 'data', 'ops'];
/** issue 19's budget: every AWS request counted, one-off lookups included */
const AWS_BUDGET_PER_SA = 3;
/**
 * issue 12's drift check, on top for update/apply over existing stacks: GetRole, ListAttachedRolePolicies and
 * ListRolePolicies per service account (GetRolePolicy per inline policy; these roles have none).
 */
const DRIFT_CHECK_PER_SA = 3;
const KUBE_BUDGET_PER_SA = 4;
/**
 * 50 stacks through one moto (the sandbox serialises its requests) is heavy work: about 8 s on an idle 2-core
 * machine, over 30 s with the machine loaded. The test counts requests, so its limit is sized to the work, not a
 * claim about speed; a run that hangs still ends here, and irsactl's own --timeout ends first with its message.
 */
const APPLY_OF_50_TIMEOUT_MS = 120_000;

/** 50 service accounts over 5 namespaces (some of which exist only after irsactl creates them). */
function clusterConfig(): string {
  return clusterConfigYaml(CLUSTER, REGION, Array.from({ length: SA_COUNT }, (_, i) => ({ id: `${NAMESPACES[i % NAMESPACES.length]}/sa-${i}` })));
}

interface Counted {
  aws: { total: number; byAction: Record<string, number> };
  kube: { total: number; byRoute: Record<string, number> };
}

/** Runs irsactl and returns what it asked of AWS and Kubernetes during that run only. */
async function counted(e: E2E, argv: string[], stdin?: string): Promise<Counted & { code: number; stderr: string; stdout: string }> {
  e.sandbox.proxy.requests.length = 0;
  e.cluster.kube.resetLog();
  const r = await e.run(argv, { stdin });
  const byAction: Record<string, number> = {};
  for (const q of e.sandbox.proxy.requests) byAction[`${q.service}:${q.action}`] = (byAction[`${q.service}:${q.action}`] ?? 0) + 1;
  const byRoute: Record<string, number> = {};
  for (const q of e.cluster.kube.requests) {
    // collapse object names so that routes, not objects, are counted: GET /api/v1/namespaces/{ns}/serviceaccounts/{name}
    const route = `${q.method} ${q.path.replace(/\/namespaces\/[^/]+/, '/namespaces/{ns}').replace(/\/serviceaccounts\/[^/]+/, '/serviceaccounts/{name}')}`;
    byRoute[route] = (byRoute[route] ?? 0) + 1;
  }
  return {
    ...r,
    aws: { total: e.sandbox.proxy.requests.length, byAction },
    kube: { total: e.cluster.kube.requests.length, byRoute },
  };
}

let e: E2E;

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  // One namespace exists already; the other four irsactl creates.
  e.cluster.kube.putServiceAccount({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'apps', name: 'unrelated' } });
});
afterAll(async () => {
  await e?.stop();
});

describe('apply of 50 service accounts', () => {
  let first: Awaited<ReturnType<typeof counted>>;

  it('creates them all within the AWS and Kubernetes request budgets', async () => {
    first = await counted(e, ['apply', '-f', '-', '--approve', '-o', 'json', '--timeout', '100s'], clusterConfig());
    expect(first.stderr).not.toMatch(/Error:/);
    expect(first.code).toBe(0);
    const result = parseRunDocument(first.stdout);
    expect(result.items).toHaveLength(SA_COUNT);
    expect(result.items.every((s) => s.stack.outcome === 'created' && s.serviceAccount.outcome === 'created')).toBe(true);

    expect(first.aws.total, JSON.stringify(first.aws.byAction)).toBeLessThanOrEqual(AWS_BUDGET_PER_SA * SA_COUNT);
    expect(first.kube.total, JSON.stringify(first.kube.byRoute)).toBeLessThanOrEqual(KUBE_BUDGET_PER_SA * SA_COUNT);
  }, APPLY_OF_50_TIMEOUT_MS);

  it('makes the one-off lookups once per run, not once per service account', () => {
    const a = first.aws.byAction;
    expect(a['eks:DescribeCluster']).toBe(1);
    // once to plan; creating it (withOIDC: true) does not look it up again
    expect(a['iam:GetOpenIDConnectProvider']).toBe(1);
    expect(a['iam:CreateOpenIDConnectProvider']).toBe(1);
    expect(a['cloudformation:CreateStack']).toBe(SA_COUNT);
    // discovery is one ListStacks (no stacks of this cluster yet, so no DescribeStacks); waiting costs a
    // status-filtered ListStacks per tick for all stacks in flight and one DescribeStacks by name per finished
    // stack, for its outputs. Never DescribeStacks without a StackName.
    expect(a['cloudformation:DescribeStacks'] ?? 0).toBeLessThanOrEqual(SA_COUNT);
    expect(a['cloudformation:ListStacks'] ?? 0).toBeGreaterThanOrEqual(1);
    expect(a['cloudformation:ListStacks'] ?? 0).toBeLessThan(SA_COUNT / 5);
    expect(e.sandbox.proxy.requests.filter((q) => q.action === 'DescribeStacks' && !q.params?.StackName)).toEqual([]);

    // namespaces: one list of ServiceAccounts, one existence check (and at most one create) each
    const k = first.kube.byRoute;
    expect(k['GET /api/v1/namespaces/{ns}/serviceaccounts']).toBe(NAMESPACES.length);
    expect((k['GET /api/v1/namespaces/{ns}'] ?? 0) + (k['POST /api/v1/namespaces'] ?? 0)).toBeLessThanOrEqual(2 * NAMESPACES.length);
    expect(k['POST /api/v1/namespaces/{ns}/serviceaccounts']).toBe(SA_COUNT);
    // the plan saw them absent in those lists: no GET of each before creating it
    expect(k['GET /api/v1/namespaces/{ns}/serviceaccounts/{name}'] ?? 0).toBe(0);
  });

  it('a second apply plans nothing and stays within the budget too', async () => {
    const again = await counted(e, ['apply', '-f', '-', '--approve', '-o', 'json', '--timeout', '100s'], clusterConfig());
    expect(again.code).toBe(0);
    const result = parseRunDocument(again.stdout);
    expect(result.items.every((s) => s.serviceAccount.outcome === 'unchanged')).toBe(true);
    expect(again.aws.byAction['cloudformation:CreateStack'] ?? 0).toBe(0);
    expect(again.aws.byAction['cloudformation:UpdateStack'] ?? 0).toBe(0);
    for (const read of ['iam:GetRole', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies']) expect(again.aws.byAction[read], read).toBe(SA_COUNT);
    expect(again.aws.byAction['iam:GetRolePolicy'] ?? 0).toBe(0);
    expect(again.aws.total, JSON.stringify(again.aws.byAction)).toBeLessThanOrEqual((AWS_BUDGET_PER_SA + DRIFT_CHECK_PER_SA) * SA_COUNT);
    expect(again.kube.total, JSON.stringify(again.kube.byRoute)).toBeLessThanOrEqual(KUBE_BUDGET_PER_SA * SA_COUNT);
    // nothing to write in Kubernetes: only the lists
    expect(again.kube.byRoute['GET /api/v1/namespaces/{ns}/serviceaccounts']).toBe(NAMESPACES.length);
    expect(again.kube.total).toBe(NAMESPACES.length);
  }, APPLY_OF_50_TIMEOUT_MS);
});

describe('creating without reading first', () => {
  it('still merges into a ServiceAccount that someone created after the plan looked', async () => {
    const yaml = clusterConfigYaml(CLUSTER, REGION, [{ id: 'apps/raced' }]);
    // Between irsactl's list and its create, another client creates the object (with a label of its own).
    e.cluster.kube.setFaultInjector((req) => {
      if (req.method === 'POST' && req.path === '/api/v1/namespaces/apps/serviceaccounts' && !e.cluster.kube.getServiceAccount('apps', 'raced')) {
        e.cluster.kube.putServiceAccount({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'apps', name: 'raced', labels: { team: 'other' } } });
      }
      return 'pass';
    });
    try {
      const r = await counted(e, ['apply', '-f', '-', '--approve', '-o', 'json', '--timeout', '100s'], yaml);
      expect(r.stderr).not.toMatch(/Error:/);
      expect(r.code).toBe(0);
      const k = r.kube.byRoute;
      expect(k['POST /api/v1/namespaces/{ns}/serviceaccounts']).toBe(1); // answered 409
      expect(k['GET /api/v1/namespaces/{ns}/serviceaccounts/{name}']).toBe(1); // read back only after the conflict
    } finally {
      e.cluster.kube.setFaultInjector(undefined);
    }
    const sa = e.cluster.kube.getServiceAccount('apps', 'raced') as { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } };
    expect(sa.metadata.labels?.team).toBe('other');
    expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\//);
  });
});

describe('round trips before the plan', () => {
  // The stack listing needs only the cluster's name, so it goes beside DescribeCluster, not after its answer: one
  // AWS round trip fewer for every command that lists stacks. Held answers, not wall times: DescribeCluster's answer
  // is held back 1.5 s, and each listing must reach AWS before that answer leaves.
  it.each([
    ['create (a plan)', ['create', 'iamserviceaccount', '-f', '-', '-o', 'json']],
    ['apply (a plan)', ['apply', '-f', '-', '-o', 'json']],
    ['get', ['get', 'iamserviceaccount', '--cluster', CLUSTER, '-o', 'json']],
    ['delete (a plan)', ['delete', 'iamserviceaccount', '-f', '-']],
  ])('%s sends ListStacks while DescribeCluster is unanswered', async (_, argv) => {
    let describeAnswered = Number.POSITIVE_INFINITY;
    e.sandbox.proxy.setFaultInjector(({ action }) => {
      if (action !== 'DescribeCluster') return 'pass';
      describeAnswered = Date.now() + 1_500;
      return { delayMs: 1_500 };
    });
    try {
      const r = await counted(e, argv, clusterConfigYaml(CLUSTER, REGION, [{ id: 'apps/sa-0' }]));
      expect(r.code, r.stderr).toBe(0);
      const listing = e.sandbox.proxy.requests.find((q) => q.action === 'ListStacks');
      expect(listing, JSON.stringify(r.aws.byAction)).toBeDefined();
      expect(listing!.at).toBeLessThan(describeAnswered);
      expect(r.aws.byAction['eks:DescribeCluster']).toBe(1);
      expect(r.aws.byAction['cloudformation:ListStacks']).toBe(1);
    } finally {
      e.sandbox.proxy.setFaultInjector(undefined);
    }
  }, 60_000);
});
