import { beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../../src/aws/factory.js';
import type { AwsPorts } from '../../../src/aws/ports.js';
import { IrsaError } from '../../../src/errors.js';
import { createMotoCluster } from '../../../sandbox/moto.js';
import { LIVE_STACK_STATUSES } from '../../../src/cfn/stack-status.js';
import { motoUrl, newTestAccount, testAwsOptions, uniqueName, type MotoAccount } from '../../support/aws.js';

/** The adapters against moto_server directly: success paths and the errors moto models. */

const REGION = 'us-west-2';
let account: MotoAccount;
let aws: AwsPorts;

beforeAll(async () => {
  account = await newTestAccount();
  aws = await createAwsPorts(testAwsOptions(account, REGION));
});

/** An IRSA-like role stack; the output uses the list form of Fn::GetAtt (moto 500s on the string form). */
function roleTemplate(description: string, roleProperties: Record<string, unknown> = {}): string {
  return JSON.stringify({
    AWSTemplateFormatVersion: '2010-09-09',
    Description: description,
    Resources: {
      Role1: {
        Type: 'AWS::IAM::Role',
        Properties: {
          ...roleProperties,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['sts:AssumeRoleWithWebIdentity'],
                Principal: { Federated: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/X' } },
                Condition: { StringEquals: { 'oidc.eks.us-west-2.amazonaws.com/id/X:aud': 'sts.amazonaws.com' } },
              },
            ],
          },
        },
      },
    },
    Outputs: { Role1: { Value: { 'Fn::GetAtt': ['Role1', 'Arn'] } } },
  });
}

