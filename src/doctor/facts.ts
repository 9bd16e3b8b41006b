import type { OidcProviderInfo, RoleInfo } from '../aws/ports.js';
import type { PodObject, ServiceAccountObject } from '../k8s/ports.js';
import { STS_AUDIENCE, type OidcInfo } from '../model/oidc.js';

// What the doctor action gathers and the checks read, and what each check returns: the vocabulary shared by the
// action (I/O) and the pure checks.

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';
export type CheckId = 'oidc-provider' | 'service-account' | 'trust-policy' | 'webhook-annotations' | 'pods' | 'live' | 'well-known-policies';

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

export type LiveOutcome =
  | { kind: 'not-requested' }
  | { kind: 'not-run'; reason: string }
  | { kind: 'token-forbidden'; message: string }
  | { kind: 'token-failed'; message: string }
  | { kind: 'sts-failed'; message: string }
  | { kind: 'assumed'; assumedRoleArn: string; accountId: string };

export interface WellKnownCoverage {
  policy: string;
  version: string;
  missing: string[];
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
}

/** The audience the webhook puts into the projected token. */
export function expectedAudience(sa: ServiceAccountObject | undefined): string {
  const a = sa?.annotations[AUDIENCE_ANNOTATION];
  return a === undefined || a.trim() === '' ? STS_AUDIENCE : a.trim();
}
