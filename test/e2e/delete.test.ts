/**
 * `irsactl delete iamserviceaccount` end to end: stacks made by irsactl's create (and one eksctl-style stack for
 * kube-system/aws-node made straight through CloudFormation), ServiceAccounts staged in the Kubernetes test
 * server. Termination protection uses a recording fake CloudFormationPort: moto does not implement
 * UpdateTerminationProtection (harness.md §8), so only the call order can show that it was switched off first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteOpenIDConnectProviderCommand, IAMClient } from '@aws-sdk/client-iam';
import { createAwsPorts } from '../../src/aws/factory.js';
import type { AwsPorts, CloudFormationPort } from '../../src/aws/ports.js';
import type { RuntimeOverrides } from '../../src/runtime/runtime.js';
import { startE2E, type E2E } from '../support/cli.js';
import { motoUrl, testAwsOptions } from '../support/aws.js';
import { clusterConfigYaml } from '../support/config.js';
import { createStackAsEksctl } from '../support/eksctl.js';

const REGION = 'us-west-2';
const CLUSTER = 'delete-e2e';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';
const stackName = (ns: string, name: string) => `eksctl-${CLUSTER}-addon-iamserviceaccount-${ns}-${name}`;

let e: E2E;
let aws: AwsPorts;

interface SaMeta {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const saMeta = (ns: string, name: string): SaMeta | undefined => e.cluster.kube.getServiceAccount(ns, name)?.metadata as SaMeta | undefined;
const roleOf = async (ns: string, name: string): Promise<string> => (await aws.cfn.describeStack(stackName(ns, name)))!.outputs.Role1!;

const fileWith = (ids: string[]): string => clusterConfigYaml(CLUSTER, REGION, ids.map((id) => ({ id })));

async function createAll(ids: string[], extra: string[] = []): Promise<void> {
  const r = await e.run(['create', 'iamserviceaccount', '-f', '-', '--approve', ...extra], { stdin: fileWith(ids) });
  expect(r.code, r.stderr).toBe(0);
}

/** kube-system/aws-node as eksctl tags it, made directly through CloudFormation. */
async function createAwsNodeStack(): Promise<void> {
  const body =
    '{"AWSTemplateFormatVersion":"2010-09-09","Description":"IAM role for serviceaccount \\"kube-system/aws-node\\" [created and managed by eksctl]",' +
    '"Resources":{"Role1":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{"Statement":[{"Action":["sts:AssumeRoleWithWebIdentity"],"Effect":"Allow","Principal":{"Federated":"x"}}],"Version":"2012-10-17"},' +
    '"ManagedPolicyArns":[{"Fn::Sub":"arn:${AWS::Partition}:iam::aws:policy/AmazonEKS_CNI_Policy"}]}}},"Outputs":{"Role1":{"Value":{"Fn::GetAtt":["Role1","Arn"]}}}}';
  await createStackAsEksctl(e, { cluster: CLUSTER, region: REGION, id: 'kube-system/aws-node', templateBody: body });
}

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  aws = await createAwsPorts(testAwsOptions(e.account, REGION));
  await e.associate();
});
afterAll(async () => {
  await e?.stop();
});

