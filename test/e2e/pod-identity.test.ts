import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { CreateAddonCommand, EKSClient } from '@aws-sdk/client-eks';
import { useE2E, type E2E } from '../support/cli.js';
import { createPodIdentityAsEksctl } from '../support/eksctl.js';
import { renderPodIdentityRoleTemplate } from '../../src/cfn/pod-identity-template.js';
import { templateBody } from '../../src/cfn/template.js';
import type { PodIdentityAssociationSpec } from '../../src/model/pod-identity.js';
import { NO_WELL_KNOWN } from '../fixtures/cfn/specs.js';
import { ensureBuilt, runBin } from '../support/bin.js';
import { parseRunDocument } from '../support/run-document.js';

// create|update|delete podidentityassociation against the sandbox (moto behind the proxy, which serves EKS Pod
// Identity and the add-ons as the EKS API model says, and the Kubernetes test server). Each case has its own cluster,
// so that add-ons and associations do not meet.

const REGION = 'us-west-2';
const POLICY = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const e = useE2E('pia-main', { region: REGION });
const dir = mkdtempSync(join(tmpdir(), 'pia-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WRITES: [string, string][] = [
  ['cloudformation', 'CreateStack'],
  ['cloudformation', 'UpdateStack'],
  ['cloudformation', 'DeleteStack'],
  ['eks', 'CreatePodIdentityAssociation'],
  ['eks', 'UpdatePodIdentityAssociation'],
  ['eks', 'DeletePodIdentityAssociation'],
];
const writes = (x: E2E) => WRITES.reduce((n, [service, action]) => n + x.sandbox.proxy.count(service, action), 0);

let clusters = 0;
async function newCluster(): Promise<{ name: string; key: { accountId: string; region: string; name: string } }> {
  const name = `pia-${++clusters}`;
  await e.sandbox.createCluster(e.account, name, REGION);
  return { name, key: { accountId: e.account.accountId, region: REGION, name } };
}
const flags = (cluster: string, verb: string, ...extra: string[]) => [verb, 'podidentityassociation', '--cluster', cluster, '--region', REGION, '--namespace', 'apps', '--service-account-name', 'reader', ...extra];
const clientOpts = () => ({ region: REGION, endpoint: e.sandbox.proxyUrl, credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey }, maxAttempts: 1 });

async function podRole(name: string): Promise<string> {
  const iam = new IAMClient(clientOpts());
  try {
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
    const out = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
    return out.Role!.Arn!;
  } finally {
    iam.destroy();
  }
}

function configFile(cluster: string, entries: string[][]): string {
  const path = join(dir, `${cluster}-${Math.random().toString(36).slice(2, 7)}.yaml`);
  writeFileSync(path, ['apiVersion: eksctl.io/v1alpha5', 'kind: ClusterConfig', `metadata: {name: ${cluster}, region: ${REGION}}`, 'iam:', '  podIdentityAssociations:', ...entries.flatMap((lines) => lines.map((l, i) => `${i === 0 ? '  - ' : '    '}${l}`)), ''].join('\n'));
  return path;
}

