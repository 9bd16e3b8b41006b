/**
 * `irsactl get iamserviceaccount` end to end: stacks made by irsactl's own create through the sandbox, the
 * ServiceAccounts then bent into each STATUS (ok, missing serviceaccount, stale annotation). A failed stack
 * comes from a fake CloudFormationPort wrapping the real one: moto never leaves a stack in ROLLBACK_COMPLETE
 * (harness.md §2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load as loadYaml } from 'js-yaml';
import { createAwsPorts } from '../../src/aws/factory.js';
import type { CloudFormationPort, StackRecord } from '../../src/aws/ports.js';
import type { RuntimeOverrides } from '../../src/runtime/runtime.js';
import { startE2E, type E2E } from '../support/cli.js';
import { withExtraStacks } from '../support/fake-cfn.js';

const REGION = 'us-west-2';
const CLUSTER = 'get-e2e';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';

let e: E2E;

interface GetItem {
  metadata: { name: string; namespace: string };
  attachPolicyARNs?: string[];
  wellKnownPolicies?: Record<string, boolean>;
  status: { roleARN?: string; stackName: string; stackStatus: string; tags: Record<string, string>; capabilities: string[]; health: string };
}

/** The real adapters with `cfn` replaced: tests stage what moto cannot. */
function withCfn(wrap: (real: CloudFormationPort) => CloudFormationPort): RuntimeOverrides {
  return {
    awsPorts: async ({ region, profile }) => {
      const real = await createAwsPorts({ region, profile, env: e.env });
      return { ...real, cfn: wrap(real.cfn) };
    },
  };
}

const failedStack: StackRecord = {
  stackName: `eksctl-${CLUSTER}-addon-iamserviceaccount-apps-broken`,
  stackId: `arn:aws:cloudformation:${REGION}:123456789012:stack/eksctl-${CLUSTER}-addon-iamserviceaccount-apps-broken/1`,
  status: 'ROLLBACK_COMPLETE',
  statusReason: 'The following resource(s) failed to create: [Role1].',
  tags: { 'alpha.eksctl.io/cluster-name': CLUSTER, 'eksctl.cluster.k8s.io/v1alpha1/cluster-name': CLUSTER, 'alpha.eksctl.io/iamserviceaccount-name': 'apps/broken' },
  outputs: {},
  capabilities: ['CAPABILITY_IAM'],
};

async function create(ns: string, name: string, extra: string[] = []): Promise<void> {
  const r = await e.run(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', ns, '--name', name, '--attach-policy-arn', S3_READ, '--approve', ...extra]);
  expect(r.code, r.stderr).toBe(0);
}

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
});
afterAll(async () => {
  await e?.stop();
});

