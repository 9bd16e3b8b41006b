/**
 * The sandbox's EKS Pod Identity and add-on API driven by the real aws CLI: proves the protocol (routes, shapes,
 * error types) with a client nobody in this repository wrote, as kube-server.kubectl.test.ts does for Kubernetes.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PodIdentityAssociation as Association } from '../../../sandbox/eks-pod-identity.js';
import { startSandbox, type MotoAccount, type Sandbox } from '../../../sandbox/index.js';
import { createMotoCluster, fakeAuthorization } from '../../../sandbox/moto.js';
import { motoUrl } from '../../support/aws.js';

const REGION = 'us-west-2';
const CLUSTER = 'podid';
const AWS_CLI = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'aws')).find((p) => existsSync(p));

const POD_IDENTITY_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let sandbox: Sandbox;
let account: MotoAccount;
let home: string;

function aws(args: string[]): Promise<Run> {
  const env = {
    ...sandbox.cliEnv(account, REGION),
    PATH: process.env.PATH ?? '',
    HOME: home,
    AWS_DEFAULT_REGION: REGION,
    AWS_PAGER: '',
  };
  return new Promise((resolve) => {
    execFile(AWS_CLI ?? 'aws', [...args, '--endpoint-url', sandbox.proxyUrl, '--output', 'json'], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const r = await aws(args);
  expect(r.stderr, `aws ${args.join(' ')}`).toBe('');
  expect(r.code).toBe(0);
  return (r.stdout.trim() === '' ? {} : JSON.parse(r.stdout)) as T;
}

/** The CLI's message for a service error: `An error occurred (<code>) when calling the <Operation> operation: <message>`. */
async function fails(args: string[], code: string, operation: string): Promise<string> {
  const r = await aws(args);
  expect(r.code, `aws ${args.join(' ')}: ${r.stdout}`).not.toBe(0);
  expect(r.stderr).toContain(`An error occurred (${code}) when calling the ${operation} operation: `);
  return r.stderr;
}

async function createRole(name: string, trust: unknown, path = '/'): Promise<string> {
  const out = await ok<{ Role: { Arn: string } }>(['iam', 'create-role', '--role-name', name, '--path', path, '--assume-role-policy-document', JSON.stringify(trust)]);
  return out.Role.Arn;
}


const create = (ns: string, sa: string, roleArn: string, ...more: string[]) =>
  ['eks', 'create-pod-identity-association', '--cluster-name', CLUSTER, '--namespace', ns, '--service-account', sa, '--role-arn', roleArn, ...more];

