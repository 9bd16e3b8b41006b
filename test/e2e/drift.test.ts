/**
 * Drift made outside CloudFormation (issue 12 item 3): after irsactl made four roles, a person changes them
 * straight through IAM (the SDK against moto, not through the sandbox's proxy, so CloudFormation never hears of it):
 * one role deleted, one trust policy edited, one managed policy detached, one inline policy added. `apply` names each
 * as drift outside CloudFormation, `--approve` repairs them, a second `apply` plans nothing, and the doctor passes.
 * Without the drift check, the first `apply` says "nothing to do".
 */
import {
  DeleteOpenIDConnectProviderCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/factory.js';
import type { AwsPorts } from '../../src/aws/ports.js';
import { startE2E, type E2E } from '../support/cli.js';
import { motoUrl, testAwsOptions } from '../support/aws.js';
import { clusterConfigYaml } from '../support/config.js';

const REGION = 'us-west-2';
const CLUSTER = 'drift-e2e';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';
const IDS = ['apps/gone', 'apps/trust', 'apps/detach', 'apps/inline'];
const file = clusterConfigYaml(CLUSTER, REGION, IDS.map((id) => ({ id, policies: [S3_READ] })));
const stackName = (id: string) => `eksctl-${CLUSTER}-addon-iamserviceaccount-${id.replace('/', '-')}`;
const roleName = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

let e: E2E;
let aws: AwsPorts;
let person: IAMClient;
const roleArns = new Map<string, string>();
const trustOf = async (arn: string) => JSON.parse(decodeURIComponent((await person.send(new GetRoleCommand({ RoleName: roleName(arn) }))).Role?.AssumeRolePolicyDocument ?? '')) as unknown;
const annotation = (id: string) => {
  const [ns, name] = id.split('/');
  return (e.cluster.kube.getServiceAccount(ns!, name!)?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.[ROLE_ANNOTATION];
};

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  aws = await createAwsPorts(testAwsOptions(e.account, REGION));
  person = new IAMClient({ region: REGION, endpoint: motoUrl(), credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey } });
  const created = await e.run(['create', 'iamserviceaccount', '-f', '-', '--approve'], { stdin: file });
  expect(created.code, created.stderr).toBe(0);
  for (const id of IDS) roleArns.set(id, (await aws.cfn.describeStack(stackName(id)))!.outputs.Role1!);

  const untouched = await e.run(['apply', '-f', '-'], { stdin: file });
  expect(untouched.stderr, 'the sandbox makes roles as CloudFormation does: nothing has drifted yet').toContain('nothing to do');

  const gone = roleName(roleArns.get('apps/gone')!);
  await person.send(new DetachRolePolicyCommand({ RoleName: gone, PolicyArn: S3_READ }));
  await person.send(new DeleteRoleCommand({ RoleName: gone }));
  const trust = (await trustOf(roleArns.get('apps/trust')!)) as { Statement: { Condition: { StringEquals: Record<string, string> } }[] };
  const condition = trust.Statement[0]!.Condition.StringEquals;
  for (const key of Object.keys(condition)) if (key.endsWith(':sub')) condition[key] = 'system:serviceaccount:apps:someone-else';
  await person.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName(roleArns.get('apps/trust')!), PolicyDocument: JSON.stringify(trust) }));
  await person.send(new DetachRolePolicyCommand({ RoleName: roleName(roleArns.get('apps/detach')!), PolicyArn: S3_READ }));
  await person.send(
    new PutRolePolicyCommand({
      RoleName: roleName(roleArns.get('apps/inline')!),
      PolicyName: 'hand-made',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }),
    }),
  );
});

afterAll(async () => {
  person?.destroy();
  await e?.stop();
});

