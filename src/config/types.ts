import type { ClusterModel, ServiceAccountSpec } from '../model/service-account.js';
import type { PodIdentityAssociationSpec } from '../model/pod-identity.js';
import type { SaFilter } from './filter.js';

// The loader's inputs (flags, a file's text) and its one output, ResolvedConfig.

/** The command a configuration is resolved for: the rules differ by command. */
export type CommandKind = 'create' | 'update' | 'delete' | 'get' | 'associate' | 'apply' | 'doctor';

/** Raw option values as commander gives them. `undefined` = flag not given. */
export interface ConfigFlags {
  cluster?: string;
  name?: string;
  positional?: string;
  namespace?: string;
  /** Repeatable; each item may itself be comma-separated. */
  attachPolicyArn?: string[];
  attachRoleArn?: string;
  roleName?: string;
  roleOnly?: boolean;
  tags?: string;
  subjectPattern?: string;
  permissionsBoundary?: string;
  region?: string;
  configFile?: string;
  include?: string[];
  exclude?: string[];
  onlyMissing?: boolean;
  prune?: boolean;
  pruneAll?: boolean;
  /** apply: the apply set its stacks are tagged with (default: derived from metadata.name and the file's base name) */
  applySet?: string;
  /** Confirms a subjectPattern of only `*` (any service account in the namespace may assume the role). */
  allowWildcardSubject?: boolean;
  /** The role CloudFormation acts as: checked with the other problems, before any request. */
  cfnRoleArn?: string;
  // `create|update|delete|get podidentityassociation` (eksctl's flag names; --tags and --role-name as above)
  serviceAccountName?: string;
  roleArn?: string;
  /** Repeatable; each item may itself be comma-separated. */
  permissionPolicyArns?: string[];
  /** comma-separated well-known policy names (--well-known-policies) */
  wellKnownPolicies?: string;
  /** --permission-boundary-arn (eksctl's code) */
  permissionBoundaryArn?: string;
  /** --permissions-boundary-arn (eksctl's docs): the same field; both given and different is a usage error */
  permissionsBoundaryArn?: string;
  createServiceAccount?: boolean;
  targetRoleArn?: string;
  /** true: --disable-session-tags; false: --no-disable-session-tags (update); undefined: neither */
  disableSessionTags?: boolean;
  /** a session policy, JSON text */
  policy?: string;
}

/** What a `podidentityassociation` command resolves its configuration for. */
export type PodIdentityCommandKind = 'create' | 'update' | 'delete' | 'get';

/** path '-' for stdin */
export interface ConfigSource {
  path: string;
  text: string;
}

export interface ResolvedConfig {
  /** All service accounts (file) or the one built from flags. Empty for associate, and for get/doctor in flags mode. */
  cluster: ClusterModel;
  /** After include/exclude (== all when no globs). */
  selected: ServiceAccountSpec[];
  /** iam.podIdentityAssociations after include/exclude, or the one built from flags; [] when there are none. */
  selectedPodIdentity: PodIdentityAssociationSpec[];
  /** --include/--exclude as parsed (empty without -f): for what acts on stacks outside the file (--only-missing, --prune). */
  filter: SaFilter;
  /** Where it came from, for display; what differs by source is decided once in the fields below. */
  source: { kind: 'flags' } | { kind: 'file'; path: string };
  /** --region, or metadata.region from the file. */
  region?: string;
  /** e.g. non-12-digit account ids: printed once, by the command, before it starts. */
  warnings: string[];
  /**
   * get/doctor in flags mode only: exact-match filters over what exists in the
   * cluster (the service accounts live there, not in any file). A missing name
   * means every service account; a missing namespace means every namespace
   * (eksctl's get has no "default" namespace default). `selected` is empty then.
   * Absent: `selected` is exactly what the command acts on.
   */
  lookup?: { name?: string; namespace?: string };
  /** Without --approve, only print the plan: always where a command plans; a delete only from a file (by flags it acts at once, as eksctl's does). */
  planFirst: boolean;
  /** create/apply from a file with iam.withOIDC: true create the cluster's missing IAM OIDC provider themselves. */
  mayAssociateOidc: boolean;
  /** create/apply from a file without iam.withOIDC: setting it would let them create a missing OIDC provider. */
  withOidcWouldAssociate: boolean;
  /**
   * A stack name held by a stack this service account does not own stops the command before any change (a file, or
   * an update: there is nothing of its own to update); a create by flags plans it as that service account's failure.
   */
  stopOnForeignStack: boolean;
  /** The config file's path as a user can name it again in a suggested command (not stdin). */
  configPathForHints?: string;
  /** apply only: the apply set the stacks it creates or updates are tagged with (irsactl.io/apply-set) */
  applySet?: string;
}
