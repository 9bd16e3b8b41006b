import { CloudFormationClient, CreateStackCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  CreatePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsProxy, type AwsProxy } from '../../../sandbox/aws-proxy.js';
import { motoUrl, newTestAccount, uniqueName, type MotoAccount } from '../../support/aws.js';

/**
 * The sandbox proxy does to IAM what CloudFormation does and moto does not (harness.md §2): a role stack's managed
 * policies, JSON inline policies, stack tags, and every UpdateStack change reach the role. The stacks are made with
 * the SDK straight through the proxy (not irsactl), and the role is read straight from moto. Without
 * sandbox/cfn-iam-sync.ts, ListAttachedRolePolicies is empty, GetRolePolicy is a Python repr and the update changes nothing.
 */

const REGION = 'us-west-2';
let account: MotoAccount;
let proxy: AwsProxy;
let cfn: CloudFormationClient;
let iamMoto: IAMClient;

beforeAll(async () => {
  account = await newTestAccount();
  proxy = await startAwsProxy(motoUrl());
  const credentials = { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey };
  cfn = new CloudFormationClient({ region: REGION, endpoint: proxy.url, credentials });
  iamMoto = new IAMClient({ region: REGION, endpoint: motoUrl(), credentials });
});

afterAll(async () => {
  cfn.destroy();
  iamMoto.destroy();
  await proxy.stop();
});

const trust = (sub: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::1:oidc-provider/x' }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'x:sub': sub } } }],
});
const s3Read = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };

function template(opts: { roleName: string; sub: string; managed: unknown[]; inline: boolean; boundary?: string }): string {
  return JSON.stringify({
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: {
      Role1: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: opts.roleName,
          AssumeRolePolicyDocument: trust(opts.sub),
          ManagedPolicyArns: opts.managed,
          ...(opts.boundary !== undefined ? { PermissionsBoundary: opts.boundary } : {}),
        },
      },
      ...(opts.inline
        ? { Policy1: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: { 'Fn::Sub': '${AWS::StackName}-Policy1' }, Roles: [{ Ref: 'Role1' }], PolicyDocument: s3Read } } }
        : {}),
    },
    Outputs: { Role1: { Value: { 'Fn::GetAtt': ['Role1', 'Arn'] } } },
  });
}

async function roleState(roleName: string) {
  const role = (await iamMoto.send(new GetRoleCommand({ RoleName: roleName }))).Role;
  const attached = (await iamMoto.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies ?? [];
  const names = (await iamMoto.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
  const inline: Record<string, unknown> = {};
  for (const name of names) {
    const doc = (await iamMoto.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }))).PolicyDocument ?? '';
    inline[name] = JSON.parse(decodeURIComponent(doc));
  }
  const tags = (await iamMoto.send(new ListRoleTagsCommand({ RoleName: roleName }))).Tags ?? [];
  return {
    trust: JSON.parse(decodeURIComponent(role?.AssumeRolePolicyDocument ?? '')) as unknown,
    boundary: role?.PermissionsBoundary?.PermissionsBoundaryArn,
    managed: attached.map((p) => p.PolicyArn).sort(),
    inline,
    tags: Object.fromEntries(tags.map((t) => [t.Key, t.Value])),
  };
}

describe('the sandbox proxy applies a role stack to IAM as CloudFormation does', () => {
  it('CreateStack: managed policies (AWS-managed and the account own), JSON inline policies, stack tags', async () => {
    const stackName = uniqueName('sync-create');
    const roleName = uniqueName('sync-role');
    const own = await iamMoto.send(new CreatePolicyCommand({ PolicyName: uniqueName('own'), PolicyDocument: JSON.stringify(s3Read) }));
    const ownArn = own.Policy?.Arn ?? '';
    const awsManaged = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
    await cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: template({ roleName, sub: 'system:serviceaccount:ns:a', managed: [ownArn, { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/AmazonS3ReadOnlyAccess' }], inline: true }),
        Tags: [{ Key: 'alpha.eksctl.io/cluster-name', Value: 'c1' }],
      }),
    );
    expect(await roleState(roleName)).toEqual({
      trust: trust('system:serviceaccount:ns:a'),
      boundary: undefined,
      managed: [awsManaged, ownArn].sort(),
      inline: { [`${stackName}-Policy1`]: s3Read },
      tags: { 'alpha.eksctl.io/cluster-name': 'c1' },
    });
  });

  it('UpdateStack: the trust policy, managed and inline policies, boundary and tags follow the new template', async () => {
    const stackName = uniqueName('sync-update');
    const roleName = uniqueName('sync-role');
    const boundary = (await iamMoto.send(new CreatePolicyCommand({ PolicyName: uniqueName('boundary'), PolicyDocument: JSON.stringify(s3Read) }))).Policy?.Arn ?? '';
    await cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: template({ roleName, sub: 'system:serviceaccount:ns:a', managed: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'], inline: true }),
        Tags: [{ Key: 'old', Value: '1' }],
      }),
    );
    await cfn.send(
      new UpdateStackCommand({
        StackName: stackName,
        TemplateBody: template({ roleName, sub: 'system:serviceaccount:ns:b', managed: ['arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess'], inline: false, boundary }),
        Tags: [{ Key: 'new', Value: '2' }],
      }),
    );
    expect(await roleState(roleName)).toEqual({
      trust: trust('system:serviceaccount:ns:b'),
      boundary,
      managed: ['arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess'],
      inline: {},
      tags: { new: '2' },
    });
    // The proxy's own calls to moto stay out of its request log, which tests use to count irsactl's requests.
    expect(proxy.requests.filter((r) => r.service === 'iam')).toEqual([]);
  });
});
