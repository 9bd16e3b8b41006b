import type { OidcProviderInfo, PodIdentityAssociationInfo, RoleInfo } from '../aws/ports.js';
import type { PodObject, ServiceAccountObject } from '../k8s/ports.js';
import { STS_AUDIENCE, type OidcInfo } from '../model/oidc.js';

// What the doctor action gathers and the checks read, and what each check returns: the vocabulary shared by the
// action (I/O) and the pure checks.

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';
export type CheckId =
  | 'mechanism'
  | 'oidc-provider'
  | 'service-account'
  | 'trust-policy'
  | 'webhook-annotations'
  | 'pods'
  | 'live'
  | 'well-known-policies'
  | 'pod-identity-association'
  | 'pod-identity-trust'
  | 'pod-identity-target-role'
  | 'pod-identity-session-policy'
  | 'pod-identity-agent'
  | 'pod-identity-pods'
  | 'pod-identity-live';

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  message: string;
  fix?: string;
}

export const AUDIENCE_ANNOTATION = 'eks.amazonaws.com/audience';
export const REGIONAL_STS_ANNOTATION = 'eks.amazonaws.com/sts-regional-endpoints';
export const TOKEN_EXPIRATION_ANNOTATION = 'eks.amazonaws.com/token-expiration';
/** The pod identity webhook's bounds for token-expiration, in seconds. */
export const MIN_TOKEN_EXPIRATION = 600;
export const MAX_TOKEN_EXPIRATION = 86_400;

/** What the doctor knows about the cluster and the caller, shared by every ServiceAccount. */
export interface DoctorTarget {
  cluster: string;
  region: string;
  /** The cluster's issuer; its providerArn is in the cluster's account. */
  oidc: OidcInfo;
  /** The account of the credentials: only there can IAM be read. */
  callerAccount: string;
}

export type ProviderLookup =
  | { kind: 'found'; provider: OidcProviderInfo }
  /** otherArns: the account's providers, to name a provider for another issuer */
  | { kind: 'missing'; otherArns: string[] }
  | { kind: 'unverifiable' };

export type RoleLookup = { kind: 'found'; role: RoleInfo } | { kind: 'missing' } | { kind: 'unverifiable' };

export type PodsLookup = { kind: 'listed'; pods: PodObject[] } | { kind: 'forbidden'; message: string };

/** How --live stopped before its exchange, the same for IRSA and Pod Identity (live-token.ts renders it). */
export type TokenStepOutcome = { kind: 'not-run'; reason: string } | { kind: 'token-forbidden'; message: string } | { kind: 'token-failed'; message: string };

export type LiveOutcome =
  | { kind: 'not-requested' }
  | TokenStepOutcome
  | { kind: 'sts-failed'; message: string }
  | { kind: 'assumed'; assumedRoleArn: string; accountId: string };

export interface WellKnownCoverage {
  policy: string;
  version: string;
  missing: string[];
}

/** The ServiceAccount's Pod Identity association as EKS has it, with its roles as IAM has them. */
export type AssociationLookup =
  | { kind: 'none' }
  /** ListPodIdentityAssociations or DescribePodIdentityAssociation failed (e.g. AccessDenied): the mechanism is unknown */
  | { kind: 'unknown'; message: string }
  | {
      kind: 'found';
      association: PodIdentityAssociationInfo;
      role: RoleLookup;
      /** set when the association has a targetRoleArn */
      targetRole?: RoleLookup;
    };

/**
 * Whether the nodes run the Pod Identity agent: Auto Mode (built in), the add-on with its status, none, or not
 * readable. The first three are the actions' AgentState (pod-identity-plan.ts agentState).
 */
export type AgentLookup =
  | { source: 'auto-mode' }
  | { source: 'addon'; status: string; version?: string }
  | { source: 'missing' }
  | { source: 'unknown'; message: string };

export type PodIdentityLiveOutcome =
  | { kind: 'not-requested' }
  | TokenStepOutcome
  | { kind: 'auth-failed'; message: string }
  | { kind: 'assumed'; assumedRoleArn: string; associationId: string; subject: { namespace: string; serviceAccount: string } };

/** What the Pod Identity checks read, besides the ServiceAccount and its pods. */
export interface PodIdentityFacts {
  association: AssociationLookup;
  agent: AgentLookup;
  live: PodIdentityLiveOutcome;
}

/** Everything gathered for one ServiceAccount. */
export interface ServiceAccountFacts {
  namespace: string;
  name: string;
  /** undefined: it does not exist */
  serviceAccount?: ServiceAccountObject;
  /** the provider for this cluster's issuer in the role's account */
  provider: ProviderLookup;
  role: RoleLookup;
  /** the irsactl/eksctl stack whose Role1 is this role, if any */
  managedStack?: string;
  /** that stack's well-known inline policies against each controller's newest catalogued document; unset: none, or not read */
  wellKnownCoverage?: WellKnownCoverage[];
  pods: PodsLookup;
  live: LiveOutcome;
  /** unset: not gathered (then the mechanism is taken as IRSA, as before Pod Identity) */
  podIdentity?: PodIdentityFacts;
}

/** The audience the webhook puts into the projected token. */
export function expectedAudience(sa: ServiceAccountObject | undefined): string {
  const a = sa?.annotations[AUDIENCE_ANNOTATION];
  return a === undefined || a.trim() === '' ? STS_AUDIENCE : a.trim();
}
