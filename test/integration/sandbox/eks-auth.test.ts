import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../../src/aws/factory.js';
import type { AwsPorts } from '../../../src/aws/ports.js';
import { eksAuthEndpoint } from '../../../src/aws/eks-auth.js';
import { IrsaError } from '../../../src/errors.js';
import { startAwsProxy, type AwsProxy } from '../../../sandbox/aws-proxy.js';
import { createMotoCluster } from '../../../sandbox/moto.js';
import { motoUrl, newTestAccount, testAwsOptions, type MotoAccount } from '../../support/aws.js';

/**
 * The EKS Auth adapter (src/aws/eks-auth.ts) through the proxy's EKS Auth API: the model's errors reach irsactl as
 * IrsaError AWS with their code, and its endpoint follows AWS_ENDPOINT_URL_EKS_AUTH. A token this proxy accepts needs
 * a Kubernetes server; that path is in test/e2e/doctor/pod-identity.test.ts.
 */

const REGION = 'eu-west-1';
let account: MotoAccount;
let proxy: AwsProxy;
let aws: AwsPorts;

beforeAll(async () => {
  account = await newTestAccount();
  proxy = await startAwsProxy(motoUrl());
  aws = await createAwsPorts(testAwsOptions(account, REGION, { endpoint: proxy.url }));
  await createMotoCluster(motoUrl(), account, 'auth', REGION);
});
afterAll(async () => {
  await proxy.stop();
});

async function refusal(call: Promise<unknown>): Promise<IrsaError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IrsaError);
  return err as IrsaError;
}

describe('EKS Auth AssumeRoleForPodIdentity (adapter and sandbox)', () => {
  it('a token no Kubernetes server of the cluster signed: InvalidTokenException, signed as eks-auth', async () => {
    proxy.resetLog();
    const err = await refusal(aws.eksAuth.assumeRoleForPodIdentity('auth', 'aaa.bbb.ccc'));
    expect(err).toMatchObject({ code: 'AWS', awsCode: 'InvalidToken', httpStatus: 400 });
    expect(err.message).toMatch(/^AssumeRoleForPodIdentity failed: /);
    expect(proxy.count('eks-auth', 'AssumeRoleForPodIdentity')).toBe(1);
  });

  it('an unknown cluster: ResourceNotFoundException', async () => {
    const err = await refusal(aws.eksAuth.assumeRoleForPodIdentity('no-such-cluster', 'aaa.bbb.ccc'));
    expect(err).toMatchObject({ awsCode: 'ResourceNotFound', httpStatus: 404 });
  });

  it('AWS_ENDPOINT_URL_EKS_AUTH wins over AWS_ENDPOINT_URL; the default is eks-auth.<region>.api.aws', async () => {
    const options = testAwsOptions(account, REGION, { endpoint: proxy.url });
    const ports = await createAwsPorts({ ...options, env: { ...options.env, AWS_ENDPOINT_URL_EKS_AUTH: 'http://127.0.0.1:9' } });
    proxy.resetLog();
    const err = await refusal(ports.eksAuth.assumeRoleForPodIdentity('auth', 'aaa.bbb.ccc'));
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(proxy.requests).toEqual([]);
    expect(eksAuthEndpoint('us-west-2')).toBe('https://eks-auth.us-west-2.api.aws');
    expect(eksAuthEndpoint('cn-north-1')).toBe('https://eks-auth.cn-north-1.api.amazonwebservices.com.cn');
  });
});
