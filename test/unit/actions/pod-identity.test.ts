import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLUSTER_NAME_TAG, POD_IDENTITY_NAME_TAG, ROLE_OUTPUT } from '../../../src/model/naming.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../../src/model/kubernetes.js';
import { RESOURCES } from '../../../sandbox/kube/resources.js';
import { memoryCluster, type MemoryCluster } from '../../support/memory-cli.js';

// create|update|delete podidentityassociation through in-memory ports (test/support/memory-aws.ts: EKS Pod Identity
// as its API model says, a stack complete at once; memory-kube.ts: the Kubernetes test server's store).
// test/e2e/pod-identity.test.ts runs the same paths against the sandbox.

const POLICY = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const WRITES = /^(cfn\.(createStack|updateStack|deleteStack)|eks\.(create|update|delete)PodIdentityAssociation)/;

const args = (m: MemoryCluster, verb: string, ...extra: string[]) => [verb, 'podidentityassociation', '--cluster', m.cluster, '--region', m.region, '--namespace', 'apps', '--service-account-name', 'reader', ...extra];
const stackName = (m: MemoryCluster) => `eksctl-${m.cluster}-podidentityrole-apps-reader`;
const onlyAssociation = (m: MemoryCluster) => {
  expect(m.aws.associations.size).toBe(1);
  return [...m.aws.associations.values()][0]!;
};

