import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createAddon, type AddonState } from '../../../sandbox/eks-addons.js';
import { EKS_EXTRA_ROUTES } from '../../../sandbox/eks-extras.js';
import { createAssociation, listAssociations, newPodIdentityState, type ClusterRef, type RoleLookup } from '../../../sandbox/eks-pod-identity.js';
import { ERROR_STATUS } from '../../../sandbox/eks-rest.js';

// The sandbox's EKS operations against the API model the aws CLI itself uses (botocore's eks/2017-11-01): the
// routes, the error statuses, and that every field the sandbox answers is a member of the modelled shape.

interface Model {
  operations: Record<string, { http: { method: string; requestUri: string }; input: { shape: string } }>;
  shapes: Record<string, { members?: Record<string, unknown>; required?: string[]; error?: { httpStatusCode: number } }>;
}

function loadModel(): Model | undefined {
  try {
    const dir = execFileSync('python3', ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__))'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const base = join(dir, 'data', 'eks', '2017-11-01', 'service-2.json');
    if (existsSync(base)) return JSON.parse(readFileSync(base, 'utf8')) as Model;
    if (existsSync(`${base}.gz`)) return JSON.parse(gunzipSync(readFileSync(`${base}.gz`)).toString('utf8')) as Model;
  } catch {
    // no python3 or no botocore: the aws CLI is not installed either
  }
  return undefined;
}

const model = loadModel();
const members = (shape: string): string[] => Object.keys(model?.shapes[shape]?.members ?? {});

describe.skipIf(model === undefined)("the sandbox's EKS operations match botocore's EKS model", () => {
  const cluster: ClusterRef = { partition: 'aws', accountId: '111122223333', region: 'us-west-2', name: 'c' };
  const role = 'arn:aws:iam::111122223333:role/app';
  const roles: RoleLookup = async (arn) => ({
    arn,
    trustPolicy: { Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] },
  });

  it('serves each operation at its modelled method and request URI', () => {
    for (const route of EKS_EXTRA_ROUTES) {
      expect(model?.operations[route.operation]?.http, route.operation).toMatchObject({ method: route.method, requestUri: route.uri });
    }
  });

  it('answers each error type with its modelled HTTP status', () => {
    for (const [type, status] of Object.entries(ERROR_STATUS)) expect(model?.shapes[type]?.error?.httpStatusCode, type).toBe(status);
  });

  it('answers only modelled members, every optional one included', async () => {
    const state = newPodIdentityState();
    const full = await createAssociation(
      state,
      cluster,
      { namespace: 'n', serviceAccount: 's', roleArn: role, targetRoleArn: 'arn:aws:iam::444455556666:role/t', disableSessionTags: true, policy: '{}', tags: { a: 'b' } },
      roles,
      { ownerArn: 'arn:aws:eks:us-west-2:111122223333:addon/c/vpc-cni/x' },
    );
    expect(members('PodIdentityAssociation')).toEqual(expect.arrayContaining(Object.keys(full)));
    const listed = listAssociations(state, new URLSearchParams({ maxResults: '1' }));
    expect(members('ListPodIdentityAssociationsResponse')).toEqual(expect.arrayContaining(Object.keys(listed)));
    expect(members('PodIdentityAssociationSummary')).toEqual(expect.arrayContaining(Object.keys(listed.associations[0] ?? {})));

    const addons: AddonState = new Map();
    const addon = await createAddon(
      addons,
      state,
      { ...cluster, kubernetesVersion: '1.33' },
      { addonName: 'aws-ebs-csi-driver', serviceAccountRoleArn: role, configurationValues: '{}', namespaceConfig: { namespace: 'storage' }, tags: { a: 'b' } },
      roles,
    );
    expect(members('Addon')).toEqual(expect.arrayContaining(Object.keys(addon)));
  });

  it("refuses a create without any member the model requires (clusterName is the URI's)", async () => {
    const body: Record<string, unknown> = { namespace: 'n', serviceAccount: 's', roleArn: role };
    const required = (model?.shapes.CreatePodIdentityAssociationRequest?.required ?? []).filter((m) => m !== 'clusterName');
    expect(required.sort()).toEqual(Object.keys(body).sort());
    for (const member of required) {
      const { [member]: _left, ...without } = body;
      await expect(createAssociation(newPodIdentityState(), cluster, without, roles), member).rejects.toMatchObject({ type: 'InvalidParameterException' });
    }
  });
});