/** Setup without the CLI's start-up time: the proxy's route as a plain request (moto and the proxy check no signature). */
async function quickCreate(ns: string, sa: string, roleArn: string): Promise<void> {
  const res = await fetch(`${sandbox.proxyUrl}/clusters/${CLUSTER}/pod-identity-associations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: fakeAuthorization(account.accessKeyId, REGION, 'eks') },
    body: JSON.stringify({ namespace: ns, serviceAccount: sa, roleArn }),
  });
  expect(res.status, await res.text()).toBe(200);
}

let podRole: string;
let otherPodRole: string;

// Each aws CLI run takes one to three seconds on these machines: the tests get minutes, not the default 30 s.
describe.skipIf(AWS_CLI === undefined)('the sandbox EKS Pod Identity and add-on API with the real aws CLI', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ moto: { url: motoUrl() } });
    account = await sandbox.newAccount();
    home = mkdtempSync(join(tmpdir(), 'irsactl-awscli-'));
    writeFileSync(join(home, '.keep'), '');
    await createMotoCluster(sandbox.motoUrl, account, CLUSTER, REGION);
    [podRole, otherPodRole] = await Promise.all([createRole('pod-app', POD_IDENTITY_TRUST), createRole('pod-other', POD_IDENTITY_TRUST, '/team/')]);
  });
  afterAll(async () => {
    await sandbox?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('creates an association with EKS ID and ARN forms, and describes it the same', async () => {
    const { association: made } = await ok<{ association: Association }>(create('team-a', 'app', podRole, '--tags', 'team=a,tier=web'));
    expect(made.associationId).toMatch(/^a-[a-z0-9]{17}$/);
    expect(made).toMatchObject({
      clusterName: CLUSTER,
      namespace: 'team-a',
      serviceAccount: 'app',
      roleArn: podRole,
      associationArn: `arn:aws:eks:${REGION}:${account.accountId}:podidentityassociation/${CLUSTER}/${made.associationId}`,
      tags: { team: 'a', tier: 'web' },
      disableSessionTags: false,
    });
    expect(made.createdAt).toBeCloseTo(Date.now() / 1000, -2);
    expect(made.modifiedAt).toBe(made.createdAt);
    expect(made).not.toHaveProperty('targetRoleArn');
    expect(made).not.toHaveProperty('externalId');
    const { association: described } = await ok<{ association: Association }>([
      'eks', 'describe-pod-identity-association', '--cluster-name', CLUSTER, '--association-id', made.associationId,
    ]);
    expect(described).toEqual(made);
    expect(sandbox.proxy.count('eks', 'CreatePodIdentityAssociation')).toBe(1);
    expect(sandbox.proxy.eks.associations({ accountId: account.accountId, region: REGION, name: CLUSTER }).map((a) => a.associationId)).toContain(made.associationId);
  });

  it('refuses a second association of the same ServiceAccount with ResourceInUseException naming the first', async () => {
    const { association } = await ok<{ association: Association }>(create('team-b', 'app', podRole));
    const stderr = await fails(create('team-b', 'app', otherPodRole), 'ResourceInUseException', 'CreatePodIdentityAssociation');
    expect(stderr).toContain(`Association already exists: ${association.associationId}`);
  });

  it('checks the role in IAM: it must exist and trust pods.eks.amazonaws.com with sts:AssumeRole and sts:TagSession', async () => {
    const irsaTrust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${account.accountId}:oidc-provider/oidc.eks.${REGION}.amazonaws.com/id/X` }, Action: 'sts:AssumeRoleWithWebIdentity' }],
    };
    const noTagSession = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    const [irsaRole, halfRole] = await Promise.all([createRole('irsa-only', irsaTrust), createRole('no-tag-session', noTagSession)]);
    const [irsa, half, missing, wrongPath] = await Promise.all([
      fails(create('team-c', 'app', irsaRole), 'InvalidParameterException', 'CreatePodIdentityAssociation'),
      fails(create('team-c', 'app', halfRole), 'InvalidParameterException', 'CreatePodIdentityAssociation'),
      fails(create('team-c', 'app', `arn:aws:iam::${account.accountId}:role/no-such-role`), 'InvalidParameterException', 'CreatePodIdentityAssociation'),
      // The role exists, but not under that path: IAM knows it by its full ARN.
      fails(create('team-c', 'app', `arn:aws:iam::${account.accountId}:role/pod-other`), 'InvalidParameterException', 'CreatePodIdentityAssociation'),
    ]);
    expect(irsa).toContain('Trust policy of the role provided is invalid');
    expect(half).toContain('Trust policy of the role provided is invalid');
    expect(missing).toContain('Role provided in the request does not exist');
    expect(wrongPath).toContain('Role provided in the request does not exist');
    await ok(create('team-c', 'app', otherPodRole));
  });

  it('answers ResourceNotFoundException for a cluster that does not exist, as EKS does', async () => {
    const stderr = await fails(['eks', 'list-pod-identity-associations', '--cluster-name', 'no-such-cluster'], 'ResourceNotFoundException', 'ListPodIdentityAssociations');
    expect(stderr).toContain('No cluster found for name: no-such-cluster.');
    await fails(['eks', 'describe-pod-identity-association', '--cluster-name', CLUSTER, '--association-id', 'a-00000000000000000'], 'ResourceNotFoundException', 'DescribePodIdentityAssociation');
  });

  it('takes a target role (generating an external ID), session tags off and a session policy of up to 2,048 characters', async () => {
    const target = 'arn:aws:iam::111122223333:role/cross-account-target';
    const statement = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/' };
    const base = JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
    // Exactly 2,048 characters: the resource ARN takes up the rest.
    const policy = base.replace('bucket/', `bucket/${'k'.repeat(2048 - base.length)}`);
    expect(policy).toHaveLength(2048);
    const { association } = await ok<{ association: Association }>(
      create('team-d', 'app', podRole, '--target-role-arn', target, '--disable-session-tags', '--policy', policy),
    );
    expect(association).toMatchObject({ targetRoleArn: target, disableSessionTags: true, policy });
    expect(association.externalId).toMatch(/^[0-9a-f-]{36}$/);

    const [tooLong, withTags] = await Promise.all([
      fails(create('team-d', 'other', podRole, '--disable-session-tags', '--policy', `${policy} `), 'InvalidParameterException', 'CreatePodIdentityAssociation'),
      fails(create('team-d', 'other', podRole, '--policy', base), 'InvalidParameterException', 'CreatePodIdentityAssociation'),
    ]);
    expect(tooLong).toContain('2048');
    expect(withTags).toContain('disableSessionTags must be true');
  });

  it('lists with namespace and ServiceAccount filters, and pages by maxResults and nextToken', async () => {
    for (const sa of ['s1', 's2', 's3', 's4', 's5']) await quickCreate('paged', sa, podRole);
    await quickCreate('paged-too', 's3', podRole);
    const list = (...more: string[]) => ok<{ associations: Association[]; nextToken?: string }>(['eks', 'list-pod-identity-associations', '--cluster-name', CLUSTER, ...more]);

    const inPaged = await list('--namespace', 'paged');
    expect(inPaged.associations.map((a) => a.serviceAccount)).toEqual(['s1', 's2', 's3', 's4', 's5']);
    // Summaries: no role, times or tags.
    expect(Object.keys(inPaged.associations[0] ?? {}).sort()).toEqual(['associationArn', 'associationId', 'clusterName', 'namespace', 'serviceAccount']);
    expect((await list('--namespace', 'paged', '--service-account', 's3')).associations.map((a) => a.serviceAccount)).toEqual(['s3']);
    expect((await list('--service-account', 's3')).associations.map((a) => a.namespace)).toEqual(['paged', 'paged-too']);

    // The CLI follows nextToken itself: three requests of two for five associations.
    sandbox.proxy.resetLog();
    expect((await list('--namespace', 'paged', '--page-size', '2')).associations).toHaveLength(5);
    expect(sandbox.proxy.count('eks', 'ListPodIdentityAssociations')).toBe(3);

    const first = await list('--namespace', 'paged', '--no-paginate', '--max-results', '2');
    expect(first.associations.map((a) => a.serviceAccount)).toEqual(['s1', 's2']);
    expect(first.nextToken).toEqual(expect.any(String));
    // Deleting an item already listed shifts nothing: the token names where the next page starts.
    await ok(['eks', 'delete-pod-identity-association', '--cluster-name', CLUSTER, '--association-id', first.associations[0]?.associationId ?? '']);
    const second = await list('--namespace', 'paged', '--no-paginate', '--max-results', '2', '--next-token', first.nextToken ?? '');
    expect(second.associations.map((a) => a.serviceAccount)).toEqual(['s3', 's4']);
    const last = await list('--namespace', 'paged', '--no-paginate', '--max-results', '2', '--next-token', second.nextToken ?? '');
    expect(last.associations.map((a) => a.serviceAccount)).toEqual(['s5']);
    expect(last).not.toHaveProperty('nextToken');
    const listing = ['eks', 'list-pod-identity-associations', '--cluster-name', CLUSTER, '--no-paginate'];
    // botocore checks maxResults' minimum itself, not its maximum of 100: the service refuses 101.
    const [badToken, tooMany] = await Promise.all([
      fails([...listing, '--next-token', 'not-a-token'], 'InvalidParameterException', 'ListPodIdentityAssociations'),
      fails([...listing, '--max-results', '101'], 'InvalidParameterException', 'ListPodIdentityAssociations'),
    ]);
    expect(badToken).toContain('nextToken');
    expect(tooMany).toContain('maxResults must be between 1 and 100');
  });

  it('updates the role, the target role and the session settings, never the ServiceAccount', async () => {
    const { association: made } = await ok<{ association: Association }>(create('team-e', 'app', podRole));
    const update = (...more: string[]) => ['eks', 'update-pod-identity-association', '--cluster-name', CLUSTER, '--association-id', made.associationId, ...more];
    const { association: moved } = await ok<{ association: Association }>(update('--role-arn', otherPodRole));
    expect(moved).toMatchObject({ associationId: made.associationId, namespace: 'team-e', serviceAccount: 'app', roleArn: otherPodRole, createdAt: made.createdAt });
    expect(moved.modifiedAt).toBeGreaterThanOrEqual(made.modifiedAt);

    const target = 'arn:aws:iam::111122223333:role/target';
    const { association: chained } = await ok<{ association: Association }>(update('--target-role-arn', target));
    expect(chained.targetRoleArn).toBe(target);
    expect(chained.externalId).toMatch(/^[0-9a-f-]{36}$/);
    // A policy needs session tags off, after the update as well as in it.
    await fails(update('--policy', '{"Version":"2012-10-17","Statement":[]}'), 'InvalidParameterException', 'UpdatePodIdentityAssociation');
    const { association: scoped } = await ok<{ association: Association }>(update('--disable-session-tags', '--policy', '{"Version":"2012-10-17","Statement":[]}'));
    expect(scoped).toMatchObject({ disableSessionTags: true, policy: '{"Version":"2012-10-17","Statement":[]}', externalId: chained.externalId });
    await fails(update('--no-disable-session-tags'), 'InvalidParameterException', 'UpdatePodIdentityAssociation');

    const { association: cleared } = await ok<{ association: Association }>(update('--target-role-arn', '', '--policy', ''));
    expect(cleared).not.toHaveProperty('targetRoleArn');
    expect(cleared).not.toHaveProperty('externalId');
    expect(cleared).not.toHaveProperty('policy');

    const irsaRole = await createRole('irsa-for-update', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    const [badRole, nothing, missing] = await Promise.all([
      fails(update('--role-arn', irsaRole), 'InvalidParameterException', 'UpdatePodIdentityAssociation'),
      fails(update(), 'InvalidParameterException', 'UpdatePodIdentityAssociation'),
      fails(['eks', 'update-pod-identity-association', '--cluster-name', CLUSTER, '--association-id', 'a-00000000000000000', '--role-arn', podRole], 'ResourceNotFoundException', 'UpdatePodIdentityAssociation'),
    ]);
    expect(badRole).toContain('Trust policy of the role provided is invalid');
    expect(nothing).toContain('at least one of');
    expect(missing).toContain('a-00000000000000000');
  });

  it('deletes an association, answering it once and ResourceNotFoundException after', async () => {
    const { association: made } = await ok<{ association: Association }>(create('team-f', 'app', podRole));
    const del = ['eks', 'delete-pod-identity-association', '--cluster-name', CLUSTER, '--association-id', made.associationId];
    const { association: deleted } = await ok<{ association: Association }>(del);
    expect(deleted).toEqual(made);
    await Promise.all([
      fails(del, 'ResourceNotFoundException', 'DeletePodIdentityAssociation'),
      fails(['eks', 'describe-pod-identity-association', '--cluster-name', CLUSTER, '--association-id', made.associationId], 'ResourceNotFoundException', 'DescribePodIdentityAssociation'),
    ]);
    // The ServiceAccount is free again.
    await ok(create('team-f', 'app', podRole));
  });

  it('shows the eks-pod-identity-agent add-on ACTIVE; without it, CreateAddon installs it CREATING, then ACTIVE', async () => {
    const ref = { accountId: account.accountId, region: REGION, name: CLUSTER };
    expect(await ok(['eks', 'list-addons', '--cluster-name', CLUSTER])).toEqual({ addons: ['eks-pod-identity-agent'] });
    const { addon } = await ok<{ addon: Record<string, unknown> }>(['eks', 'describe-addon', '--cluster-name', CLUSTER, '--addon-name', 'eks-pod-identity-agent']);
    expect(addon).toMatchObject({ addonName: 'eks-pod-identity-agent', clusterName: CLUSTER, status: 'ACTIVE', health: { issues: [] } });
    expect(addon.addonArn).toMatch(new RegExp(`^arn:aws:eks:${REGION}:${account.accountId}:addon/${CLUSTER}/eks-pod-identity-agent/`));

    sandbox.proxy.eks.removeAddon(ref, 'eks-pod-identity-agent');
    expect(await ok(['eks', 'list-addons', '--cluster-name', CLUSTER])).toEqual({ addons: [] });
    const gone = await fails(['eks', 'describe-addon', '--cluster-name', CLUSTER, '--addon-name', 'eks-pod-identity-agent'], 'ResourceNotFoundException', 'DescribeAddon');
    expect(gone).toContain('No addon: eks-pod-identity-agent found in cluster: podid');

    const created = await ok<{ addon: { status: string } }>(['eks', 'create-addon', '--cluster-name', CLUSTER, '--addon-name', 'eks-pod-identity-agent']);
    expect(created.addon.status).toBe('CREATING');
    await ok(['eks', 'wait', 'addon-active', '--cluster-name', CLUSTER, '--addon-name', 'eks-pod-identity-agent']);
    const [again, unknown] = await Promise.all([
      fails(['eks', 'create-addon', '--cluster-name', CLUSTER, '--addon-name', 'eks-pod-identity-agent'], 'ResourceInUseException', 'CreateAddon'),
      fails(['eks', 'create-addon', '--cluster-name', CLUSTER, '--addon-name', 'no-such-addon'], 'InvalidParameterException', 'CreateAddon'),
    ]);
    expect(again).toContain('Addon already exists.');
    expect(unknown).toContain('no-such-addon');
  });

  it("makes an add-on's associations its own: owned, listed with ownerArn, not deletable with InvalidRequestException", async () => {
    const { addon } = await ok<{ addon: { addonArn: string } }>([
      'eks', 'create-addon', '--cluster-name', CLUSTER, '--addon-name', 'vpc-cni', '--pod-identity-associations', `serviceAccount=aws-node,roleArn=${podRole}`,
    ]);
    const { associations } = await ok<{ associations: Association[] }>(['eks', 'list-pod-identity-associations', '--cluster-name', CLUSTER, '--namespace', 'kube-system']);
    expect(associations).toEqual([expect.objectContaining({ serviceAccount: 'aws-node', ownerArn: addon.addonArn })]);
    const id = associations[0]?.associationId ?? '';
    await Promise.all([
      fails(['eks', 'delete-pod-identity-association', '--cluster-name', CLUSTER, '--association-id', id], 'InvalidRequestException', 'DeletePodIdentityAssociation'),
      fails(['eks', 'update-pod-identity-association', '--cluster-name', CLUSTER, '--association-id', id, '--role-arn', otherPodRole], 'InvalidRequestException', 'UpdatePodIdentityAssociation'),
    ]);
  });

  it('marks a cluster as EKS Auto Mode in DescribeCluster when told to', async () => {
    const ref = { accountId: account.accountId, region: REGION, name: CLUSTER };
    const describe = async () => (await ok<{ cluster: Record<string, unknown> }>(['eks', 'describe-cluster', '--name', CLUSTER])).cluster;
    expect((await describe()).computeConfig).toBeUndefined();
    sandbox.proxy.eks.setAutoMode(ref, true);
    expect(await describe()).toMatchObject({ computeConfig: { enabled: true }, storageConfig: { blockStorage: { enabled: true } }, kubernetesNetworkConfig: { elasticLoadBalancing: { enabled: true } } });
    sandbox.proxy.eks.setAutoMode(ref, false);
    expect((await describe()).computeConfig).toBeUndefined();
  });

  it('keeps each cluster to itself', async () => {
    await createMotoCluster(sandbox.motoUrl, account, 'podid-2', REGION);
    expect(await ok(['eks', 'list-pod-identity-associations', '--cluster-name', 'podid-2'])).toEqual({ associations: [] });
  });
});