describe('create podidentityassociation (sandbox)', () => {
  it("makes the role stack as eksctl does (name, tags, template), then the association with the stack's role", async () => {
    const c = await newCluster();
    const r = await e.run(flags(c.name, 'create', '--permission-policy-arns', POLICY, '--tags', 'team=a', '--approve'));
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const stackName = `eksctl-${c.name}-podidentityrole-apps-reader`;
    const cfn = new CloudFormationClient(clientOpts());
    try {
      const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!;
      const tags = Object.fromEntries((stack.Tags ?? []).map((t) => [t.Key, t.Value]));
      expect(tags).toMatchObject({ 'alpha.eksctl.io/cluster-name': c.name, 'eksctl.cluster.k8s.io/v1alpha1/cluster-name': c.name, 'alpha.eksctl.io/podidentityassociation-name': 'apps/reader', team: 'a' });
      const template = JSON.parse((await cfn.send(new GetTemplateCommand({ StackName: stackName }))).TemplateBody!);
      expect(template.Description).toBe('IAM role for pod identity association [created and managed by eksctl]');
      expect(template.Resources.Role1.Properties.ManagedPolicyArns).toEqual([POLICY]);
      const roleArn = stack.Outputs?.find((o) => o.OutputKey === 'Role1')?.OutputValue;
      expect(e.sandbox.proxy.eks.associations(c.key)).toMatchObject([{ namespace: 'apps', serviceAccount: 'reader', roleArn, tags: { team: 'a' } }]);
    } finally {
      cfn.destroy();
    }
  });

  it('with --role-arn and --target-role-arn: no stack, the association chains into the target role', async () => {
    const c = await newCluster();
    const role = await podRole(`${c.name}-source`);
    e.sandbox.proxy.resetLog();
    const r = await e.run(flags(c.name, 'create', '--role-arn', role, '--target-role-arn', 'arn:aws:iam::444455556666:role/target', '--approve'));
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
    expect(e.sandbox.proxy.eks.associations(c.key)).toMatchObject([{ roleArn: role, targetRoleArn: 'arn:aws:iam::444455556666:role/target' }]);
  });

  it('refuses without the agent add-on, before any change; Auto Mode without the add-on works', async () => {
    const c = await newCluster();
    e.sandbox.proxy.eks.removeAddon(c.key, 'eks-pod-identity-agent');
    e.sandbox.proxy.resetLog();
    const r = await e.run(flags(c.name, 'create', '--permission-policy-arns', POLICY, '--approve'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`aws eks create-addon --cluster-name ${c.name} --addon-name eks-pod-identity-agent --region ${REGION}`);
    expect(writes(e)).toBe(0);

    e.sandbox.proxy.eks.setAutoMode(c.key, true);
    const auto = await e.run(flags(c.name, 'create', '--permission-policy-arns', POLICY, '--approve'));
    expect(auto, auto.stderr).toMatchObject({ code: 0 });
    expect(e.sandbox.proxy.eks.associations(c.key)).toHaveLength(1);
  });

  it('a session policy needs --disable-session-tags', async () => {
    const c = await newCluster();
    const role = await podRole(`${c.name}-source`);
    const policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';
    const refused = await e.run(flags(c.name, 'create', '--role-arn', role, '--policy', policy, '--approve'));
    expect(refused.code).toBe(2);
    const r = await e.run(flags(c.name, 'create', '--role-arn', role, '--policy', policy, '--disable-session-tags', '--approve'));
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(e.sandbox.proxy.eks.associations(c.key)).toMatchObject([{ policy, disableSessionTags: true }]);
  });

  it('an apply-like create of 10 from a file: AWS requests per association (counted)', async () => {
    const c = await newCluster();
    const entries = Array.from({ length: 10 }, (_, i) => [`namespace: team${i % 2}`, `serviceAccountName: app${i}`, `permissionPolicyARNs: [${POLICY}]`]);
    e.sandbox.proxy.resetLog();
    const r = await e.run(['create', 'podidentityassociation', '-f', configFile(c.name, entries), '--approve']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(e.sandbox.proxy.eks.associations(c.key)).toHaveLength(10);
    const total = e.sandbox.proxy.requests.length;
    // DescribeCluster, DescribeAddon, ListStacks, ListPodIdentityAssociations; per association CreateStack,
    // DescribeStacks (its output, after the poller's ListStacks) and CreatePodIdentityAssociation
    console.log(`pod identity create of 10: ${total} AWS requests (${(total / 10).toFixed(1)} per association): ${JSON.stringify(countBy(e))}`);
    expect(total / 10).toBeLessThanOrEqual(3.5);
  });
});

function countBy(x: E2E): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const q of x.sandbox.proxy.requests) counts[`${q.service}:${q.action}`] = (counts[`${q.service}:${q.action}`] ?? 0) + 1;
  return counts;
}

