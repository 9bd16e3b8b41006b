import type { AddonInfo, FargateProfileInfo, PodIdentityAssociationInfo, RoleInfo } from '../aws/ports.js';
import type { ServiceAccountObject } from '../k8s/ports.js';

// What the migration's planner reads, gathered by actions/migrate-facts.ts; and the tags with which the migration
// records on each association it makes what rollback needs to restore the IRSA state exactly.

/** On every association the migration makes: its mark (rollback deletes only associations that carry it). */
export const MIGRATED_BY_TAG = 'irsactl.io/migrated-by';
export const MIGRATED_BY_VALUE = 'migrate-to-pod-identity';
/** The ServiceAccount's eks.amazonaws.com/role-arn annotation as it was: rollback puts it back. */
export const IRSA_ROLE_TAG = 'irsactl.io/irsa-role-arn';
/**
 * Whether the role trusted the ServiceAccount through the OIDC provider when the association was made ('true' or
 * 'false'): rollback puts that statement back only if it was there (the cut-over may have removed it).
 */
export const IRSA_OIDC_TRUST_TAG = 'irsactl.io/irsa-oidc-trust';

export const isMigrationAssociation = (a: Pick<PodIdentityAssociationInfo, 'tags' | 'ownerArn'>): boolean =>
  a.ownerArn === undefined && a.tags[MIGRATED_BY_TAG] === MIGRATED_BY_VALUE;

export interface ClusterFacts {
  name: string;
  region: string;
  partition: string;
  accountId: string;
  autoMode: boolean;
  /** undefined: the cluster has no OIDC issuer */
  oidc?: { providerArn: string; issuerHostPath: string };
  /** the eks-pod-identity-agent add-on; undefined when not installed */
  agent?: AddonInfo;
  fargateProfiles: FargateProfileInfo[];
  /** names of nodes labelled kubernetes.io/os=windows */
  windowsNodes: string[];
  /** undefined: the nodes could not be listed (forbidden), so Windows nodes are not ruled out */
  nodesUnreadable?: string;
}

/** Who may change the role's trust policy. */
export type RoleOwner =
  /** an iamserviceaccount stack of this cluster (irsactl's or eksctl's): changed only through its template */
  | { kind: 'stack'; stackName: string; template: unknown; tags: Record<string, string>; capabilities: string[] }
  /** no stack: IAM UpdateAssumeRolePolicy */
  | { kind: 'iam' }
  /** eksctl's tags, but no stack of this cluster owns it (another cluster's, or a stack that is gone) */
  | { kind: 'foreign-stack'; reason: string }
  /** an EKS add-on's role (eksctl's addon stack tag): the add-on's to change */
  | { kind: 'addon'; addon: string };

export type RoleLookup = { kind: 'found'; role: RoleInfo; owner: RoleOwner } | { kind: 'missing' } | { kind: 'other-account'; accountId: string } | { kind: 'bad-arn' };

export interface ServiceAccountFacts {
  namespace: string;
  name: string;
  /** undefined: the ServiceAccount does not exist (only an association of the migration names it) */
  serviceAccount?: ServiceAccountObject;
  /** the role the migration is about: the annotation's, else the one the migration's association recorded */
  roleArn?: string;
  role: RoleLookup;
  association?: PodIdentityAssociationInfo;
}

export interface MigrationFacts {
  cluster: ClusterFacts;
  serviceAccounts: ServiceAccountFacts[];
  /** every association of the cluster that is not an add-on's, by role ARN: `<ns>/<sa>` ids */
  associationsByRole: Record<string, string[]>;
}