describe('create podidentityassociation', () => {
  it('plans first, then makes the role stack as eksctl names and tags it, the association with its role, and the ServiceAccount without annotation', async () => {
    const m = memoryCluster();
    const plan = await m.run(args(m, 'create', '--permission-policy-arns', POLICY, '--create-service-account', '--tags', 'team=a'));
    expect(plan, plan.stderr).toMatchObject({ code: 0 });
    expect(plan.stdout).toContain('apps/reader [Pod Identity]: create stack');
    expect(m.aws.calls.filter((c) => WRITES.test(c))).toEqual([]);

    const r = await m.run(args(m, 'create', '--permission-policy-arns', POLICY, '--create-service-account', '--tags', 'team=a', '--approve'));
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const stack = m.aws.stacks.get(stackName(m));
    expect(stack).toMatchObject({ status: 'CREATE_COMPLETE', tags: { [CLUSTER_NAME_TAG]: m.cluster, [POD_IDENTITY_NAME_TAG]: 'apps/reader', team: 'a' }, capabilities: ['CAPABILITY_IAM'] });
    expect(JSON.parse(stack!.templateBody).Resources.Role1.Properties.AssumeRolePolicyDocument.Statement[0]).toMatchObject({ Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] });
    expect(onlyAssociation(m)).toMatchObject({ namespace: 'apps', serviceAccount: 'reader', roleArn: stack!.outputs[ROLE_OUTPUT], tags: { team: 'a' } });
    // the stack before the association
    expect(m.aws.calls.filter((c) => WRITES.test(c))).toEqual([`cfn.createStack ${stackName(m)}`, 'eks.createPodIdentityAssociation apps/reader']);
    const sa = m.kube.store.get(RESOURCES.serviceaccounts, 'apps', 'reader')?.metadata as { labels?: Record<string, string>; annotations?: Record<string, string> };
    expect(sa.labels).toMatchObject({ [MANAGED_BY_LABEL]: MANAGED_BY_VALUE });
    expect(sa.annotations ?? {}).toEqual({});

    // a second run changes nothing
    const again = await m.run(args(m, 'create', '--permission-policy-arns', POLICY, '--create-service-account', '--tags', 'team=a', '--approve', '--exit-code'));
    expect(again, again.stderr).toMatchObject({ code: 0 });
  });

  it('refuses without the agent (no add-on, not Auto Mode) before any change, naming the add-on and how to install it', async () => {
    const m = memoryCluster({ eks: { podIdentityAgent: null } });
    const r = await m.run(args(m, 'create', '--permission-policy-arns', POLICY, '--approve'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('eks-pod-identity-agent');
    expect(r.stderr).toContain('aws eks create-addon --cluster-name unit --addon-name eks-pod-identity-agent --region us-west-2');
    expect(r.stderr).toContain('eksctl create addon --cluster unit --name eks-pod-identity-agent');
    expect(m.aws.calls.filter((c) => WRITES.test(c))).toEqual([]);
  });

  it('works on an Auto Mode cluster without the add-on (and does not ask for it)', async () => {
    const m = memoryCluster({ eks: { podIdentityAgent: null, autoMode: true } });
    const r = await m.run(args(m, 'create', '--permission-policy-arns', POLICY, '--approve'));
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(m.aws.calls.some((c) => c.startsWith('eks.describeAddon'))).toBe(false);
    expect(m.aws.associations.size).toBe(1);
  });

  it('warns when the add-on is not ACTIVE', async () => {
    const m = memoryCluster({ eks: { podIdentityAgent: 'DEGRADED' } });
    const r = await m.run(args(m, 'create', '--permission-policy-arns', POLICY, '--approve'));
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stderr).toContain('eks-pod-identity-agent add-on is DEGRADED');
  });

  it('refuses a --role-arn of another account before any change, pointing at --target-role-arn', async () => {
    const m = memoryCluster();
    const r = await m.run(args(m, 'create', '--role-arn', 'arn:aws:iam::999988887777:role/elsewhere', '--approve'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not the cluster\'s (111122223333)');
    expect(r.stderr).toContain('--target-role-arn');
    expect(m.aws.calls.filter((c) => WRITES.test(c))).toEqual([]);
  });

  it('says readably that EKS refused a role that does not trust pods.eks.amazonaws.com', async () => {
    const m = memoryCluster();
    m.aws.roles.set('irsa-only', { arn: 'arn:aws:iam::111122223333:role/irsa-only', name: 'irsa-only', trustPolicy: { Statement: [{ Principal: { Federated: 'x' } }] }, tags: {} });
    const r = await m.run(args(m, 'create', '--role-arn', 'arn:aws:iam::111122223333:role/irsa-only', '--approve'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the role does not trust pods.eks.amazonaws.com');
    expect(m.aws.stacks.size).toBe(0);
  });

  it('with --role-arn and --target-role-arn makes no stack; an association made meanwhile by another run is read and left when it is the same', async () => {
    const m = memoryCluster();
    const role = 'arn:aws:iam::111122223333:role/source';
    m.aws.roles.set('source', { arn: role, name: 'source', trustPolicy: { Statement: [{ Principal: { Service: 'pods.eks.amazonaws.com' } }] }, tags: {} });
    let raced = false;
    m.aws.beforeEks = (call) => {
      if (call !== 'eks.createPodIdentityAssociation' || raced) return;
      raced = true;
      m.aws.associations.set('a-other', { associationId: 'a-other', associationArn: 'arn', namespace: 'apps', serviceAccount: 'reader', roleArn: role, targetRoleArn: 'arn:aws:iam::444455556666:role/target', disableSessionTags: false, tags: {} });
    };
    const r = await m.run(args(m, 'create', '--role-arn', role, '--target-role-arn', 'arn:aws:iam::444455556666:role/target', '--approve'));
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(m.aws.stacks.size).toBe(0);
    expect(onlyAssociation(m)).toMatchObject({ associationId: 'a-other' });
    expect(m.aws.calls.filter((c) => WRITES.test(c))).toEqual(['eks.createPodIdentityAssociation apps/reader']);
  });

  it("never touches an add-on's association", async () => {
    const m = memoryCluster();
    m.aws.associations.set('a-addon', { associationId: 'a-addon', associationArn: 'arn', namespace: 'apps', serviceAccount: 'reader', roleArn: 'arn:aws:iam::111122223333:role/addon', ownerArn: 'arn:aws:eks:us-west-2:111122223333:addon/unit/vpc-cni/uuid', disableSessionTags: false, tags: {} });
    const r = await m.run(args(m, 'create', '--permission-policy-arns', POLICY, '--approve'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('belongs to the EKS add-on');
    expect(m.aws.calls.filter((c) => WRITES.test(c))).toEqual([]);
    const d = await m.run(args(m, 'delete'));
    expect(d.code).toBe(1);
    expect(m.aws.associations.has('a-addon')).toBe(true);
  });
});

describe('update podidentityassociation', () => {
  it('by flags, a target role change updates the association only (update has no role flags: the stack is left as it is)', async () => {
    const m = memoryCluster();
    expect(await m.run(args(m, 'create', '--permission-policy-arns', POLICY, '--approve'))).toMatchObject({ code: 0 });
    m.aws.calls.length = 0;
    const r = await m.run(args(m, 'update', '--target-role-arn', 'arn:aws:iam::444455556666:role/target', '--exit-code'));
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toContain('update association');
    expect(r.stdout).toContain('targetRoleArn: (none) → arn:aws:iam::444455556666:role/target');
    const u = await m.run(args(m, 'update', '--target-role-arn', 'arn:aws:iam::444455556666:role/target', '--approve'));
    expect(u, u.stderr).toMatchObject({ code: 0 });
    expect(onlyAssociation(m).targetRoleArn).toBe('arn:aws:iam::444455556666:role/target');
    expect(m.aws.calls.filter((c) => WRITES.test(c))).toEqual([`eks.updatePodIdentityAssociation ${onlyAssociation(m).associationId}`]);
  });

  it('from a file, a role policy change updates the stack and leaves the association', async () => {
    const m = memoryCluster();
    const dir = mkdtempSync(join(tmpdir(), 'pia-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const file = (arns: string[]) => {
      const path = join(dir, 'cluster.yaml');
      writeFileSync(path, ['apiVersion: eksctl.io/v1alpha5', 'kind: ClusterConfig', `metadata: {name: ${m.cluster}, region: ${m.region}}`, 'iam:', '  podIdentityAssociations:', '  - namespace: apps', '    serviceAccountName: reader', `    permissionPolicyARNs: [${arns.join(', ')}]`, ''].join('\n'));
      return path;
    };
    expect(await m.run(['create', 'podidentityassociation', '-f', file([POLICY]), '--approve'])).toMatchObject({ code: 0 });
    m.aws.calls.length = 0;
    const r = await m.run(['update', 'podidentityassociation', '-f', file([POLICY, 'arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess']), '--approve']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(m.aws.calls.filter((c) => WRITES.test(c))).toEqual([`cfn.updateStack ${stackName(m)}`]);
    expect(m.aws.stacks.get(stackName(m))?.templateBody).toContain('AmazonSQSReadOnlyAccess');
  });

  it('a session policy needs session tags disabled (refused before any change), and is compared as JSON', async () => {
    const m = memoryCluster();
    expect(await m.run(args(m, 'create', '--permission-policy-arns', POLICY, '--approve'))).toMatchObject({ code: 0 });
    const policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';
    m.aws.calls.length = 0;
    const bad = await m.run(args(m, 'update', '--policy', policy, '--approve'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('add --disable-session-tags');
    expect(m.aws.calls.filter((c) => WRITES.test(c))).toEqual([]);
    const ok = await m.run(args(m, 'update', '--policy', policy, '--disable-session-tags', '--approve'));
    expect(ok, ok.stderr).toMatchObject({ code: 0 });
    expect(onlyAssociation(m)).toMatchObject({ policy, disableSessionTags: true });
    // the same document with other key order and spacing is no change
    const same = '{ "Statement": [{"Resource":"*","Action":"s3:GetObject","Effect":"Allow"}], "Version": "2012-10-17" }';
    const again = await m.run(args(m, 'update', '--policy', same, '--disable-session-tags', '--exit-code'));
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  it('refuses an association that does not exist', async () => {
    const m = memoryCluster();
    const r = await m.run(args(m, 'update', '--target-role-arn', 'arn:aws:iam::444455556666:role/target'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nothing to update');
  });
});

describe('delete podidentityassociation', () => {
  it('deletes the association, then the stack it owns, then the ServiceAccount irsactl made', async () => {
    const m = memoryCluster();
    expect(await m.run(args(m, 'create', '--permission-policy-arns', POLICY, '--create-service-account', '--approve'))).toMatchObject({ code: 0 });
    const id = onlyAssociation(m).associationId;
    m.aws.calls.length = 0;
    const r = await m.run(args(m, 'delete', '--wait'));
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(m.aws.calls.filter((c) => WRITES.test(c))).toEqual([`eks.deletePodIdentityAssociation ${id}`, expect.stringMatching(/^cfn\.deleteStack arn:aws:cloudformation:.*podidentityrole-apps-reader/)]);
    expect(m.aws.associations.size).toBe(0);
    expect(m.kube.store.get(RESOURCES.serviceaccounts, 'apps', 'reader')).toBeUndefined();
  });

  it('keeps a role given by ARN', async () => {
    const m = memoryCluster();
    const role = 'arn:aws:iam::111122223333:role/given';
    m.aws.roles.set('given', { arn: role, name: 'given', trustPolicy: { Statement: [{ Principal: { Service: 'pods.eks.amazonaws.com' } }] }, tags: {} });
    expect(await m.run(args(m, 'create', '--role-arn', role, '--approve'))).toMatchObject({ code: 0 });
    const r = await m.run(args(m, 'delete'));
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(m.aws.associations.size).toBe(0);
    expect(m.aws.roles.has('given')).toBe(true);
    expect(m.aws.calls.some((c) => c.startsWith('cfn.deleteStack'))).toBe(false);
  });
});
