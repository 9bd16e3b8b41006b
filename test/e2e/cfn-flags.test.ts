/**
 * eksctl's --cfn-role-arn and --cfn-disable-rollback reach CloudFormation: RoleARN as moto stores it, and
 * DisableRollback in the CreateStack request the proxy saw (moto ignores that parameter).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import { useE2E } from '../support/cli.js';
import { motoUrl } from '../support/aws.js';
import { S3_READ } from '../support/config.js';

const CLUSTER = 'cfn-flags';
const e = useE2E(CLUSTER, { associate: true });

async function describeStack(name: string) {
  const client = new CloudFormationClient({ region: 'us-west-2', endpoint: motoUrl(), credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey } });
  try {
    return (await client.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
  } finally {
    client.destroy();
  }
}

describe('--cfn-role-arn and --cfn-disable-rollback', () => {
  it('are sent with CreateStack', async () => {
    const roleArn = `arn:aws:iam::${e.account.accountId}:role/cfn-exec`;
    e.sandbox.proxy.resetLog();
    const r = await e.run(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--name', 'svc', '--attach-policy-arn', S3_READ, '--cfn-role-arn', roleArn, '--cfn-disable-rollback', '--approve']);
    expect(r.code, r.stderr).toBe(0);
    const stack = await describeStack(`eksctl-${CLUSTER}-addon-iamserviceaccount-default-svc`);
    expect(stack?.RoleARN).toBe(roleArn);
    const create = e.sandbox.proxy.requests.find((q) => q.action === 'CreateStack');
    expect(create?.params).toMatchObject({ RoleARN: roleArn, DisableRollback: 'true', EnableTerminationProtection: 'true', 'Capabilities.member.1': 'CAPABILITY_IAM' });
  });

  it('--cfn-role-arn is sent with DeleteStack too', async () => {
    const roleArn = `arn:aws:iam::${e.account.accountId}:role/cfn-exec`;
    e.sandbox.proxy.resetLog();
    const r = await e.run(['delete', 'iamserviceaccount', '--cluster', CLUSTER, '--name', 'svc', '--cfn-role-arn', roleArn, '--wait']);
    expect(r.code, r.stderr).toBe(0);
    expect(e.sandbox.proxy.requests.find((q) => q.action === 'DeleteStack')?.params).toMatchObject({ RoleARN: roleArn });
  });

  it('a malformed --cfn-role-arn is bad usage before any request', async () => {
    e.sandbox.proxy.resetLog();
    const r = await e.run(['delete', 'iamserviceaccount', '--cluster', CLUSTER, '--name', 'svc', '--cfn-role-arn', 'cfn-exec']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--cfn-role-arn: "cfn-exec" is not an IAM role ARN');
    expect(e.sandbox.proxy.requests).toHaveLength(0);
  });
});
