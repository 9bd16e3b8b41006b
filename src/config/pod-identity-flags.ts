import { formatPath, flagsLocator, type Locator, type Path } from './problems.js';
import type { ConfigFlags, PodIdentityCommandKind } from './types.js';

// The flags of `create|get|update|delete podidentityassociation`, in one table (eksctl's names,
// pkg/ctl/{create,get,update,delete}/pod_identity_association.go): the commander options, how the loader reads them,
// the field of one iam.podIdentityAssociations[] entry each stands for, and which command has it.

/** The ConfigFlags a flag of type V sets. */
type KeyOf<V> = Exclude<{ [K in keyof ConfigFlags]-?: NonNullable<ConfigFlags[K]> extends V ? K : never }[keyof ConfigFlags], 'positional'>;

interface Row {
  flag: `--${string}`;
  /** as kubectl and eksctl spell it */
  short?: `-${string}`;
  description: string;
  kinds: readonly PodIdentityCommandKind[];
  /** The field of one iam.podIdentityAssociations[] entry the flag sets. */
  fileField: string;
}

export type PodIdentityFlag = Row &
  (
    | { type: 'string'; key: KeyOf<string>; value: string }
    | { type: 'list'; key: KeyOf<string[]>; value: string }
    | { type: 'boolean'; key: KeyOf<boolean> }
    /** `--no-<flag>`: sets the key to false (commander's negation) */
    | { type: 'negation'; key: KeyOf<boolean> }
  );

const ALL: readonly PodIdentityCommandKind[] = ['create', 'get', 'update', 'delete'];
const CREATE: readonly PodIdentityCommandKind[] = ['create'];
const CREATE_UPDATE: readonly PodIdentityCommandKind[] = ['create', 'update'];

/** In the order `--help` lists them. */
export const POD_IDENTITY_FLAGS: readonly PodIdentityFlag[] = [
  { flag: '--namespace', short: '-n', type: 'string', key: 'namespace', value: '<namespace>', fileField: 'namespace', kinds: ALL, description: 'namespace the service account belongs to' },
  { flag: '--service-account-name', type: 'string', key: 'serviceAccountName', value: '<name>', fileField: 'serviceAccountName', kinds: ALL, description: 'name of the Kubernetes ServiceAccount' },
  { flag: '--role-arn', type: 'string', key: 'roleArn', value: '<arn>', fileField: 'roleARN', kinds: CREATE_UPDATE, description: 'an existing IAM role to associate with the service account (no stack is made)' },
  { flag: '--role-name', type: 'string', key: 'roleName', value: '<name>', fileField: 'roleName', kinds: CREATE, description: 'name for the role irsactl makes' },
  { flag: '--permission-policy-arns', type: 'list', key: 'permissionPolicyArns', value: '<arns>', fileField: 'permissionPolicyARNs', kinds: CREATE, description: 'ARNs of managed policies to attach to the role irsactl makes (repeatable, comma-separated)' },
  { flag: '--well-known-policies', type: 'string', key: 'wellKnownPolicies', value: '<names>', fileField: 'wellKnownPolicies', kinds: CREATE, description: "eksctl's well-known policies to attach, comma-separated (e.g. autoScaler,externalDNS)" },
  { flag: '--permission-boundary-arn', type: 'string', key: 'permissionBoundaryArn', value: '<arn>', fileField: 'permissionsBoundaryARN', kinds: CREATE, description: 'ARN of the permissions boundary policy of the role irsactl makes' },
  { flag: '--permissions-boundary-arn', type: 'string', key: 'permissionsBoundaryArn', value: '<arn>', fileField: 'permissionsBoundaryARN', kinds: CREATE, description: 'the same as --permission-boundary-arn (the spelling of eksctl\'s docs)' },
  { flag: '--tags', type: 'string', key: 'tags', value: '<k=v,...>', fileField: 'tags', kinds: CREATE, description: 'tags for the association and the role stack, e.g. "team=a,env=prod"' },
  { flag: '--create-service-account', type: 'boolean', key: 'createServiceAccount', fileField: 'createServiceAccount', kinds: CREATE, description: 'create the Kubernetes ServiceAccount if it does not exist' },
  { flag: '--target-role-arn', type: 'string', key: 'targetRoleArn', value: '<arn>', fileField: 'targetRoleARN', kinds: CREATE_UPDATE, description: 'a role (in another account) EKS assumes with the association\'s role: cross-account access' },
  { flag: '--disable-session-tags', type: 'boolean', key: 'disableSessionTags', fileField: 'disableSessionTags', kinds: CREATE_UPDATE, description: 'disable the session tags EKS Pod Identity adds (needed for --policy)' },
  { flag: '--no-disable-session-tags', type: 'negation', key: 'disableSessionTags', fileField: 'disableSessionTags', kinds: ['update'], description: 'enable the session tags EKS Pod Identity adds again' },
  { flag: '--policy', type: 'string', key: 'policy', value: '<json>', fileField: 'policy', kinds: CREATE_UPDATE, description: 'a session policy (JSON, at most 2,048 characters) that restricts the role further; needs --disable-session-tags' },
];

/** The flags of one command, in `--help` order. */
export const podIdentityFlagsFor = (kind: PodIdentityCommandKind): readonly PodIdentityFlag[] => POD_IDENTITY_FLAGS.filter((f) => f.kinds.includes(kind));

/** Field of the one association flags build → the flag that set it (the first row's, for the two boundary spellings). */
const FLAG_FOR_FIELD: ReadonlyMap<string, string> = new Map(
  [...POD_IDENTITY_FLAGS]
    .reverse()
    .filter((f) => f.type !== 'negation')
    .map((f) => [f.fileField, f.flag] as const),
);

/**
 * Problems about the association flags built, named after the flags; the cluster's as for iamserviceaccounts.
 * `boundaryFlag`: the spelling of the permissions boundary flag that was given.
 */
export function podIdentityFlagsLocator(boundaryFlag = '--permission-boundary-arn'): Locator {
  const base = flagsLocator({ cluster: '--cluster', serviceAccountName: '--service-account-name' });
  const flagFor = (path: Path): string => {
    if (path[0] === 'iam' && path[1] === 'podIdentityAssociations' && typeof path[2] === 'number') {
      const field = path[3];
      if (field === undefined) return '--service-account-name';
      if (field === 'permissionPolicy' || field === 'permissionPolicyName') return `${field} (config file only)`;
      if (field === 'permissionsBoundaryARN') return boundaryFlag;
      return (typeof field === 'string' ? FLAG_FOR_FIELD.get(field) : undefined) ?? formatPath(path);
    }
    return base.where(path);
  };
  return { origin: 'flags', code: 'USAGE', where: flagFor, keyWhere: flagFor, label: flagFor };
}
