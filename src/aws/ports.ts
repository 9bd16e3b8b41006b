/**
 * Narrow interfaces over AWS that actions receive. Only the adapter files in
 * src/aws import an SDK; tests and actions see these types.
 */

export interface ClusterInfo {
  name: string;
  arn: string;
  partition: string;
  accountId: string;
  region: string;
  status: string;
  endpoint?: string;
  /** base64 PEM, as EKS returns it */
  certificateAuthorityData?: string;
  /** https://oidc.eks.<region>.amazonaws.com/id/<id>; absent on clusters without one */
  oidcIssuer?: string;
  tags: Record<string, string>;
  /**
   * AWS's clock minus this machine's, in ms, as the SDK measured it from the answer's Date header (it signs its own
   * requests with it): the EKS token must be signed with the same corrected time, or a skewed local clock gets a 401.
   */
  clockOffsetMs?: number;
  /** EKS Auto Mode (computeConfig.enabled): the Pod Identity agent is built in, no add-on needed */
  autoMode?: boolean;
}

/** A ListPodIdentityAssociations entry. */
export interface PodIdentityAssociationSummary {
  associationId: string;
  associationArn: string;
  namespace: string;
  serviceAccount: string;
  /** set when an EKS add-on owns the association: only that add-on may change or delete it */
  ownerArn?: string;
}

/** DescribePodIdentityAssociation's answer. */
export interface PodIdentityAssociationInfo extends PodIdentityAssociationSummary {
  roleArn: string;
  targetRoleArn?: string;
  /** EKS's, for the target role's trust policy (sts:ExternalId) */
  externalId?: string;
  disableSessionTags?: boolean;
  policy?: string;
  tags: Record<string, string>;
}

/** What an association asks of EKS: create and update send these fields. */
export interface PodIdentityAssociationFields {
  roleArn: string;
  targetRoleArn?: string;
  disableSessionTags?: boolean;
  policy?: string;
}

export interface AddonInfo {
  name: string;
  /** ACTIVE, CREATING, DEGRADED, ... */
  status: string;
  version?: string;
}

/** A Fargate profile's pod selectors (ListFargateProfiles + DescribeFargateProfile): pods they select run on Fargate. */
export interface FargateProfileInfo {
  name: string;
  status: string;
  /** namespace may hold the wildcards * and ? (EKS accepts them since 2023) */
  selectors: { namespace: string; labels: Record<string, string> }[];
}

export interface EksPort {
  /** Throws IrsaError NOT_FOUND when the cluster does not exist. */
  describeCluster(name: string): Promise<ClusterInfo>;
  tagResource(arn: string, tags: Record<string, string>): Promise<void>;
  /** undefined when EKS says ResourceNotFound (the add-on is not installed) */
  describeAddon(cluster: string, addonName: string): Promise<AddonInfo | undefined>;
  /** every profile of the cluster, each described (every page) */
  listFargateProfiles(cluster: string): Promise<FargateProfileInfo[]>;
  /** every page; namespace and serviceAccount filter as EKS does (exact match) */
  listPodIdentityAssociations(cluster: string, filter?: { namespace?: string; serviceAccount?: string }): Promise<PodIdentityAssociationSummary[]>;
  /** undefined when EKS says ResourceNotFound */
  describePodIdentityAssociation(cluster: string, associationId: string): Promise<PodIdentityAssociationInfo | undefined>;
  /** 'exists' when EKS says ResourceInUse: the ServiceAccount has an association already */
  createPodIdentityAssociation(
    input: { cluster: string; namespace: string; serviceAccount: string; tags: Record<string, string> } & PodIdentityAssociationFields,
  ): Promise<PodIdentityAssociationInfo | 'exists'>;
  /** fields left undefined are not sent, so EKS keeps them as they are */
  updatePodIdentityAssociation(cluster: string, associationId: string, fields: Partial<PodIdentityAssociationFields>): Promise<PodIdentityAssociationInfo>;
  /** 'absent' when EKS says ResourceNotFound (deleted already) */
  deletePodIdentityAssociation(cluster: string, associationId: string): Promise<'deleted' | 'absent'>;
}

export interface OidcProviderInfo {
  arn: string;
  /** as IAM returns it: host/path without scheme */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  tags: Record<string, string>;
}

export interface RoleInfo {
  arn: string;
  name: string;
  /** decoded JSON of AssumeRolePolicyDocument */
  trustPolicy: unknown;
  permissionsBoundary?: string;
  tags: Record<string, string>;
}

