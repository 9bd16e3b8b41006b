import { describe, expect, it } from 'vitest';
import {
  createAssociation,
  newAssociationId,
  newPodIdentityState,
  trustsPodIdentity,
  updateAssociation,
  type ClusterRef,
  type RoleLookup,
} from '../../../sandbox/eks-pod-identity.js';
import { EksError, errorAnswer, page } from '../../../sandbox/eks-rest.js';

// The sandbox's Pod Identity rules without a back-end: the trust check, the paging, and the association rules
// that the aws CLI tests (pod-identity-api.test.ts) only reach one case of each.

const trust = (...statements: unknown[]) => ({ Version: '2012-10-17', Statement: statements });
const pods = (action: unknown, extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: action, ...extra });

describe('trustsPodIdentity', () => {
  it('wants both sts:AssumeRole and sts:TagSession for pods.eks.amazonaws.com, from one statement or several', () => {
    expect(trustsPodIdentity(trust(pods(['sts:AssumeRole', 'sts:TagSession'])))).toBe(true);
    expect(trustsPodIdentity(trust(pods('sts:AssumeRole'), pods('sts:TagSession')))).toBe(true);
    expect(trustsPodIdentity(trust(pods('sts:*')))).toBe(true);
    expect(trustsPodIdentity(trust({ ...pods(['sts:AssumeRole', 'sts:TagSession']), Principal: { Service: ['ec2.amazonaws.com', 'pods.eks.amazonaws.com'] } }))).toBe(true);
    expect(trustsPodIdentity(trust(pods('sts:AssumeRole')))).toBe(false);
    expect(trustsPodIdentity(trust(pods('sts:TagSession')))).toBe(false);
    expect(trustsPodIdentity(trust({ ...pods(['sts:AssumeRole', 'sts:TagSession']), Effect: 'Deny' }))).toBe(false);
    expect(trustsPodIdentity(trust({ ...pods(['sts:AssumeRole', 'sts:TagSession']), Principal: { Service: 'ec2.amazonaws.com' } }))).toBe(false);
    expect(trustsPodIdentity(trust({ Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::1:oidc-provider/x' }, Action: 'sts:AssumeRoleWithWebIdentity' }))).toBe(false);
    expect(trustsPodIdentity(undefined)).toBe(false);
  });
});

describe('page', () => {
  const items = ['a', 'b', 'c', 'd', 'e'];
  const q = (params: Record<string, string>) => new URLSearchParams(params);
  it('pages by maxResults from an opaque token, and checks maxResults against the model (1–100)', () => {
    const first = page(items, q({ maxResults: '2' }), (s) => s);
    expect(first.items).toEqual(['a', 'b']);
    const second = page(items, q({ maxResults: '2', nextToken: first.nextToken ?? '' }), (s) => s);
    expect(second.items).toEqual(['c', 'd']);
    expect(page(items, q({ maxResults: '2', nextToken: second.nextToken ?? '' }), (s) => s)).toEqual({ items: ['e'] });
    expect(page(items, q({}), (s) => s)).toEqual({ items });
    for (const bad of ['0', '101', 'x']) expect(() => page(items, q({ maxResults: bad }), (s) => s)).toThrow(EksError);
    expect(() => page(items, q({ nextToken: 'garbage' }), (s) => s)).toThrow(/nextToken/);
  });
});

describe('associations', () => {
  const cluster: ClusterRef = { partition: 'aws', accountId: '111122223333', region: 'us-west-2', name: 'c' };
  const role = 'arn:aws:iam::111122223333:role/app';
  const roles: RoleLookup = async (arn) => (arn === role ? { arn, trustPolicy: trust(pods(['sts:AssumeRole', 'sts:TagSession'])) } : undefined);

  it('gives IDs of a- and 17 lower-case letters and digits', () => {
    for (let i = 0; i < 50; i++) expect(newAssociationId()).toMatch(/^a-[a-z0-9]{17}$/);
  });

  it('answers a retried create (same clientRequestToken) with the association it made, not ResourceInUseException', async () => {
    const state = newPodIdentityState();
    const body = { namespace: 'n', serviceAccount: 's', roleArn: role, clientRequestToken: 't-1' };
    const first = await createAssociation(state, cluster, body, roles);
    expect(await createAssociation(state, cluster, body, roles)).toBe(first);
    await expect(createAssociation(state, cluster, { ...body, clientRequestToken: 't-2' }, roles)).rejects.toMatchObject({ type: 'ResourceInUseException' });
  });

  it('refuses a role of another account (cross-account goes through targetRoleArn), bad tags and a policy that is not JSON', async () => {
    const state = newPodIdentityState();
    const base = { namespace: 'n', serviceAccount: 's', roleArn: role };
    await expect(createAssociation(state, cluster, { ...base, roleArn: 'arn:aws:iam::999999999999:role/app' }, roles)).rejects.toThrow('Role provided in the request does not exist');
    await expect(createAssociation(state, cluster, { ...base, tags: { 'aws:x': 'y' } }, roles)).rejects.toMatchObject({ type: 'InvalidParameterException' });
    await expect(createAssociation(state, cluster, { ...base, disableSessionTags: true, policy: 'not json' }, roles)).rejects.toMatchObject({ type: 'InvalidParameterException' });
    await expect(createAssociation(state, cluster, { ...base, targetRoleArn: 'not-an-arn' }, roles)).rejects.toMatchObject({ type: 'InvalidParameterException' });
    expect(state.associations.size).toBe(0);
  });

  it('keeps the external ID while a target role is set, whichever it is', async () => {
    const state = newPodIdentityState();
    const made = await createAssociation(state, cluster, { namespace: 'n', serviceAccount: 's', roleArn: role, targetRoleArn: 'arn:aws:iam::444455556666:role/t1' }, roles);
    const moved = await updateAssociation(state, cluster, made.associationId, { targetRoleArn: 'arn:aws:iam::444455556666:role/t2' }, roles);
    expect(moved.externalId).toBe(made.externalId);
  });

  it('answers an error in restJson: the x-amzn-errortype header, the model status and a JSON message', () => {
    const answer = errorAnswer(new EksError('ResourceInUseException', 'Association already exists: a-1', { clusterName: 'c' }));
    expect(answer.status).toBe(409);
    expect(answer.headers['x-amzn-errortype']).toBe('ResourceInUseException');
    expect(JSON.parse(answer.body)).toEqual({ clusterName: 'c', message: 'Association already exists: a-1' });
  });
});