describe('update and delete podidentityassociation (sandbox)', () => {
  it('from a file: a role policy change updates the stack; by flags a target role change updates the association', async () => {
    const c = await newCluster();
    const entry = (arns: string[]) => [[`namespace: apps`, `serviceAccountName: reader`, `permissionPolicyARNs: [${arns.join(', ')}]`]];
    expect(await e.run(['create', 'podidentityassociation', '-f', configFile(c.name, entry([POLICY])), '--approve'])).toMatchObject({ code: 0 });
    e.sandbox.proxy.resetLog();
    const plan = await e.run(['update', 'podidentityassociation', '-f', configFile(c.name, entry([POLICY, 'arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess'])), '--exit-code']);
    expect(plan.code, plan.stderr).toBe(3);
    expect(plan.stdout).toContain('update stack');
    const u = await e.run(['update', 'podidentityassociation', '-f', configFile(c.name, entry([POLICY, 'arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess'])), '--approve']);
    expect(u, u.stderr).toMatchObject({ code: 0 });
    expect(e.sandbox.proxy.count('cloudformation', 'UpdateStack')).toBe(1);
    expect(e.sandbox.proxy.count('eks', 'UpdatePodIdentityAssociation')).toBe(0);

    const t = await e.run(flags(c.name, 'update', '--target-role-arn', 'arn:aws:iam::444455556666:role/target', '--approve'));
    expect(t, t.stderr).toMatchObject({ code: 0 });
    expect(e.sandbox.proxy.count('eks', 'UpdatePodIdentityAssociation')).toBe(1);
    expect(e.sandbox.proxy.count('cloudformation', 'UpdateStack')).toBe(1);
    expect(e.sandbox.proxy.eks.associations(c.key)).toMatchObject([{ targetRoleArn: 'arn:aws:iam::444455556666:role/target' }]);
  });

  it('delete removes the association, then its stack; a given role is kept', async () => {
    const c = await newCluster();
    expect(await e.run(flags(c.name, 'create', '--permission-policy-arns', POLICY, '--approve'))).toMatchObject({ code: 0 });
    e.sandbox.proxy.resetLog();
    const d = await e.run(flags(c.name, 'delete', '--wait'));
    expect(d, d.stderr).toMatchObject({ code: 0 });
    const order = e.sandbox.proxy.requests.filter((q) => q.action === 'DeletePodIdentityAssociation' || q.action === 'DeleteStack').map((q) => q.action);
    expect(order).toEqual(['DeletePodIdentityAssociation', 'DeleteStack']);
    expect(e.sandbox.proxy.eks.associations(c.key)).toHaveLength(0);

    const role = await podRole(`${c.name}-given`);
    expect(await e.run(flags(c.name, 'create', '--role-arn', role, '--approve'))).toMatchObject({ code: 0 });
    e.sandbox.proxy.resetLog();
    expect(await e.run(flags(c.name, 'delete'))).toMatchObject({ code: 0 });
    expect(e.sandbox.proxy.count('cloudformation', 'DeleteStack')).toBe(0);
    expect(e.sandbox.proxy.eks.associations(c.key)).toHaveLength(0);
  });

  it("eksctl's stack and association are found, updated and deleted by irsactl", async () => {
    const c = await newCluster();
    const spec: PodIdentityAssociationSpec = { namespace: 'apps', serviceAccountName: 'reader', createServiceAccount: false, permissionPolicyARNs: [POLICY], wellKnownPolicies: NO_WELL_KNOWN, tags: {} };
    const made = await createPodIdentityAsEksctl(e, { cluster: c.name, region: REGION, namespace: 'apps', serviceAccount: 'reader', templateBody: templateBody(renderPodIdentityRoleTemplate(spec)) });
    const same = await e.run(['update', 'podidentityassociation', '-f', configFile(c.name, [['namespace: apps', 'serviceAccountName: reader', `permissionPolicyARNs: [${POLICY}]`]]), '--exit-code']);
    expect(same.code, same.stdout + same.stderr).toBe(0);
    const t = await e.run(flags(c.name, 'update', '--target-role-arn', 'arn:aws:iam::444455556666:role/target', '--approve'));
    expect(t, t.stderr).toMatchObject({ code: 0 });
    expect(e.sandbox.proxy.eks.associations(c.key)).toMatchObject([{ associationId: made.associationId, roleArn: made.roleArn, targetRoleArn: 'arn:aws:iam::444455556666:role/target' }]);
    e.sandbox.proxy.resetLog();
    const d = await e.run(flags(c.name, 'delete', '--wait'));
    expect(d, d.stderr).toMatchObject({ code: 0 });
    expect(e.sandbox.proxy.count('cloudformation', 'DeleteStack')).toBe(1);
    expect(e.sandbox.proxy.eks.associations(c.key)).toHaveLength(0);
  });
});

