/**
 * API economy of EKS Pod Identity (issue 15): an apply of 50 pod identity associations whose roles irsactl makes,
 * against the sandbox, counting every request that reaches AWS at the rewriting proxy; then the same apply again,
 * which must change nothing. Counts only — never wall-clock times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from '../../support/cli.js';
import { parseRunDocument } from '../../support/run-document.js';

const REGION = 'us-west-2';
const CLUSTER = 'perf-pia';
const COUNT = 50;
const NAMESPACES = ['apps', 'batch', 'web', 'data', 'ops'];
/** CreateStack, the DescribeStacks that reads the finished stack, CreatePodIdentityAssociation; plus one-offs and polls */
const CREATE_BUDGET_PER_ASSOCIATION = 3.2;
/**
 * the stack's DescribeStacks and GetTemplate, DescribePodIdentityAssociation, and the drift check of its role (GetRole,
 * ListAttachedRolePolicies, ListRolePolicies, as for iamserviceaccounts); plus one-offs
 */
const NOOP_BUDGET_PER_ASSOCIATION = 6.2;
/** like api-economy.test.ts: 50 stacks through one moto is heavy work; the limit is sized to it, irsactl's --timeout ends first */
const APPLY_TIMEOUT_MS = 120_000;

function clusterConfig(): string {
  const entries = Array.from({ length: COUNT }, (_, i) =>
    [`  - namespace: ${NAMESPACES[i % NAMESPACES.length]}`, `    serviceAccountName: sa-${i}`, '    permissionPolicyARNs: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]'].join('\n'),
  );
  return ['apiVersion: eksctl.io/v1alpha5', 'kind: ClusterConfig', `metadata: {name: ${CLUSTER}, region: ${REGION}}`, 'iam:', '  podIdentityAssociations:', ...entries, ''].join('\n');
}

async function counted(e: E2E, argv: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string; total: number; byAction: Record<string, number> }> {
  e.sandbox.proxy.requests.length = 0;
  const r = await e.run(argv, { stdin });
  const byAction: Record<string, number> = {};
  for (const q of e.sandbox.proxy.requests) byAction[`${q.service}:${q.action}`] = (byAction[`${q.service}:${q.action}`] ?? 0) + 1;
  return { ...r, total: e.sandbox.proxy.requests.length, byAction };
}

let e: E2E;
beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
});
afterAll(async () => {
  await e?.stop();
});

describe('apply of 50 pod identity associations', () => {
  it(
    'creates them all within the request budget, each write once',
    async () => {
      const r = await counted(e, ['apply', '-f', '-', '--approve', '-o', 'json', '--timeout', '100s'], clusterConfig());
      expect(r.code, r.stderr).toBe(0);
      expect(parseRunDocument(r.stdout).items.filter((i) => i.mechanism === 'pod-identity' && i.outcome?.status === 'done')).toHaveLength(COUNT);
      expect(r.byAction['cloudformation:CreateStack']).toBe(COUNT);
      expect(r.byAction['eks:CreatePodIdentityAssociation']).toBe(COUNT);
      // one-off lookups, once per run
      expect(r.byAction['eks:DescribeCluster']).toBe(1);
      expect(r.byAction['eks:ListPodIdentityAssociations']).toBe(1);
      expect(r.byAction['eks:DescribeAddon']).toBe(1);
      console.log(`apply of ${COUNT} pod identity associations: ${r.total} AWS requests (${(r.total / COUNT).toFixed(2)} per association)`, r.byAction);
      expect(r.total / COUNT).toBeLessThanOrEqual(CREATE_BUDGET_PER_ASSOCIATION);
    },
    APPLY_TIMEOUT_MS,
  );

  it(
    'the same apply again changes nothing and reads each association once',
    async () => {
      const r = await counted(e, ['apply', '-f', '-', '--approve', '--exit-code', '--timeout', '100s'], clusterConfig());
      expect(r.code, r.stderr).toBe(0);
      for (const write of ['cloudformation:CreateStack', 'cloudformation:UpdateStack', 'eks:CreatePodIdentityAssociation', 'eks:UpdatePodIdentityAssociation']) {
        expect(r.byAction[write] ?? 0, write).toBe(0);
      }
      expect(r.byAction['eks:DescribePodIdentityAssociation']).toBe(COUNT);
      expect(r.byAction['iam:GetRole']).toBe(COUNT);
      console.log(`no-op apply of ${COUNT}: ${r.total} AWS requests (${(r.total / COUNT).toFixed(2)} per association)`, r.byAction);
      expect(r.total / COUNT).toBeLessThanOrEqual(NOOP_BUDGET_PER_ASSOCIATION);
    },
    APPLY_TIMEOUT_MS,
  );
});
