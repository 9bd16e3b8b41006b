/**
 * A stack made exactly as eksctl makes it (its template JSON, tags, CAPABILITY_IAM, termination protection;
 * created straight through CloudFormation here) is listed by `get`, updated by `update` and removed by
 * `delete`. The only difference from eksctl's body is the list form of Fn::GetAtt: moto answers 500 to
 * eksctl's string form "Role1.Arn" (harness.md §8); CloudFormation treats both alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/factory.js';
import type { AwsPorts } from '../../src/aws/ports.js';
import { startE2E, type E2E } from '../support/cli.js';
import { testAwsOptions } from '../support/aws.js';
import { createStackAsEksctl } from '../support/eksctl.js';

const REGION = 'us-west-2';
const CLUSTER = 'interop';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const S3_FULL = 'arn:aws:iam::aws:policy/AmazonS3FullAccess';
const STACK = `eksctl-${CLUSTER}-addon-iamserviceaccount-apps-reader`;

let e: E2E;
let aws: AwsPorts;
let roleArn: string;

/** eksctl 0.190.0's CreateStack for apps/reader, field for field (eksctl-irsa.md §3.2–3.4). */
async function createEksctlStack(): Promise<void> {
  const hp = e.cluster.issuer.replace(/^https:\/\//, '');
  const providerArn = `arn:aws:iam::${e.account.accountId}:oidc-provider/${hp}`;
  const body =
    '{"AWSTemplateFormatVersion":"2010-09-09","Description":"IAM role for serviceaccount \\"apps/reader\\" [created and managed by eksctl]",' +
    '"Resources":{"Role1":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{"Statement":[{"Action":["sts:AssumeRoleWithWebIdentity"],' +
    `"Condition":{"StringEquals":{"${hp}:aud":"sts.amazonaws.com","${hp}:sub":"system:serviceaccount:apps:reader"}},"Effect":"Allow",` +
    `"Principal":{"Federated":"${providerArn}"}}],"Version":"2012-10-17"},"ManagedPolicyArns":["${S3_READ}"]}}},` +
    '"Outputs":{"Role1":{"Value":{"Fn::GetAtt":["Role1","Arn"]}}}}';
  await createStackAsEksctl(e, { cluster: CLUSTER, region: REGION, id: 'apps/reader', templateBody: body });
}

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  aws = await createAwsPorts(testAwsOptions(e.account, REGION));
  await e.associate();
  await createEksctlStack();
  roleArn = (await aws.cfn.describeStack(STACK))!.outputs.Role1!;
  // eksctl's ServiceAccount: its managed-by label and the role annotation.
  e.cluster.kube.putServiceAccount({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'reader', namespace: 'apps', labels: { 'app.kubernetes.io/managed-by': 'eksctl' }, annotations: { 'eks.amazonaws.com/role-arn': roleArn } },
  });
});
afterAll(async () => {
  await e?.stop();
});

describe("eksctl's own stack", () => {
  it('get lists it with status ok and its policies', async () => {
    const table = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^NAMESPACE\s+NAME\s+ROLE ARN\s+MECHANISM\s+STATUS\n/);
    expect(table.stdout).toMatch(new RegExp(`^apps\\s+reader\\s+${roleArn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+IRSA\\s+ok$`, 'm'));

    const json = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '-o', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const [item] = JSON.parse(json.stdout) as { metadata: unknown; attachPolicyARNs: string[]; status: Record<string, unknown> }[];
    expect(item!.metadata).toEqual({ name: 'reader', namespace: 'apps' });
    expect(item!.attachPolicyARNs).toEqual([S3_READ]);
    expect(item!.status.roleARN).toBe(roleArn);
    expect(item!.status.stackName).toBe(STACK);
    expect((item!.status.tags as Record<string, string>)['alpha.eksctl.io/eksctl-version']).toBe('0.190.0');
    expect(item!.status.health).toBe('ok');
  });

  it('create with the same spec plans nothing for it: the stack exists', async () => {
    const r = await e.run(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'reader', '--attach-policy-arn', S3_READ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('stack exists');
    expect(r.stdout).not.toContain('create stack');
  });

  it('update with its own policy plans no stack change (only the version tag differs, which is not drift)', async () => {
    const r = await e.run(['update', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'reader', '--attach-policy-arn', S3_READ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('nothing to do');
    expect(r.stdout).toContain('stack up to date');
  });

  it('update changes its policy: template body and tags are updated, the role ARN stays', async () => {
    e.sandbox.proxy.resetLog();
    const r = await e.run(['update', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'reader', '--attach-policy-arn', S3_FULL, '--approve']);
    expect(r.code, r.stderr).toBe(0);
    expect(e.sandbox.proxy.count('cloudformation', 'UpdateStack')).toBe(1);
    const live = JSON.parse(await aws.cfn.getTemplate(STACK)) as { Resources: { Role1: { Properties: { ManagedPolicyArns: string[] } } } };
    expect(live.Resources.Role1.Properties.ManagedPolicyArns).toEqual([S3_FULL]);
    const after = (await aws.cfn.describeStack(STACK))!;
    expect(after.status).toBe('UPDATE_COMPLETE');
    expect(after.outputs.Role1).toBe(roleArn);
    expect(after.tags['alpha.eksctl.io/iamserviceaccount-name']).toBe('apps/reader');
    expect(after.tags['alpha.eksctl.io/cluster-name']).toBe(CLUSTER);
    // The SA already carries this role: nothing to write.
    expect(e.cluster.kube.getServiceAccount('apps', 'reader')).toBeDefined();
  });

  it('delete deletes the stack and its eksctl-managed ServiceAccount', async () => {
    e.sandbox.proxy.resetLog();
    const r = await e.run(['delete', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'reader', '--wait']);
    expect(r.code, r.stderr).toBe(0);
    // eksctl's stack is protected: irsactl asks to switch that off before DeleteStack. moto does not implement
    // the call (a 500), so irsactl says so and deletes anyway; real CloudFormation would then honour it.
    const cfnCalls = e.sandbox.proxy.requests.filter((q) => q.service === 'cloudformation').map((q) => q.action);
    expect(cfnCalls.indexOf('UpdateTerminationProtection')).toBeGreaterThanOrEqual(0);
    expect(cfnCalls.indexOf('UpdateTerminationProtection')).toBeLessThan(cfnCalls.indexOf('DeleteStack'));
    expect(r.stderr).toContain('could not switch off termination protection');
    expect(await aws.cfn.describeStack(STACK)).toBeUndefined();
    expect(e.cluster.kube.getServiceAccount('apps', 'reader')).toBeUndefined();
    const get = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER]);
    expect(get.stdout).toBe('');
    expect(get.stderr).toContain('No iamserviceaccounts found');
  });
});
