import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../../src/aws/factory.js';
import type { AwsPorts } from '../../../src/aws/ports.js';
import { IrsaError } from '../../../src/errors.js';
import { startAwsProxy, type AwsProxy } from '../../../sandbox/aws-proxy.js';
import { createMotoCluster } from '../../../sandbox/moto.js';
import { motoUrl, newTestAccount, testAwsOptions, uniqueName, type MotoAccount } from '../../support/aws.js';

/**
 * The adapters through the rewriting proxy: DescribeCluster rewriting, the request log,
 * and AWS answers moto cannot give (throttling, 503, AccessDenied, "No updates"), served by
 * the proxy's fault injector so the real SDK parses and retries real wire responses.
 */

const REGION = 'eu-central-1';
let account: MotoAccount;
let proxy: AwsProxy;
let aws: AwsPorts;

beforeAll(async () => {
  account = await newTestAccount();
  proxy = await startAwsProxy(motoUrl());
  aws = await createAwsPorts(testAwsOptions(account, REGION, { endpoint: proxy.url }));
});

afterAll(async () => {
  await proxy.stop();
});

beforeEach(() => {
  proxy.setFaultInjector(undefined);
  proxy.resetLog();
});

const queryError = (code: string, message: string, type = 'Sender') =>
  `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`;

/** Serves `decision` for the first `times` requests to the action, then passes through. */
function failFirst(action: string, times: number, decision: { status: number; body: string }) {
  let left = times;
  proxy.setFaultInjector((req) => (req.action === action && left-- > 0 ? decision : 'pass'));
}

describe('DescribeCluster rewriting', () => {
  it('points a registered cluster at the given endpoint and CA, and leaves others alone', async () => {
    const registered = uniqueName('reg');
    const other = uniqueName('other');
    const created = await createMotoCluster(motoUrl(), account, registered, REGION);
    await createMotoCluster(motoUrl(), account, other, REGION);
    const caData = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
    proxy.registerCluster(registered, { endpoint: 'https://127.0.0.1:6443', caData });

    const info = await aws.eks.describeCluster(registered);
    expect(info).toMatchObject({ endpoint: 'https://127.0.0.1:6443', certificateAuthorityData: caData, oidcIssuer: created.issuer, accountId: account.accountId });
    const untouched = await aws.eks.describeCluster(other);
    expect(untouched.endpoint).toMatch(/\.eks\.amazonaws\.com/);
    expect(untouched.certificateAuthorityData).not.toBe(caData);
  });
});

describe('request log', () => {
  it('counts requests per service and action', async () => {
    await aws.sts.getCallerIdentity();
    await aws.iam.listOidcProviderArns();
    await aws.iam.getRole('none');
    await aws.cfn.describeStack('none');
    await aws.eks.describeCluster('none').catch(() => undefined);
    expect(proxy.requests.map((r) => `${r.service}:${r.action}`)).toEqual([
      'sts:GetCallerIdentity',
      'iam:ListOpenIDConnectProviders',
      'iam:GetRole',
      'cloudformation:DescribeStacks',
      'eks:DescribeCluster',
    ]);
    expect(proxy.count('iam')).toBe(2);
    expect(proxy.count('iam', 'GetRole')).toBe(1);
    proxy.resetLog();
    expect(proxy.requests).toEqual([]);
  });
});

