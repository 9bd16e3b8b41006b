/**
 * The EKS port's Pod Identity and add-on methods (src/aws/eks.ts) against the sandbox's EKS API (the AWS proxy in
 * front of moto, whose protocol pod-identity-api.test.ts checks with the real aws CLI): typed outcomes for the
 * answers irsactl acts on (ResourceInUse → 'exists', ResourceNotFound → undefined / 'absent'), every list page read.
 */
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEksPort } from '../../../src/aws/eks.js';
import type { EksPort } from '../../../src/aws/ports.js';
import { IrsaError } from '../../../src/errors.js';
import { startSandbox, type MotoAccount, type Sandbox } from '../../../sandbox/index.js';
import { createMotoCluster } from '../../../sandbox/moto.js';
import { motoUrl, testAwsOptions } from '../../support/aws.js';

const REGION = 'eu-central-1';
const CLUSTER = 'podid-port';

let sandbox: Sandbox;
let account: MotoAccount;
let eks: EksPort;
let roleArn: string;

describe('EksPort: Pod Identity associations and add-ons', () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ moto: { url: motoUrl() } });
    account = await sandbox.newAccount();
    await createMotoCluster(sandbox.motoUrl, account, CLUSTER, REGION);
    eks = createEksPort(testAwsOptions(account, REGION, { endpoint: sandbox.proxyUrl }));
    const iam = new IAMClient({ endpoint: sandbox.proxyUrl, region: REGION, credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey } });
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
    roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'port-pod-role', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role?.Arn ?? '';
    iam.destroy();
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('sees the agent add-on, and its absence as undefined', async () => {
    expect(await eks.describeAddon(CLUSTER, 'eks-pod-identity-agent')).toMatchObject({ name: 'eks-pod-identity-agent', status: 'ACTIVE' });
    sandbox.proxy.eks.removeAddon({ accountId: account.accountId, region: REGION, name: CLUSTER }, 'eks-pod-identity-agent');
    expect(await eks.describeAddon(CLUSTER, 'eks-pod-identity-agent')).toBeUndefined();
  });

  it('reads Auto Mode from DescribeCluster', async () => {
    expect((await eks.describeCluster(CLUSTER)).autoMode).toBe(false);
    sandbox.proxy.eks.setAutoMode({ accountId: account.accountId, region: REGION, name: CLUSTER }, true);
    expect((await eks.describeCluster(CLUSTER)).autoMode).toBe(true);
    sandbox.proxy.eks.setAutoMode({ accountId: account.accountId, region: REGION, name: CLUSTER }, false);
  });

  it('creates, finds the second create as exists, lists every page, updates and deletes', async () => {
    const made = await eks.createPodIdentityAssociation({ cluster: CLUSTER, namespace: 'apps', serviceAccount: 'web', roleArn, tags: { team: 'a' } });
    if (made === 'exists') throw new Error('expected a new association');
    expect(made).toMatchObject({ namespace: 'apps', serviceAccount: 'web', roleArn, tags: { team: 'a' }, disableSessionTags: false });
    expect(made.targetRoleArn).toBeUndefined();
    expect(await eks.createPodIdentityAssociation({ cluster: CLUSTER, namespace: 'apps', serviceAccount: 'web', roleArn, tags: {} })).toBe('exists');

    // more than one page of EKS's default page size would take long to make: the filter and the loop are checked
    for (let i = 0; i < 3; i++) await eks.createPodIdentityAssociation({ cluster: CLUSTER, namespace: 'other', serviceAccount: `w${i}`, roleArn, tags: {} });
    expect((await eks.listPodIdentityAssociations(CLUSTER)).map((a) => `${a.namespace}/${a.serviceAccount}`).sort()).toEqual(['apps/web', 'other/w0', 'other/w1', 'other/w2']);
    expect((await eks.listPodIdentityAssociations(CLUSTER, { namespace: 'apps', serviceAccount: 'web' })).map((a) => a.associationId)).toEqual([made.associationId]);

    const target = 'arn:aws:iam::111122223333:role/target';
    const updated = await eks.updatePodIdentityAssociation(CLUSTER, made.associationId, { targetRoleArn: target, disableSessionTags: true, policy: '{"Version":"2012-10-17","Statement":[]}' });
    expect(updated).toMatchObject({ roleArn, targetRoleArn: target, disableSessionTags: true, externalId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(await eks.describePodIdentityAssociation(CLUSTER, made.associationId)).toEqual(updated);

    expect(await eks.deletePodIdentityAssociation(CLUSTER, made.associationId)).toBe('deleted');
    expect(await eks.deletePodIdentityAssociation(CLUSTER, made.associationId)).toBe('absent');
    expect(await eks.describePodIdentityAssociation(CLUSTER, made.associationId)).toBeUndefined();
  });

  it('reports EKS refusals as errors that name the operation', async () => {
    const err = await eks
      .createPodIdentityAssociation({ cluster: CLUSTER, namespace: 'apps', serviceAccount: 'bad', roleArn: `arn:aws:iam::${account.accountId}:role/does-not-exist`, tags: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IrsaError);
    expect((err as IrsaError).message).toMatch(/CreatePodIdentityAssociation|role/i);
  });
});