describe('drift made outside CloudFormation', () => {
  it('apply names each difference as drift and changes nothing without --approve', async () => {
    e.sandbox.proxy.resetLog();
    const plan = await e.run(['apply', '-f', '-'], { stdin: file });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/~ apps\/gone: replace stack \S+ \(CREATE_COMPLETE: role \S+ was deleted outside CloudFormation\)/);
    expect(plan.stdout).toMatch(/~ apps\/trust: stack up to date .*restore role .*\n\s+drift outside CloudFormation: the trust policy was edited; restore it/);
    expect(plan.stdout).toContain(`drift outside CloudFormation: managed policy ${S3_READ} was detached; attach it`);
    expect(plan.stdout).toContain('drift outside CloudFormation: inline policy hand-made was added; delete it');
    expect(plan.stdout).toContain('4 changes planned for 4 service accounts.');
    // The drift check's reads: per service account GetRole, ListAttachedRolePolicies, ListRolePolicies (and
    // GetRolePolicy per inline policy: only the hand-made one here); the deleted role stops after GetRole.
    expect(e.sandbox.proxy.count('iam', 'GetRole')).toBe(4);
    expect(e.sandbox.proxy.count('iam', 'ListAttachedRolePolicies')).toBe(3);
    expect(e.sandbox.proxy.count('iam', 'ListRolePolicies')).toBe(3);
    expect(e.sandbox.proxy.count('iam', 'GetRolePolicy')).toBe(1);
    expect(await person.send(new ListRolePoliciesCommand({ RoleName: roleName(roleArns.get('apps/inline')!) }))).toMatchObject({ PolicyNames: ['hand-made'] });
  });

  it("get's STATUS shows the deleted role and the trust policy that no longer lets the ServiceAccount in", async () => {
    const r = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER]);
    expect(r.code, r.stderr).toBe(0);
    const status = Object.fromEntries(r.stdout.trim().split('\n').slice(1).map((l) => [l.split(/\s{2,}/).slice(0, 2).join('/'), l.split(/\s{2,}/)[4]]));
    expect(status).toEqual({ 'apps/detach': 'ok', 'apps/gone': 'missing role', 'apps/inline': 'ok', 'apps/trust': 'trust policy does not admit it' });
    expect(r.stderr).toContain('apps/gone: missing role: `irsactl doctor --cluster drift-e2e --region us-west-2 --namespace apps --name gone` names the fix');
  });

  it('--approve repairs it: a new role re-annotated, the trust policy, the managed policy and the inline policies restored', async () => {
    const expectedTrust = await trustOf(roleArns.get('apps/detach')!);
    const r = await e.run(['apply', '-f', '-', '--approve'], { stdin: file });
    expect(r.code, r.stderr).toBe(0);
    const newArn = (await aws.cfn.describeStack(stackName('apps/gone')))!.outputs.Role1!;
    expect(newArn).not.toBe(roleArns.get('apps/gone'));
    expect(annotation('apps/gone')).toBe(newArn);
    expect(await aws.iam.getRole(roleName(newArn))).toBeDefined();
    const forTrust = (t: unknown) => JSON.parse(JSON.stringify(t).replace(/apps:detach/g, 'apps:trust')) as unknown;
    expect(await trustOf(roleArns.get('apps/trust')!)).toEqual(forTrust(expectedTrust));
    expect((await person.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName(roleArns.get('apps/detach')!) }))).AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([S3_READ]);
    expect((await person.send(new ListRolePoliciesCommand({ RoleName: roleName(roleArns.get('apps/inline')!) }))).PolicyNames).toEqual([]);
  });

  it('a second apply plans nothing, and the doctor passes', async () => {
    const again = await e.run(['apply', '-f', '-'], { stdin: file });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('nothing to do');
    expect(again.stdout).not.toContain('drift outside CloudFormation');
    const doctor = await e.run(['doctor', '-f', '-'], { stdin: file });
    expect(doctor.code, `${doctor.stdout}\n${doctor.stderr}`).toBe(0);
  });

  it("get's STATUS shows a missing OIDC provider", async () => {
    const providerArn = `arn:aws:iam::${e.account.accountId}:oidc-provider/${e.cluster.issuer.replace(/^https:\/\//, '')}`;
    await person.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }));
    const r = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const items = JSON.parse(r.stdout) as { status: { health: string } }[];
    expect(items.map((i) => i.status.health)).toEqual(['no OIDC provider', 'no OIDC provider', 'no OIDC provider', 'no OIDC provider']);
  });
});