describe('the built binary', () => {
  it('plans as JSON, creates and deletes an association (bin/irsactl.js, as users run it)', async () => {
    ensureBuilt();
    const c = await newCluster();
    const plan = await runBin([...flags(c.name, 'create', '--permission-policy-arns', POLICY), '-o', 'json'], e.env);
    expect(plan.code, plan.stderr).toBe(0);
    // the run document (src/output/run-document.ts), as every planning command prints it
    const doc = parseRunDocument(plan.stdout);
    expect(doc).toMatchObject({ kind: 'Plan', command: 'create podidentityassociation', items: [{ id: 'apps/reader', mechanism: 'pod-identity', action: 'create', association: { action: 'create' } }] });
    const r = await runBin([...flags(c.name, 'create', '--permission-policy-arns', POLICY, '--approve'), '-o', 'json'], e.env);
    expect(r.code, r.stderr).toBe(0);
    const result = parseRunDocument(r.stdout);
    expect(result).toMatchObject({ kind: 'Result', items: [{ id: 'apps/reader', action: 'create', association: { outcome: 'created' }, outcome: { status: 'done', changed: true } }] });
    expect(e.sandbox.proxy.eks.associations(c.key)).toHaveLength(1);
    const d = await runBin([...flags(c.name, 'delete', '--wait'), '-o', 'json'], e.env);
    expect(d.code, d.stderr).toBe(0);
    expect(parseRunDocument(d.stdout)).toMatchObject({ kind: 'Result', command: 'delete podidentityassociation', items: [{ action: 'delete', association: { outcome: 'deleted' }, stack: { outcome: 'deleted' } }] });
    expect(e.sandbox.proxy.eks.associations(c.key)).toHaveLength(0);
  });

  it("an association an EKS add-on owns is never changed or deleted: create, apply and delete refuse it, with the add-on's command", async () => {
    const c = await newCluster();
    const role = await podRole(`addon-owned-${c.name}`);
    const eks = new EKSClient(clientOpts());
    try {
      await eks.send(new CreateAddonCommand({ clusterName: c.name, addonName: 'aws-ebs-csi-driver', podIdentityAssociations: [{ serviceAccount: 'ebs-csi-controller-sa', roleArn: role }] }));
    } finally {
      eks.destroy();
    }
    const owned = e.sandbox.proxy.eks.associations(c.key);
    expect(owned).toHaveLength(1);
    expect(owned[0].ownerArn).toMatch(/:addon\/.*aws-ebs-csi-driver/);
    const target = ['--cluster', c.name, '--region', REGION, '--namespace', 'kube-system', '--service-account-name', 'ebs-csi-controller-sa'];
    const before = writes(e);

    const del = await e.run(['delete', 'podidentityassociation', ...target]);
    expect(del.code).toBe(1);
    expect(del.stderr).toMatch(/belongs to the EKS add-on .*aws-ebs-csi-driver.*irsactl never deletes it/);
    expect(del.stderr).toMatch(/update-addon/);

    const created = await e.run(['create', 'podidentityassociation', ...target, '--permission-policy-arns', POLICY, '--approve']);
    expect(created.code).not.toBe(0);
    expect(created.stderr).toMatch(/aws-ebs-csi-driver/);

    const path = configFile(c.name, [['namespace: kube-system', 'serviceAccountName: ebs-csi-controller-sa', `permissionPolicyARNs: [${POLICY}]`]]);
    const plan = await e.run(['apply', '-f', path, '-o', 'json']);
    expect(parseRunDocument(plan.stdout).items[0]).toMatchObject({ id: 'kube-system/ebs-csi-controller-sa', action: 'cannot-act', association: { action: 'foreign' } });
    const applied = await e.run(['apply', '-f', path, '--approve']);
    expect(applied.code).not.toBe(0);

    expect(writes(e)).toBe(before);
    expect(e.sandbox.proxy.eks.associations(c.key)).toEqual(owned);
  });
});
