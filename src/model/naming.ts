import type { ClusterModel, ServiceAccountSpec } from './service-account.js';
import { saId } from './service-account.js';

// Stack names, stack tags and outputs shared with eksctl. They are part of the on-AWS contract: stacks created by
// either tool must be found and managed by the other.

export const IRSA_NAME_TAG = 'alpha.eksctl.io/iamserviceaccount-name';
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
  APPLY_SET_TAG,
]);

/**
 * The stack tags eksctl sends : both cluster-name tags, the version tag, then
 * metadata.tags and the SA's tags, then the iamserviceaccount-name tag. Reserved
 * keys always carry irsactl's values (eksctl only guarantees that for the name tag;
 * a user-overridden cluster-name tag would hide the stack from both tools).
 */
export function stackTagsFor(cluster: ClusterModel, sa: ServiceAccountSpec, applySet?: string): Record<string, string> {
  const tags: Record<string, string> = {
    [CLUSTER_NAME_TAG]: cluster.name,
    [LEGACY_CLUSTER_NAME_TAG]: cluster.name,
    [EKSCTL_VERSION_TAG]: STACK_VERSION_TAG_VALUE,
    ...(applySet !== undefined ? { [APPLY_SET_TAG]: applySet } : {}),
  };
  // Entries, not assignment: a "__proto__" tag key must stay a tag.
  const user = [...Object.entries(cluster.tags), ...Object.entries(sa.tags)].filter(([key]) => !RESERVED_TAG_KEYS.has(key));
  return Object.fromEntries([...Object.entries(tags), ...user, [IRSA_NAME_TAG, saId(sa)]]);
}

/** CAPABILITY_NAMED_IAM only when the role has an explicit name, as eksctl does. */
export function capabilitiesFor(sa: ServiceAccountSpec): string[] {
  return sa.roleName ? ['CAPABILITY_NAMED_IAM'] : ['CAPABILITY_IAM'];
}