describe('EKS adapter', () => {
  it('describes a cluster, with partition and account from its ARN', async () => {
    const name = uniqueName('c');
    const created = await createMotoCluster(motoUrl(), account, name, REGION, { team: 'a' });
    const info = await aws.eks.describeCluster(name);
    expect(info).toMatchObject({
      name,
      arn: created.arn,
      partition: 'aws',
      accountId: account.accountId,
      region: REGION,
      status: 'ACTIVE',
      oidcIssuer: created.issuer,
      tags: { team: 'a' },
    });
    expect(info.oidcIssuer).toMatch(/^https:\/\/oidc\.eks\.us-west-2\.amazonaws\.com\/id\//);
    expect(info.endpoint).toBeTypeOf('string');
  });

  it('tags a cluster', async () => {
    const name = uniqueName('c');
    const { arn } = await createMotoCluster(motoUrl(), account, name, REGION);
    await aws.eks.tagResource(arn, { 'alpha.eksctl.io/cluster-oidc-enabled': 'true' });
    expect((await aws.eks.describeCluster(name)).tags).toEqual({ 'alpha.eksctl.io/cluster-oidc-enabled': 'true' });
  });

  it('reports a missing cluster as NOT_FOUND with the region and a hint', async () => {
    const err = await aws.eks.describeCluster('no-such-cluster').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IrsaError);
    expect(err).toMatchObject({
      code: 'NOT_FOUND',
      message: `cluster "no-such-cluster" not found in ${REGION}`,
      hint: 'check --cluster and --region (or metadata.name/metadata.region)',
    });
  });

  it('does not see a cluster of another account', async () => {
    const name = uniqueName('c');
    await createMotoCluster(motoUrl(), await newTestAccount(), name, REGION);
    await expect(aws.eks.describeCluster(name)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('IAM adapter', () => {
  it('creates, gets and lists an OIDC provider, without the port in its ARN', async () => {
    const id = uniqueName('ID').toUpperCase();
    const outcome = await aws.iam.createOidcProvider({
      url: `https://oidc.eks.us-west-2.amazonaws.com:443/id/${id}`,
      clientIds: ['sts.amazonaws.com'],
      thumbprints: [],
      tags: { 'alpha.eksctl.io/cluster-name': 'demo' },
    });
    expect(outcome).toBe('created');
    // found under the ARN without the port
    const arn = `arn:aws:iam::${account.accountId}:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/${id}`;
    expect(await aws.iam.getOidcProvider(arn)).toEqual({
      arn,
      url: `oidc.eks.us-west-2.amazonaws.com/id/${id}`,
      clientIds: ['sts.amazonaws.com'],
      thumbprints: [],
      tags: { 'alpha.eksctl.io/cluster-name': 'demo' },
    });
    expect(await aws.iam.listOidcProviderArns()).toContain(arn);
  });

  it('keeps thumbprints when given', async () => {
    const host = `oidc.eks.eu-west-1.amazonaws.com/id/${uniqueName('T')}`;
    await aws.iam.createOidcProvider({ url: `https://${host}`, clientIds: ['sts.amazonaws.com'], thumbprints: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'], tags: {} });
    const arn = `arn:aws:iam::${account.accountId}:oidc-provider/${host}`;
    expect((await aws.iam.getOidcProvider(arn))?.thumbprints).toEqual(['9e99a48a9960b14926bb7f3b02e22da2b0ab7280']);
  });

  it('gives undefined for a missing provider and a missing role', async () => {
    expect(await aws.iam.getOidcProvider(`arn:aws:iam::${account.accountId}:oidc-provider/oidc.example.com/id/none`)).toBeUndefined();
    expect(await aws.iam.getRole('no-such-role')).toBeUndefined();
  });

  it("answers a duplicate provider (IAM's EntityAlreadyExists, a 409) with 'exists'", async () => {
    const input = { url: `https://oidc.example.com/id/${uniqueName('D')}`, clientIds: ['sts.amazonaws.com'], thumbprints: [], tags: {} };
    expect(await aws.iam.createOidcProvider(input)).toBe('created');
    expect(await aws.iam.createOidcProvider(input)).toBe('exists');
  });
});

describe('CloudFormation adapter', () => {
  it('creates a stack and reads it back: status, tags, outputs, template, role', async () => {
    const stackName = uniqueName('eksctl-demo-addon-iamserviceaccount-default-sa');
    const boundary = 'arn:aws:iam::aws:policy/PowerUserAccess';
    const body = roleTemplate('IAM role for serviceaccount "default/sa" [created and managed by eksctl]', {
      PermissionsBoundary: boundary,
      Tags: [{ Key: 'owner', Value: 'team-a' }],
    });
    const tags = { 'alpha.eksctl.io/cluster-name': 'demo', 'alpha.eksctl.io/iamserviceaccount-name': 'default/sa' };
    expect(await aws.cfn.createStack({ stackName, templateBody: body, capabilities: ['CAPABILITY_IAM'], tags, terminationProtection: false })).toBe('created');

    const stack = await aws.cfn.describeStack(stackName);
    const stackId = stack?.stackId ?? '';
    expect(stackId).toMatch(/^arn:aws:cloudformation:us-west-2:\d{12}:stack\//);
    expect(stack).toMatchObject({ stackName, status: 'CREATE_COMPLETE', tags });
    const roleArn = stack?.outputs.Role1 ?? '';
    expect(roleArn).toMatch(new RegExp(`^arn:aws:iam::${account.accountId}:role/`));
    expect(await aws.cfn.describeStack(stackId)).toMatchObject({ stackName, status: 'CREATE_COMPLETE' });

    const listed = await aws.cfn.listStacks(['CREATE_COMPLETE']);
    expect(listed.find((s) => s.stackName === stackName)).toEqual({ stackName, stackId, status: 'CREATE_COMPLETE' });
    expect((await aws.cfn.listStacks(['CREATE_IN_PROGRESS'])).map((s) => s.stackName)).not.toContain(stackName);
    expect(await aws.cfn.getTemplate(stackName)).toBe(body);

    const role = await aws.iam.getRole(roleArn.split('/').pop() ?? '');
    expect(role?.arn).toBe(roleArn);
    expect(role?.trustPolicy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['sts:AssumeRoleWithWebIdentity'],
          Principal: { Federated: `arn:aws:iam::${account.accountId}:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/X` },
          Condition: { StringEquals: { 'oidc.eks.us-west-2.amazonaws.com/id/X:aud': 'sts.amazonaws.com' } },
        },
      ],
    });
    expect(role?.permissionsBoundary).toBe(boundary);
    // Role Tags from the template; moto does not propagate stack tags to resources as CloudFormation does.
    expect(role?.tags).toEqual({ owner: 'team-a' });
  });

  it('updates a stack: new template and tags', async () => {
    const stackName = uniqueName('upd');
    await aws.cfn.createStack({ stackName, templateBody: roleTemplate('v1'), capabilities: [], tags: { a: '1' }, terminationProtection: false });
    const v2 = roleTemplate('v2');
    expect(await aws.cfn.updateStack({ stackName, templateBody: v2, capabilities: ['CAPABILITY_IAM'], tags: { a: '2', b: '3' } })).toBe('updated');
    expect(await aws.cfn.getTemplate(stackName)).toBe(v2);
    expect(await aws.cfn.describeStack(stackName)).toMatchObject({ status: 'UPDATE_COMPLETE', tags: { a: '2', b: '3' } });
    // moto answers an identical update (no Parameters) with success where AWS says "No updates are to be
    // performed."; both are fine for callers. The AWS answer is covered in proxy.test.ts.
    expect(['updated', 'no-change']).toContain(await aws.cfn.updateStack({ stackName, templateBody: v2, capabilities: [], tags: { a: '2', b: '3' } }));
  });

  it('lists events newest first', async () => {
    const stackName = uniqueName('ev');
    await aws.cfn.createStack({ stackName, templateBody: roleTemplate('v1'), capabilities: [], tags: {}, terminationProtection: false });
    await aws.cfn.updateStack({ stackName, templateBody: roleTemplate('v2'), capabilities: [], tags: {} });
    const events = await aws.cfn.describeStackEvents(stackName);
    expect(events.length).toBeGreaterThanOrEqual(4);
    const times = events.map((e) => e.timestamp.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(events[0]).toMatchObject({ logicalResourceId: stackName, resourceType: 'AWS::CloudFormation::Stack', resourceStatus: 'UPDATE_COMPLETE' });
    expect(events.at(-1)).toMatchObject({ resourceStatus: 'CREATE_IN_PROGRESS' });
  });

  it('deletes a stack: gone by name, DELETE_COMPLETE by ID, absent from the list, role removed', async () => {
    const stackName = uniqueName('del');
    await aws.cfn.createStack({ stackName, templateBody: roleTemplate('d'), capabilities: [], tags: {}, terminationProtection: false });
    const created = await aws.cfn.describeStack(stackName);
    const stackId = created?.stackId ?? '';
    const roleName = (created?.outputs.Role1 ?? '').split('/').pop() ?? '';
    expect(await aws.iam.getRole(roleName)).toBeDefined();
    await aws.cfn.deleteStack(stackName);
    expect(await aws.cfn.describeStack(stackName)).toBeUndefined();
    expect((await aws.cfn.describeStack(stackId))?.status).toBe('DELETE_COMPLETE');
    expect((await aws.cfn.listStacks(['CREATE_COMPLETE'])).map((s) => s.stackName)).not.toContain(stackName);
    expect((await aws.cfn.listStacks(['DELETE_COMPLETE'])).map((s) => s.stackId)).toContain(stackId);
    expect(await aws.iam.getRole(roleName)).toBeUndefined();
    // Deleting a missing stack succeeds, as on AWS.
    await aws.cfn.deleteStack(stackName);
  });

  it("answers a duplicate stack (CloudFormation's AlreadyExists) with 'exists'", async () => {
    const stackName = uniqueName('dup');
    const input = { stackName, templateBody: roleTemplate('x'), capabilities: [], tags: {}, terminationProtection: false };
    expect(await aws.cfn.createStack(input)).toBe('created');
    expect(await aws.cfn.createStack(input)).toBe('exists');
  });

  it('lists every live stack of a region with ListStacks, filtered by status', async () => {
    // A region of its own, so the count is exactly what this test created.
    const ports = await createAwsPorts(testAwsOptions(account, 'ap-south-1'));
    const template = JSON.stringify({ Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } } });
    const names = Array.from({ length: 53 }, (_, i) => `page-${String(i).padStart(2, '0')}`);
    for (const stackName of names) {
      await ports.cfn.createStack({ stackName, templateBody: template, capabilities: [], tags: { i: stackName }, terminationProtection: false });
    }
    await ports.cfn.deleteStack(names[0]);
    const listed = await ports.cfn.listStacks(LIVE_STACK_STATUSES);
    expect(listed.map((s) => s.stackName).sort()).toEqual(names.slice(1));
    expect((await ports.cfn.describeStack('page-07'))?.tags).toEqual({ i: 'page-07' });
  });
});

describe('STS adapter', () => {
  it('returns the caller of the account key', async () => {
    expect(await aws.sts.getCallerIdentity()).toEqual({
      account: account.accountId,
      arn: `arn:aws:iam::${account.accountId}:user/tester`,
      userId: expect.any(String),
    });
  });
});
