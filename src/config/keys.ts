import { WELL_KNOWN_POLICY_KEYS } from '../model/service-account.js';

// The keys eksctl's ClusterConfig schema knows (as of eksctl commit 99984adb). Where irsactl acts (metadata, each
// service account, each pod identity association) an unknown key is an error; at the top level and under iam, where a newer eksctl adds keys, it is
// a warning unless it looks like a typo of a key irsactl reads. Everything below other keys is accepted unchecked.

/** The apiVersion and kind of the one document type irsactl reads. */
export const API_VERSION = 'eksctl.io/v1alpha5';
export const KIND = 'ClusterConfig';

export const TOP_LEVEL_KEYS = [
  'apiVersion',
  'kind',
  'metadata',
  'upgradePolicy',
  'kubernetesNetworkConfig',
  'autoModeConfig',
  'remoteNetworkConfig',
  'iam',
  'iamIdentityMappings',
  'identityProviders',
  'accessConfig',
  'vpc',
  'addons',
  'addonsConfig',
  'privateCluster',
  'nodeGroups',
  'managedNodeGroups',
  'fargateProfiles',
  'availabilityZones',
  'localZones',
  'cloudWatch',
  'secretsEncryption',
  'gitops',
  'karpenter',
  'outpost',
  'controlPlaneScalingConfig',
  'zonalShiftConfig',
  'kubeAPIServerConfig',
  'kubeSchedulerConfig',
  'kubeControllerManagerConfig',
  'capabilities',
] as const;

/** The top-level keys irsactl reads: an unknown key nearest to one of these is a typo, an error. */
export const TOP_LEVEL_READ_KEYS = ['apiVersion', 'kind', 'metadata', 'iam'] as const;

export const CLUSTER_METADATA_KEYS = [
  'name',
  'region',
  'version',
  'forceUpdateVersion',
  'rollbackConfig',
  'tags',
  'annotations',
] as const;

export const IAM_KEYS = [
  'serviceRoleARN',
  'serviceRolePermissionsBoundary',
  'fargatePodExecutionRoleARN',
  'fargatePodExecutionRolePermissionsBoundary',
  'withOIDC',
  'serviceAccounts',
  'podIdentityAssociations',
  'vpcResourceControllerPolicy',
  // irsactl's own (eksctl has no such key; eksctl warns about it and ignores it): the cluster-wide default profile.
  'wellKnownPolicyProfile',
] as const;

/** The iam keys irsactl reads: `serviceAcounts` must fail, not be ignored. */
export const IAM_READ_KEYS = ['withOIDC', 'serviceAccounts', 'podIdentityAssociations', 'wellKnownPolicyProfile'] as const;

/** Levels where unknown keys are warnings (a newer eksctl's), with the keys irsactl reads there. */
export const LENIENT_LEVELS: readonly { path: readonly string[]; known: readonly string[]; read: readonly string[] }[] = [
  { path: [], known: TOP_LEVEL_KEYS, read: TOP_LEVEL_READ_KEYS },
  { path: ['iam'], known: IAM_KEYS, read: IAM_READ_KEYS },
];

export const SERVICE_ACCOUNT_KEYS = [
  'metadata',
  'attachPolicyARNs',
  'wellKnownPolicies',
  'attachPolicy',
  'attachRoleARN',
  'permissionsBoundary',
  'status',
  'roleName',
  'roleOnly',
  'tags',
  'subjectPattern',
  // irsactl's own: which statements wellKnownPolicies renders (profile), and the controller versions it pins.
  'wellKnownPolicyProfile',
  'wellKnownPolicyVersions',
  'wellKnownPolicyInputs',
  // irsactl's own: controllers' published policies that eksctl has no wellKnownPolicies key for.
  'controllerPolicies',
] as const;

/** eksctl's PodIdentityAssociation fields (pkg/apis/eksctl.io/v1alpha5/iam.go, their json names). */
export const POD_IDENTITY_ASSOCIATION_KEYS = [
  'namespace',
  'serviceAccountName',
  'roleARN',
  'createServiceAccount',
  'roleName',
  'permissionsBoundaryARN',
  'permissionPolicyARNs',
  'permissionPolicyName',
  'permissionPolicy',
  'wellKnownPolicies',
  'tags',
  'targetRoleARN',
  'disableSessionTags',
  'policy',
  // irsactl's own, as on a service account: which statements wellKnownPolicies renders, versions and inputs.
  'wellKnownPolicyProfile',
  'wellKnownPolicyVersions',
  'wellKnownPolicyInputs',
] as const;

/** The ObjectMeta fields irsactl uses. */
export const OBJECT_META_USED_KEYS = ['name', 'namespace', 'labels', 'annotations'] as const;
/** The rest of Kubernetes ObjectMeta: eksctl accepts them (it embeds ObjectMeta), irsactl ignores them. */
export const OBJECT_META_IGNORED_KEYS = [
  'generateName',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'ownerReferences',
  'finalizers',
  'managedFields',
] as const;
export const OBJECT_META_KEYS = [...OBJECT_META_USED_KEYS, ...OBJECT_META_IGNORED_KEYS] as const;

type PathSegment = string | number;

/**
 * The key list that applies to the object at `path`, or undefined where keys are
 * not checked. Paths are those of the raw document (numbers are list indexes).
 */
export function knownKeysAt(path: readonly PathSegment[]): readonly string[] | undefined {
  const p = path.map((s) => (typeof s === 'number' ? '#' : s)).join('.');
  switch (p) {
    case '':
      return TOP_LEVEL_KEYS;
    case 'metadata':
      return CLUSTER_METADATA_KEYS;
    case 'iam':
      return IAM_KEYS;
    case 'iam.serviceAccounts.#':
      return SERVICE_ACCOUNT_KEYS;
    case 'iam.serviceAccounts.#.metadata':
      return OBJECT_META_KEYS;
    case 'iam.serviceAccounts.#.wellKnownPolicies':
    case 'iam.podIdentityAssociations.#.wellKnownPolicies':
    case 'iam.serviceAccounts.#.wellKnownPolicyVersions':
    case 'iam.serviceAccounts.#.wellKnownPolicyInputs':
      return WELL_KNOWN_POLICY_KEYS;
    case 'iam.podIdentityAssociations.#':
      return POD_IDENTITY_ASSOCIATION_KEYS;
    default:
      return undefined;
  }
}

/** Classic Levenshtein distance, two rows of memory. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/**
 * The valid key closest to `unknown`, or undefined when nothing is close.
 * Compared case-insensitively first because the common mistake is the casing of
 * "ARN"/"OIDC" (attachPolicyArns, withOidc).
 */
export function nearestKey(unknown: string, candidates: readonly string[]): string | undefined {
  const lower = unknown.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = levenshtein(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const tolerance = Math.max(2, Math.floor(unknown.length / 3));
  return bestDistance <= tolerance ? best : undefined;
}