describe('get iamserviceaccount', () => {
  it('with no stacks: table prints nothing on stdout and says so on stderr; json prints []', async () => {
    const table = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toBe('');
    expect(table.stderr).toContain('No iamserviceaccounts found');
    const json = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '-o', 'json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  describe('STATUS', () => {
    let arns: Record<string, string>;
    beforeAll(async () => {
      const assoc = await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', CLUSTER, '--approve']);
      expect(assoc.code, assoc.stderr).toBe(0);
      await create('apps', 'good');
      await create('apps', 'gone', ['--role-only']); // a stack, no ServiceAccount
      await create('apps', 'stale');
      await create('other', 'named', ['--role-name', 'get-e2e-named-role']);
      const json = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '-o', 'json']);
      arns = Object.fromEntries((JSON.parse(json.stdout) as GetItem[]).map((i) => [`${i.metadata.namespace}/${i.metadata.name}`, i.status.roleARN!]));
      // Bend the cluster into each state.
      const kube = e.cluster.kube;
      const stale = kube.getServiceAccount('apps', 'stale')!;
      kube.putServiceAccount({ ...stale, metadata: { ...(stale.metadata as object), annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111111111111:role/someone-else' } } });
      expect(kube.getServiceAccount('apps', 'gone')).toBeUndefined();
    });

    it('table: ok, missing serviceaccount, stale annotation; sorted by namespace/name', async () => {
      const r = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER]);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+ROLE ARN\s+MECHANISM\s+STATUS$/);
      expect(lines.slice(1).map((l) => l.split(/\s+/))).toEqual([
        ['apps', 'gone', arns['apps/gone'], 'IRSA', 'missing', 'serviceaccount'],
        ['apps', 'good', arns['apps/good'], 'IRSA', 'ok'],
        ['apps', 'stale', arns['apps/stale'], 'IRSA', 'stale', 'annotation'],
        ['other', 'named', arns['other/named'], 'IRSA', 'ok'],
      ]);
    });

    it('a stack in ROLLBACK_COMPLETE with no output is listed as failed, not a crash', async () => {
      const overrides = withCfn((real) => ({ ...real, ...withExtraStacks(real, () => [failedStack]) }));
      const r = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER], { overrides });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^apps\s+broken\s+-\s+IRSA\s+stack failed \(ROLLBACK_COMPLETE\)$/m);
      expect(r.stdout).toMatch(/^apps\s+good\s+\S+\s+IRSA\s+ok$/m);

      // json reads each template: the failed stack's comes from the fake too (it has none in moto).
      const json = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--name', 'broken', '-o', 'json'], {
        overrides: withCfn((real) => ({
          ...real,
          ...withExtraStacks(real, () => [failedStack]),
          getTemplate: async (id) => (id === failedStack.stackId ? '{"Resources":{"Role1":{"Type":"AWS::IAM::Role","Properties":{}}}}' : real.getTemplate(id)),
        })),
      });
      expect(json.code, json.stderr).toBe(0);
      const items = JSON.parse(json.stdout) as GetItem[];
      expect(items).toHaveLength(1);
      expect(items[0]!.status.health).toBe('stack failed');
      expect(items[0]!.status.stackStatus).toBe('ROLLBACK_COMPLETE');
      expect(items[0]!.status.roleARN).toBeUndefined();
    });

    it("-o json keeps eksctl's shape plus policies and health", async () => {
      const r = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'other', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const items = JSON.parse(r.stdout) as GetItem[];
      expect(items).toHaveLength(1);
      const item = items[0]!;
      expect(item.metadata).toEqual({ name: 'named', namespace: 'other' });
      expect(item.status.roleARN).toBe(arns['other/named']);
      expect(item.status.roleARN).toMatch(/:role\/get-e2e-named-role$/);
      expect(item.status.stackName).toBe(`eksctl-${CLUSTER}-addon-iamserviceaccount-other-named`);
      expect(item.status.tags).toMatchObject({ 'alpha.eksctl.io/cluster-name': CLUSTER, 'alpha.eksctl.io/iamserviceaccount-name': 'other/named' });
      expect(Array.isArray(item.status.capabilities)).toBe(true);
      expect(item.attachPolicyARNs).toEqual([S3_READ]);
      expect(item.wellKnownPolicies).toMatchObject({ imageBuilder: false, autoScaler: false });
      expect(item.status.health).toBe('ok');
    });

    it('-o yaml carries the same items', async () => {
      const r = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '-o', 'yaml']);
      expect(r.code, r.stderr).toBe(0);
      const items = loadYaml(r.stdout) as GetItem[];
      expect(items.map((i) => `${i.metadata.namespace}/${i.metadata.name}:${i.status.health}`)).toEqual([
        'apps/gone:missing serviceaccount',
        'apps/good:ok',
        'apps/stale:stale annotation',
        'other/named:ok',
      ]);
    });

    it('--name filters exactly; a name that matches nothing is the empty result', async () => {
      const r = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--name', 'good']);
      expect(r.stdout.trimEnd().split('\n')).toHaveLength(2);
      const none = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--name', 'goo']);
      expect(none.code).toBe(0);
      expect(none.stdout).toBe('');
      expect(none.stderr).toContain('No iamserviceaccounts found');
    });
  });
});

