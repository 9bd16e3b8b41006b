import { randomUUID } from 'node:crypto';
import { createAssociation, forgetAssociation, type ClusterRef, type PodIdentityState, type RoleLookup } from './eks-pod-identity.js';
import { epochSeconds, EksError, page } from './eks-rest.js';

// EKS add-ons of one cluster, in memory: enough of ListAddons, DescribeAddon and CreateAddon to see whether the
// `eks-pod-identity-agent` add-on is there and ACTIVE. A sandbox cluster starts with that add-on installed.

export const POD_IDENTITY_AGENT = 'eks-pod-identity-agent';

/** The add-ons CreateAddon knows, each with the one version the sandbox offers and the namespace it installs into. */
const CATALOGUE: Record<string, { version: string; namespace: string }> = {
  [POD_IDENTITY_AGENT]: { version: 'v1.3.10-eksbuild.2', namespace: 'kube-system' },
  'vpc-cni': { version: 'v1.20.4-eksbuild.2', namespace: 'kube-system' },
  coredns: { version: 'v1.12.4-eksbuild.1', namespace: 'kube-system' },
  'kube-proxy': { version: 'v1.33.3-eksbuild.10', namespace: 'kube-system' },
  'aws-ebs-csi-driver': { version: 'v1.48.0-eksbuild.2', namespace: 'kube-system' },
};

export interface Addon {
  addonName: string;
  clusterName: string;
  status: 'CREATING' | 'ACTIVE';
  addonVersion: string;
  health: { issues: never[] };
  addonArn: string;
  createdAt: number;
  modifiedAt: number;
  tags: Record<string, string>;
  publisher: string;
  owner: string;
  /** ARNs of the associations the add-on owns */
  podIdentityAssociations: string[];
  serviceAccountRoleArn?: string;
  configurationValues?: string;
  namespaceConfig?: { namespace: string };
}

/** name → add-on */
export type AddonState = Map<string, Addon>;

function newAddon(cluster: ClusterRef, name: string, version: string, now: number): Addon {
  return {
    addonName: name,
    clusterName: cluster.name,
    status: 'ACTIVE',
    addonVersion: version,
    health: { issues: [] },
    addonArn: `arn:${cluster.partition}:eks:${cluster.region}:${cluster.accountId}:addon/${cluster.name}/${name}/${randomUUID()}`,
    createdAt: epochSeconds(now),
    modifiedAt: epochSeconds(now),
    tags: {},
    publisher: 'eks',
    owner: 'aws',
    podIdentityAssociations: [],
  };
}

/** A new sandbox cluster's add-ons: the Pod Identity agent, ACTIVE. */
export function defaultAddons(cluster: ClusterRef, now = Date.now()): AddonState {
  return new Map([[POD_IDENTITY_AGENT, newAddon(cluster, POD_IDENTITY_AGENT, CATALOGUE[POD_IDENTITY_AGENT]?.version ?? '', now)]]);
}

function notFound(cluster: ClusterRef, name: string): EksError {
  return new EksError('ResourceNotFoundException', `No addon: ${name} found in cluster: ${cluster.name}`, { clusterName: cluster.name, addonName: name });
}

export function describeAddon(addons: AddonState, cluster: ClusterRef, name: string): Addon {
  const addon = addons.get(name);
  if (addon === undefined) throw notFound(cluster, name);
  return addon;
}

/** ListAddons: the names, in alphabetical order, paged. */
export function listAddons(addons: AddonState, query: URLSearchParams): { addons: string[]; nextToken?: string } {
  const { items, nextToken } = page([...addons.keys()].sort(), query, (name) => name);
  return nextToken !== undefined ? { addons: items, nextToken } : { addons: items };
}

/**
 * CreateAddon: answers the add-on CREATING, as EKS does; the sandbox installs at once, so the next DescribeAddon
 * says ACTIVE. Its podIdentityAssociations become associations the add-on owns, checked as any association is.
 */
export async function createAddon(
  addons: AddonState,
  podIdentity: PodIdentityState,
  cluster: ClusterRef & { kubernetesVersion: string },
  body: Record<string, unknown>,
  roles: RoleLookup,
  now = Date.now(),
): Promise<Addon> {
  const name = body.addonName;
  if (typeof name !== 'string' || name === '') throw new EksError('InvalidParameterException', 'addonName is required', { clusterName: cluster.name });
  const known = CATALOGUE[name];
  if (known === undefined) {
    throw new EksError('InvalidParameterException', `Addon ${name} specified is not supported in ${cluster.kubernetesVersion} kubernetes version`, {
      clusterName: cluster.name,
      addonName: name,
    });
  }
  const version = body.addonVersion ?? known.version;
  if (version !== known.version) {
    throw new EksError('InvalidParameterException', `Addon version specified is not supported: ${String(version)}`, { clusterName: cluster.name, addonName: name });
  }
  if (addons.has(name)) throw new EksError('ResourceInUseException', 'Addon already exists.', { clusterName: cluster.name, addonName: name });

  const addon = newAddon(cluster, name, known.version, now);
  const namespace = (body.namespaceConfig as { namespace?: unknown } | undefined)?.namespace;
  if (typeof namespace === 'string') addon.namespaceConfig = { namespace };
  if (typeof body.serviceAccountRoleArn === 'string') addon.serviceAccountRoleArn = body.serviceAccountRoleArn;
  if (typeof body.configurationValues === 'string') addon.configurationValues = body.configurationValues;
  if (body.tags !== undefined) addon.tags = body.tags as Record<string, string>;

  const made: string[] = [];
  try {
    for (const entry of Array.isArray(body.podIdentityAssociations) ? (body.podIdentityAssociations as Record<string, unknown>[]) : []) {
      const association = await createAssociation(
        podIdentity,
        cluster,
        { namespace: typeof namespace === 'string' ? namespace : known.namespace, serviceAccount: entry.serviceAccount, roleArn: entry.roleArn },
        roles,
        { now, ownerArn: addon.addonArn },
      );
      made.push(association.associationId);
      addon.podIdentityAssociations.push(association.associationArn);
    }
  } catch (err) {
    // All or nothing: the add-on is not created, so neither is any of its associations.
    for (const id of made) forgetAssociation(podIdentity, id);
    throw err;
  }
  addons.set(name, addon);
  return { ...addon, status: 'CREATING' };
}

/** A sandbox control (no EKS call): the add-on is gone, and with it the associations it owned. */
export function removeAddon(addons: AddonState, podIdentity: PodIdentityState, name: string): void {
  const addon = addons.get(name);
  if (addon === undefined) return;
  for (const association of [...podIdentity.associations.values()].filter((a) => a.ownerArn === addon.addonArn)) {
    forgetAssociation(podIdentity, association.associationId);
  }
  addons.delete(name);
}