export interface IamPort {
  /** undefined when IAM says NoSuchEntity */
  getOidcProvider(arn: string): Promise<OidcProviderInfo | undefined>;
  listOidcProviderArns(): Promise<string[]>;
  /** 'exists' when IAM already has a provider for this URL (EntityAlreadyExists) */
  createOidcProvider(input: { url: string; clientIds: string[]; thumbprints: string[]; tags: Record<string, string> }): Promise<'created' | 'exists'>;
  /** undefined when IAM says NoSuchEntity */
  getRole(name: string): Promise<RoleInfo | undefined>;
  /** The drift check's reads (all pages); GetRolePolicy's document parsed from its URL-encoded JSON. */
  listAttachedRolePolicyArns(role: string): Promise<string[]>;
  listRolePolicyNames(role: string): Promise<string[]>;
  getRolePolicy(role: string, policyName: string): Promise<unknown>;
  /** The drift repairs: one IAM write each, on a role its stack still owns (src/actions/repair-drift.ts). */
  updateAssumeRolePolicy(role: string, document: unknown): Promise<void>;
  attachRolePolicy(role: string, arn: string): Promise<void>;
  detachRolePolicy(role: string, arn: string): Promise<void>;
  putRolePolicy(role: string, policyName: string, document: unknown): Promise<void>;
  deleteRolePolicy(role: string, policyName: string): Promise<void>;
  putRolePermissionsBoundary(role: string, arn: string): Promise<void>;
  deleteRolePermissionsBoundary(role: string): Promise<void>;
  tagRole(role: string, tags: Record<string, string>): Promise<void>;
  untagRole(role: string, keys: string[]): Promise<void>;
  /** GetPolicy: false when IAM says NoSuchEntity (a managed policy the partition does not have). */
  policyExists(arn: string): Promise<boolean>;
}

export interface StackRecord {
  stackName: string;
  stackId: string;
  status: string;
  statusReason?: string;
  tags: Record<string, string>;
  outputs: Record<string, string>;
  capabilities: string[];
  terminationProtection?: boolean;
}

/** A ListStacks entry: no tags or outputs (DescribeStacks by name has those). */
export interface StackSummary {
  stackName: string;
  stackId: string;
  status: string;
}

export interface StackEvent {
  timestamp: Date;
  logicalResourceId: string;
  resourceType: string;
  resourceStatus: string;
  resourceStatusReason?: string;
}

export interface CreateStackInput {
  stackName: string;
  templateBody: string;
  capabilities: string[];
  tags: Record<string, string>;
  terminationProtection: boolean;
}

export interface UpdateStackInput {
  stackName: string;
  templateBody: string;
  capabilities: string[];
  tags: Record<string, string>;
}

export interface CloudFormationPort {
  /**
   * ListStacks with a status filter, every page. Never DescribeStacks without a name: AWS documents that call as
   * needing list permissions over the whole region and suggests denying it.
   */
  listStacks(statuses: readonly string[]): Promise<StackSummary[]>;
  /** undefined when the stack does not exist */
  describeStack(nameOrId: string): Promise<StackRecord | undefined>;
  /**
   * 'exists' when CloudFormation says a stack of this name exists already (its AlreadyExists: an earlier attempt of
   * this request, another run, or anyone's stack); any other refusal, even one whose text says "already exists", throws.
   */
  createStack(input: CreateStackInput): Promise<'created' | 'exists'>;
  /** 'no-change' when CloudFormation says there is nothing to update */
  updateStack(input: UpdateStackInput): Promise<'updated' | 'no-change'>;
  deleteStack(nameOrId: string): Promise<void>;
  setTerminationProtection(nameOrId: string, enabled: boolean): Promise<void>;
  getTemplate(nameOrId: string): Promise<string>;
  /** newest first */
  describeStackEvents(nameOrId: string): Promise<StackEvent[]>;
}

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export interface StsPort {
  getCallerIdentity(): Promise<CallerIdentity>;
  assumeRoleWithWebIdentity(input: { roleArn: string; token: string; sessionName: string }): Promise<{ assumedRoleArn: string; accountId: string }>;
}

/** EKS Auth AssumeRoleForPodIdentity's answer, without the credentials (irsactl only reports who was assumed). */
export interface PodIdentityAssumed {
  assumedRoleArn: string;
  associationId: string;
  associationArn: string;
  subject: { namespace: string; serviceAccount: string };
}

export interface EksAuthPort {
  /** What the Pod Identity agent does for a pod: a ServiceAccount token (audience pods.eks.amazonaws.com) exchanged for the association's role. */
  assumeRoleForPodIdentity(cluster: string, token: string): Promise<PodIdentityAssumed>;
}

export interface AwsPorts {
  eks: EksPort;
  iam: IamPort;
  cfn: CloudFormationPort;
  sts: StsPort;
  eksAuth: EksAuthPort;
}