describe('retries and error mapping', () => {
  it('retries a 503 with the SDK retry strategy and succeeds', async () => {
    const ports = await createAwsPorts(testAwsOptions(account, REGION, { endpoint: proxy.url, maxAttempts: 3 }));
    failFirst('GetCallerIdentity', 1, { status: 503, body: queryError('ServiceUnavailable', 'try later', 'Receiver') });
    expect((await ports.sts.getCallerIdentity()).account).toBe(account.accountId);
    expect(proxy.count('sts', 'GetCallerIdentity')).toBe(2);
  });

  it('retries a connection reset', async () => {
    const ports = await createAwsPorts(testAwsOptions(account, REGION, { endpoint: proxy.url, maxAttempts: 3 }));
    let resets = 1;
    proxy.setFaultInjector((req) => (req.action === 'ListOpenIDConnectProviders' && resets-- > 0 ? 'reset' : 'pass'));
    expect(await ports.iam.listOidcProviderArns()).toEqual(expect.any(Array));
    expect(proxy.count('iam', 'ListOpenIDConnectProviders')).toBe(2);
  });

  it('retries CloudFormation throttling in adaptive mode', async () => {
    const ports = await createAwsPorts(testAwsOptions(account, REGION, { endpoint: proxy.url, maxAttempts: 4, retryMode: 'adaptive' }));
    failFirst('ListStacks', 1, { status: 400, body: queryError('Throttling', 'Rate exceeded') });
    expect(await ports.cfn.listStacks(['CREATE_COMPLETE'])).toEqual(expect.any(Array));
    expect(proxy.count('cloudformation', 'ListStacks')).toBe(2);
  });

  it('follows ListStacks pages (moto answers in one page, so the first page here is AWS-shaped XML from the proxy)', async () => {
    const ports = await createAwsPorts(testAwsOptions(account, REGION, { endpoint: proxy.url }));
    const real = uniqueName('paged');
    await ports.cfn.createStack({ stackName: real, templateBody: JSON.stringify({ Resources: { H: { Type: 'AWS::CloudFormation::WaitConditionHandle' } } }), capabilities: [], tags: {}, terminationProtection: false });
    const firstPage =
      '<ListStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><ListStacksResult><NextToken>page-2</NextToken><StackSummaries>' +
      '<member><StackId>arn:aws:cloudformation:eu-central-1:123456789012:stack/from-page-1/1</StackId><StackName>from-page-1</StackName><CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus></member>' +
      '</StackSummaries></ListStacksResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></ListStacksResponse>';
    failFirst('ListStacks', 1, { status: 200, body: firstPage });
    const listed = (await ports.cfn.listStacks(['CREATE_COMPLETE'])).map((s) => s.stackName);
    expect(listed).toContain('from-page-1');
    expect(listed).toContain(real);
    expect(proxy.count('cloudformation', 'ListStacks')).toBe(2);
    // the second request carried the first page's token and the same status filter
    const second = proxy.requests.filter((r) => r.action === 'ListStacks')[1]!;
    expect(second.params).toMatchObject({ NextToken: 'page-2', 'StackStatusFilter.member.1': 'CREATE_COMPLETE' });
  });

  it('with the guard on, denies DescribeStacks without a StackName as AWS does, and lets DescribeStacks by name through', async () => {
    const ports = await createAwsPorts(testAwsOptions(account, REGION, { endpoint: proxy.url }));
    proxy.setDescribeStacksGuard(true);
    try {
      await expect(ports.cfn.describeStack(uniqueName('missing'))).resolves.toBeUndefined();
      const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
      const client = new CloudFormationClient({ region: REGION, endpoint: proxy.url, credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey }, maxAttempts: 1 });
      await expect(client.send(new DescribeStacksCommand({}))).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      client.destroy();
    } finally {
      proxy.setDescribeStacksGuard(false);
    }
  });

  it('passes a delayed request through', async () => {
    proxy.setFaultInjector(() => ({ delayMs: 50 }));
    expect((await aws.sts.getCallerIdentity()).account).toBe(account.accountId);
  });

  it('gives up after maxAttempts with an AWS error carrying the status', async () => {
    failFirst('GetCallerIdentity', 5, { status: 503, body: queryError('ServiceUnavailable', 'try later', 'Receiver') });
    const err = await aws.sts.getCallerIdentity().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IrsaError);
    expect(err).toMatchObject({ code: 'AWS', httpStatus: 503, message: 'GetCallerIdentity failed: try later' });
    expect(proxy.count('sts')).toBe(1);
  });

  it('keeps the AccessDenied message, which names the missing permission', async () => {
    const message = `User: arn:aws:iam::${account.accountId}:user/tester is not authorized to perform: iam:GetRole on resource: role r1`;
    failFirst('GetRole', 1, { status: 403, body: queryError('AccessDenied', message) });
    await expect(aws.iam.getRole('r1')).rejects.toMatchObject({ code: 'AWS', httpStatus: 403, message: `GetRole failed: ${message}` });
  });

  it('maps AWS\'s "No updates are to be performed." to no-change', async () => {
    failFirst('UpdateStack', 1, { status: 400, body: queryError('ValidationError', 'No updates are to be performed.') });
    expect(await aws.cfn.updateStack({ stackName: 'any', templateBody: '{}', capabilities: [], tags: {} })).toBe('no-change');
  });

  it('maps other ValidationErrors of UpdateStack to AWS errors', async () => {
    await expect(aws.cfn.updateStack({ stackName: uniqueName('missing'), templateBody: '{}', capabilities: [], tags: {} })).rejects.toMatchObject({
      code: 'AWS',
      httpStatus: 400,
      message: expect.stringMatching(/^UpdateStack failed: .*does not exist/),
    });
  });

  it('maps an unreachable endpoint to an AWS error', async () => {
    const ports = await createAwsPorts(testAwsOptions(account, REGION, { endpoint: 'http://127.0.0.1:9' }));
    await expect(ports.sts.getCallerIdentity()).rejects.toMatchObject({ code: 'AWS', message: expect.stringMatching(/^GetCallerIdentity failed: /) });
  });
});