describe('delete iamserviceaccount by flags', () => {
  it('deletes the stack and the ServiceAccount irsactl manages', async () => {
    await createAll(['apps/plain']);
    expect(saMeta('apps', 'plain')?.labels?.['app.kubernetes.io/managed-by']).toBe('irsactl');
    e.sandbox.proxy.resetLog();
    const r = await e.run(['delete', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'plain', '--wait']);
    expect(r.code, r.stderr).toBe(0);
    expect(e.sandbox.proxy.count('cloudformation', 'DeleteStack')).toBe(1);
    expect(await aws.cfn.describeStack(stackName('apps', 'plain'))).toBeUndefined();
    expect(saMeta('apps', 'plain')).toBeUndefined();
  });

  it('a Helm-managed ServiceAccount annotated with this role survives and only loses the annotation', async () => {
    e.cluster.kube.putServiceAccount({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { namespace: 'apps', name: 'helm', labels: { 'app.kubernetes.io/managed-by': 'Helm' }, annotations: { 'meta.helm.sh/release-name': 'rel' } },
    });
    await createAll(['apps/helm'], ['--override-existing-serviceaccounts']);
    const role = await roleOf('apps', 'helm');
    expect(saMeta('apps', 'helm')?.annotations?.[ROLE_ANNOTATION]).toBe(role);

    const r = await e.run(['delete', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'helm', '--wait']);
    expect(r.code, r.stderr).toBe(0);
    expect(await aws.cfn.describeStack(stackName('apps', 'helm'))).toBeUndefined();
    const after = saMeta('apps', 'helm');
    expect(after).toBeDefined();
    expect(after!.labels).toEqual({ 'app.kubernetes.io/managed-by': 'Helm' });
    expect(after!.annotations).toEqual({ 'meta.helm.sh/release-name': 'rel' });
  });

  it('a ServiceAccount annotated with another role is kept untouched', async () => {
    await createAll(['apps/other']);
    const sa = e.cluster.kube.getServiceAccount('apps', 'other')!;
    const meta = sa.metadata as SaMeta;
    const elsewhere = 'arn:aws:iam::111111111111:role/elsewhere';
    e.cluster.kube.putServiceAccount({ ...sa, metadata: { ...meta, annotations: { [ROLE_ANNOTATION]: elsewhere } } });
    const r = await e.run(['delete', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'other', '--wait']);
    expect(r.code, r.stderr).toBe(0);
    expect(await aws.cfn.describeStack(stackName('apps', 'other'))).toBeUndefined();
    expect(saMeta('apps', 'other')?.annotations).toEqual({ [ROLE_ANNOTATION]: elsewhere });
    expect(r.stderr).toContain('another role');
  });

  it('with no stack for the name, a ServiceAccount irsactl never made (Terraform, eksctl-labelled with a foreign role) is left untouched', async () => {
    const foreign = 'arn:aws:iam::111111111111:role/terraform-made';
    e.cluster.kube.putServiceAccount({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'apps', name: 'tf', annotations: { [ROLE_ANNOTATION]: foreign } } });
    e.cluster.kube.putServiceAccount({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { namespace: 'apps', name: 'eks-labelled', labels: { 'app.kubernetes.io/managed-by': 'eksctl' }, annotations: { [ROLE_ANNOTATION]: foreign } },
    });
    e.sandbox.proxy.resetLog();
    for (const name of ['tf', 'eks-labelled']) {
      const r = await e.run(['delete', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', name, '--wait']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`nothing of irsactl's to delete for apps/${name}`);
      expect(r.stdout).toMatch(new RegExp(`apps/${name}\\s+absent\\s+kept`));
      expect(saMeta('apps', name)?.annotations).toEqual({ [ROLE_ANNOTATION]: foreign });
    }
    expect(saMeta('apps', 'eks-labelled')?.labels).toEqual({ 'app.kubernetes.io/managed-by': 'eksctl' });
    expect(e.sandbox.proxy.count('cloudformation', 'DeleteStack')).toBe(0);
  });

  it('with no stack for the name, a managed ServiceAccount annotated with one of this cluster\'s iamserviceaccount roles is released', async () => {
    await createAll(['apps/owner']);
    const role = await roleOf('apps', 'owner');
    e.cluster.kube.putServiceAccount({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { namespace: 'apps', name: 'borrower', labels: { 'app.kubernetes.io/managed-by': 'irsactl' }, annotations: { [ROLE_ANNOTATION]: role } },
    });
    const r = await e.run(['delete', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'borrower', '--wait']);
    expect(r.code, r.stderr).toBe(0);
    expect(saMeta('apps', 'borrower')).toBeUndefined();
    expect(await aws.cfn.describeStack(stackName('apps', 'owner'))).toBeDefined();
  });

  it('switches termination protection off before DeleteStack (recording fake port: moto has no protection)', async () => {
    await createAll(['apps/protected']);
    const calls: string[] = [];
    const overrides: RuntimeOverrides = {
      awsPorts: async ({ region, profile }) => {
        const real = await createAwsPorts({ region, profile, env: e.env });
        const cfn: CloudFormationPort = {
          ...real.cfn,
          describeStack: async (id) => {
            const s = await real.cfn.describeStack(id);
            return s && { ...s, terminationProtection: true };
          },
          setTerminationProtection: async (id, enabled) => {
            calls.push(`setTerminationProtection(${enabled})`);
            void id;
          },
          deleteStack: async (id) => {
            calls.push('deleteStack');
            await real.cfn.deleteStack(id);
          },
        };
        return { ...real, cfn };
      },
    };
    const r = await e.run(['delete', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'protected', '--wait'], { overrides });
    expect(r.code, r.stderr).toBe(0);
    expect(calls).toEqual(['setTerminationProtection(false)', 'deleteStack']);
    expect(r.stderr).not.toContain('could not switch off termination protection');
    expect(await aws.cfn.describeStack(stackName('apps', 'protected'))).toBeUndefined();
  });
});

describe('delete --wait past --timeout', () => {
  it('a stack still DELETE_IN_PROGRESS is reported as being deleted, not failed (fake port: moto deletes at once)', async () => {
    await createAll(['apps/slow-delete']);
    const name = stackName('apps', 'slow-delete');
    const overrides: RuntimeOverrides = {
      awsPorts: async (opts) => {
        const real = await createAwsPorts({ ...opts, env: e.env });
        let deleted = false;
        const cfn: CloudFormationPort = {
          ...real.cfn,
          // CloudFormation keeps deleting it for longer than this run waits
          deleteStack: async () => {
            deleted = true;
          },
          describeStack: async (id) => {
            const s = await real.cfn.describeStack(id);
            return s && deleted && (id === s.stackId || id === name) ? { ...s, status: 'DELETE_IN_PROGRESS' } : s;
          },
        };
        return { ...real, cfn };
      },
    };
    const r = await e.run(['delete', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'slow-delete', '--wait', '--timeout', '3s'], { overrides });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`stack ${name} is still being deleted by CloudFormation (timed out waiting`);
    expect(r.stderr).toContain('CloudFormation goes on deleting it; run the same command again to finish');
    expect(r.stdout).toMatch(/apps\/slow-delete\s+delete-requested\s+not-started/);
  });
});

describe('delete iamserviceaccount -f', () => {
  it('plans first, changes nothing; --approve deletes', async () => {
    await createAll(['batch/one', 'batch/two']);
    e.sandbox.proxy.resetLog();
    const plan = await e.run(['delete', 'iamserviceaccount', '-f', '-', '--include', 'batch/one'], { stdin: fileWith(['batch/one', 'batch/two']) });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`batch/one: delete stack ${stackName('batch', 'one')}`);
    expect(plan.stdout).not.toContain('batch/two');
    expect(plan.stderr).toContain("run again with '--approve'");
    expect(e.sandbox.proxy.count('cloudformation', 'DeleteStack')).toBe(0);
    expect(await aws.cfn.describeStack(stackName('batch', 'one'))).toBeDefined();

    const r = await e.run(['delete', 'iamserviceaccount', '-f', '-', '--include', 'batch/one', '--approve', '--wait'], { stdin: fileWith(['batch/one', 'batch/two']) });
    expect(r.code, r.stderr).toBe(0);
    expect(await aws.cfn.describeStack(stackName('batch', 'one'))).toBeUndefined();
    expect(saMeta('batch', 'one')).toBeUndefined();
    expect(await aws.cfn.describeStack(stackName('batch', 'two'))).toBeDefined();
  });

  it('--only-missing deletes only stacks the file no longer names, never kube-system/aws-node', async () => {
    await createAll(['keep/a', 'keep/b']);
    await createAwsNodeStack();
    // The file names batch/two and keep/a: keep/b is missing from it, and so is kube-system/aws-node.
    const file = fileWith(['batch/two', 'keep/a']);
    const plan = await e.run(['delete', 'iamserviceaccount', '-f', '-', '--only-missing'], { stdin: file });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('keep/b');
    expect(plan.stdout).not.toContain('aws-node');
    expect(plan.stdout).not.toContain('keep/a');

    const r = await e.run(['delete', 'iamserviceaccount', '-f', '-', '--only-missing', '--approve', '--wait'], { stdin: file });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('kube-system/aws-node');
    expect(await aws.cfn.describeStack(stackName('keep', 'b'))).toBeUndefined();
    expect(await aws.cfn.describeStack(stackName('keep', 'a'))).toBeDefined();
    expect(await aws.cfn.describeStack(stackName('batch', 'two'))).toBeDefined();
    expect(await aws.cfn.describeStack(stackName('kube-system', 'aws-node'))).toBeDefined();
  });
});

describe('delete when the OIDC provider is gone', () => {
  it('still deletes the stack and the ServiceAccount', async () => {
    const providerArn = `arn:aws:iam::${e.account.accountId}:oidc-provider/${e.cluster.issuer.replace(/^https:\/\//, '')}`;
    const iam = new IAMClient({ region: REGION, endpoint: motoUrl(), credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey } });
    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }));
    iam.destroy();
    expect(await aws.iam.getOidcProvider(providerArn)).toBeUndefined();

    const r = await e.run(['delete', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'keep', '--name', 'a', '--wait']);
    expect(r.code, r.stderr).toBe(0);
    expect(await aws.cfn.describeStack(stackName('keep', 'a'))).toBeUndefined();
    expect(saMeta('keep', 'a')).toBeUndefined();
  });
});
