import type { ClusterModel, ServiceAccountSpec } from './service-account.js';
import { saId } from './service-account.js';
import { podIdentityId, type PodIdentityAssociationSpec } from './pod-identity.js';

// Stack names, stack tags and outputs shared with eksctl. They are part of the on-AWS contract: stacks created by
// either tool must be found and managed by the other.

export const IRSA_NAME_TAG = 'alpha.eksctl.io/iamserviceaccount-name';
/** eksctl's api.PodIdentityAssociationNameTag: `<ns>/<sa>` on a pod identity role stack (and its association). */
export const POD_IDENTITY_NAME_TAG = 'alpha.eksctl.io/podidentityassociation-name';
/** eksctl's: an add-on's pod identity role stack carries these instead; irsactl never manages such a stack. */
export const ADDON_NAME_TAG = 'alpha.eksctl.io/addon-name';
export const CLUSTER_NAME_TAG = 'alpha.eksctl.io/cluster-name';
export const LEGACY_CLUSTER_NAME_TAG = 'eksctl.cluster.k8s.io/v1alpha1/cluster-name';
export const EKSCTL_VERSION_TAG = 'alpha.eksctl.io/eksctl-version';
/**
 * irsactl's own: the apply set (one ClusterConfig file's applies) that made or last updated the stack, so that
 * `apply --prune` deletes only what this file put there. eksctl ignores stack tags it does not know.
 */
export const APPLY_SET_TAG = 'irsactl.io/apply-set';
/** Tags that say which tool or apply set last wrote a stack: a difference there alone is not drift. */
export const BOOKKEEPING_TAG_KEYS: readonly string[] = [EKSCTL_VERSION_TAG, APPLY_SET_TAG];
/** Kept in src/version.ts so that `irsactl --help` need not load this module (and zod through config/model). */
import { IRSACTL_VERSION, STACK_VERSION_TAG_VALUE } from '../version.js';
export { IRSACTL_VERSION };
export const ROLE_OUTPUT = 'Role1';

/** eksctl's stack name, unsanitised and untruncated so that both tools agree on it. */
export function stackNameFor(cluster: string, sa: { namespace: string; name: string }): string {
  return `eksctl-${cluster}-addon-iamserviceaccount-${sa.namespace}-${sa.name}`;
}

/** Tags irsactl owns: a user tag with one of these keys must not break discovery by either tool. */
const RESERVED_TAG_KEYS: ReadonlySet<string> = new Set([
  CLUSTER_NAME_TAG,
  LEGACY_CLUSTER_NAME_TAG,
  EKSCTL_VERSION_TAG,
  IRSA_NAME_TAG,
  POD_IDENTITY_NAME_TAG,
  APPLY_SET_TAG,
]);

/**
 * The stack tags eksctl sends : both cluster-name tags, the version tag, then
 * metadata.tags and the SA's tags, then the iamserviceaccount-name tag. Reserved
 * keys always carry irsactl's values (eksctl only guarantees that for the name tag;
 * a user-overridden cluster-name tag would hide the stack from both tools).
 */
export function stackTagsFor(cluster: ClusterModel, sa: ServiceAccountSpec, applySet?: string): Record<string, string> {
  return ownedStackTags(cluster, sa.tags, [IRSA_NAME_TAG, saId(sa)], applySet);
}

/** Both kinds of role stack: the cluster tags, metadata.tags and the item's tags, then the tag naming the item. */
function ownedStackTags(cluster: ClusterModel, itemTags: Record<string, string>, nameTag: [string, string], applySet?: string): Record<string, string> {
  const tags: Record<string, string> = {
    [CLUSTER_NAME_TAG]: cluster.name,
    [LEGACY_CLUSTER_NAME_TAG]: cluster.name,
    [EKSCTL_VERSION_TAG]: STACK_VERSION_TAG_VALUE,
    ...(applySet !== undefined ? { [APPLY_SET_TAG]: applySet } : {}),
  };
  // Entries, not assignment: a "__proto__" tag key must stay a tag.
  const user = [...Object.entries(cluster.tags), ...Object.entries(itemTags)].filter(([key]) => !RESERVED_TAG_KEYS.has(key));
  return Object.fromEntries([...Object.entries(tags), ...user, nameTag]);
}

/** CAPABILITY_NAMED_IAM only when the role has an explicit name, as eksctl does. */
export function capabilitiesFor(sa: ServiceAccountSpec): string[] {
  return sa.roleName ? ['CAPABILITY_NAMED_IAM'] : ['CAPABILITY_IAM'];
}

/** eksctl's MakeStackName for a pod identity association's role (pkg/actions/podidentityassociation). */
export function podIdentityStackNameFor(cluster: string, p: { namespace: string; serviceAccountName: string }): string {
  return `eksctl-${cluster}-podidentityrole-${p.namespace}-${p.serviceAccountName}`;
}

/**
 * The tags of a pod identity role stack as eksctl sends them: the cluster tags its stack manager adds, the
 * association's tags, then the podidentityassociation-name tag (IAMRoleCreator.Create). metadata.tags too, as for
 * iamserviceaccount stacks. Reserved keys always carry irsactl's values.
 */
export function podIdentityStackTagsFor(cluster: ClusterModel, p: PodIdentityAssociationSpec, applySet?: string): Record<string, string> {
  return ownedStackTags(cluster, p.tags, [POD_IDENTITY_NAME_TAG, podIdentityId(p)], applySet);
}

/** CAPABILITY_NAMED_IAM only when the role has an explicit name, as eksctl does. */
export function podIdentityCapabilitiesFor(p: PodIdentityAssociationSpec): string[] {
  return p.roleName ? ['CAPABILITY_NAMED_IAM'] : ['CAPABILITY_IAM'];
}
