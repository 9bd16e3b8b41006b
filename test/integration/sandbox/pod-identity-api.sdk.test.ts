/**
 * The sandbox's EKS Pod Identity and add-on API through @aws-sdk/client-eks: the SDK parses the same answers the
 * aws CLI does (pod-identity-api.test.ts), timestamps as dates and errors as their modelled exception classes.
 */
import {
  CreatePodIdentityAssociationCommand,
  DeletePodIdentityAssociationCommand,
  DescribeAddonCommand,
  DescribePodIdentityAssociationCommand,
  EKSClient,
  InvalidParameterException,
  ListAddonsCommand,
  ListPodIdentityAssociationsCommand,
  paginateListPodIdentityAssociations,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdatePodIdentityAssociationCommand,
} from '@aws-sdk/client-eks';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type MotoAccount, type Sandbox } from '../../../sandbox/index.js';
import { createMotoCluster, fakeAuthorization } from '../../../sandbox/moto.js';
import { motoUrl } from '../../support/aws.js';

const REGION = 'eu-west-1';
const CLUSTER = 'podid-sdk';

let sandbox: Sandbox;
let account: MotoAccount;
let eks: EKSClient;
let roleArn: string;

describe('the sandbox EKS Pod Identity and add-on API through the SDK', () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ moto: { url: motoUrl() } });
    account = await sandbox.newAccount();
    await createMotoCluster(sandbox.motoUrl, account, CLUSTER, REGION);
    const client = { endpoint: sandbox.proxyUrl, region: REGION, maxAttempts: 1, credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey } };
    eks = new EKSClient(client);
    const iam = new IAMClient(client);
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
    const made = await iam.send(new CreateRoleCommand({ RoleName: 'sdk-pod-role', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    roleArn = made.Role?.Arn ?? '';
    iam.destroy();
  });
  afterAll(async () => {
    eks?.destroy();
    await sandbox?.stop();
  });

  it('creates, describes, lists page by page, updates and deletes', async () => {
    const { association } = await eks.send(
      new CreatePodIdentityAssociationCommand({ clusterName: CLUSTER, namespace: 'apps', serviceAccount: 'web', roleArn, tags: { owner: 'sdk' } }),
    );
    expect(association?.associationId).toMatch(/^a-[a-z0-9]{17}$/);
    expect(association?.createdAt).toBeInstanceOf(Date);
    expect(association).toMatchObject({ clusterName: CLUSTER, namespace: 'apps', serviceAccount: 'web', roleArn, tags: { owner: 'sdk' }, disableSessionTags: false });
    const id = association?.associationId ?? '';

    const described = await eks.send(new DescribePodIdentityAssociationCommand({ clusterName: CLUSTER, associationId: id }));
    expect(described.association).toEqual(association);

    for (const sa of ['w1', 'w2', 'w3']) await eks.send(new CreatePodIdentityAssociationCommand({ clusterName: CLUSTER, namespace: 'apps', serviceAccount: sa, roleArn }));
    const pages: string[][] = [];
    for await (const p of paginateListPodIdentityAssociations({ client: eks, pageSize: 3 }, { clusterName: CLUSTER, namespace: 'apps' })) {
      pages.push((p.associations ?? []).map((a) => a.serviceAccount ?? ''));
    }
    expect(pages).toEqual([['web', 'w1', 'w2'], ['w3']]);

    const target = 'arn:aws:iam::111122223333:role/target';
    const updated = await eks.send(
      new UpdatePodIdentityAssociationCommand({ clusterName: CLUSTER, associationId: id, targetRoleArn: target, disableSessionTags: true, policy: '{"Version":"2012-10-17","Statement":[]}' }),
    );
    expect(updated.association).toMatchObject({ targetRoleArn: target, disableSessionTags: true, externalId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(updated.association?.modifiedAt?.getTime()).toBeGreaterThanOrEqual(association?.modifiedAt?.getTime() ?? Infinity);

    const deleted = await eks.send(new DeletePodIdentityAssociationCommand({ clusterName: CLUSTER, associationId: id }));
    expect(deleted.association?.associationId).toBe(id);
    const listed = await eks.send(new ListPodIdentityAssociationsCommand({ clusterName: CLUSTER, serviceAccount: 'web' }));
    expect(listed.associations).toEqual([]);
  });

  it('parses the errors as the modelled exceptions, with their HTTP status', async () => {
    await eks.send(new CreatePodIdentityAssociationCommand({ clusterName: CLUSTER, namespace: 'errs', serviceAccount: 'app', roleArn }));
    const inUse = await eks.send(new CreatePodIdentityAssociationCommand({ clusterName: CLUSTER, namespace: 'errs', serviceAccount: 'app', roleArn })).catch((e: unknown) => e);
    expect(inUse).toBeInstanceOf(ResourceInUseException);
    expect((inUse as ResourceInUseException).$metadata.httpStatusCode).toBe(409);
    expect((inUse as ResourceInUseException).message).toMatch(/^Association already exists: a-[a-z0-9]{17}$/);

    const noCluster = await eks.send(new ListPodIdentityAssociationsCommand({ clusterName: 'no-such-cluster' })).catch((e: unknown) => e);
    expect(noCluster).toBeInstanceOf(ResourceNotFoundException);
    expect((noCluster as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);

    // The SDK does not check maxResults' range (botocore checks only its minimum): the service does.
    const tooMany = await eks.send(new ListPodIdentityAssociationsCommand({ clusterName: CLUSTER, maxResults: 101 })).catch((e: unknown) => e);
    expect(tooMany).toBeInstanceOf(InvalidParameterException);
    expect((tooMany as InvalidParameterException).$metadata.httpStatusCode).toBe(400);

    const policyWithTags = await eks
      .send(new CreatePodIdentityAssociationCommand({ clusterName: CLUSTER, namespace: 'errs', serviceAccount: 'other', roleArn, policy: '{"Version":"2012-10-17","Statement":[]}' }))
      .catch((e: unknown) => e);
    expect(policyWithTags).toBeInstanceOf(InvalidParameterException);
  });

  it('sees the eks-pod-identity-agent add-on, and no longer once the sandbox removes it', async () => {
    expect((await eks.send(new ListAddonsCommand({ clusterName: CLUSTER }))).addons).toEqual(['eks-pod-identity-agent']);
    const { addon } = await eks.send(new DescribeAddonCommand({ clusterName: CLUSTER, addonName: 'eks-pod-identity-agent' }));
    expect(addon).toMatchObject({ status: 'ACTIVE', clusterName: CLUSTER });
    expect(addon?.createdAt).toBeInstanceOf(Date);
    sandbox.proxy.eks.removeAddon({ accountId: account.accountId, region: REGION, name: CLUSTER }, 'eks-pod-identity-agent');
    const gone = await eks.send(new DescribeAddonCommand({ clusterName: CLUSTER, addonName: 'eks-pod-identity-agent' })).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
  });

  it('forgets the associations of a cluster deleted and made again under the same name, as EKS does', async () => {
    const name = 'podid-sdk-again';
    await createMotoCluster(sandbox.motoUrl, account, name, REGION);
    await eks.send(new CreatePodIdentityAssociationCommand({ clusterName: name, namespace: 'apps', serviceAccount: 'web', roleArn }));
    expect((await eks.send(new ListPodIdentityAssociationsCommand({ clusterName: name }))).associations).toHaveLength(1);
    const deleted = await fetch(`${sandbox.motoUrl}/clusters/${name}`, { method: 'DELETE', headers: { authorization: fakeAuthorization(account.accessKeyId, REGION, 'eks') } });
    expect(deleted.status).toBe(200);
    await createMotoCluster(sandbox.motoUrl, account, name, REGION);
    expect((await eks.send(new ListPodIdentityAssociationsCommand({ clusterName: name }))).associations).toEqual([]);
  });
});
