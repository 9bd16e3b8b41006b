import { stackNameFor } from '../model/naming.js';
import type { ServiceAccountSpec } from '../model/service-account.js';

// The names EKS, Kubernetes, IAM and CloudFormation accept, as predicates the rules share.

export const CLUSTER_NAME_RE = /^[0-9A-Za-z][A-Za-z0-9\-_]*$/;
export const CLUSTER_NAME_MAX = 100;
/** RFC 1123 DNS subdomain: what Kubernetes allows for a ServiceAccount name. */
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const SERVICE_ACCOUNT_NAME_MAX = 253;
/** RFC 1123 label: what Kubernetes allows for a namespace. */
const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const NAMESPACE_MAX = 63;
const ROLE_NAME_RE = /^[\w+=,.@-]+$/;
export const ROLE_NAME_MAX = 64;
const STACK_NAME_RE = /^[A-Za-z][A-Za-z0-9-]*$/;
export const STACK_NAME_MAX = 128;
/** The part after `system:serviceaccount:<ns>:`; `*` and `?` are StringLike wildcards. */
export const SUBJECT_PATTERN_RE = /^[a-z0-9.*?-]+$/;

export const isClusterName = (name: string): boolean => name.length <= CLUSTER_NAME_MAX && CLUSTER_NAME_RE.test(name);
export const isServiceAccountName = (name: string): boolean => name.length <= SERVICE_ACCOUNT_NAME_MAX && DNS_SUBDOMAIN_RE.test(name);
export const isNamespace = (name: string): boolean => name.length <= NAMESPACE_MAX && DNS_LABEL_RE.test(name);
export const isRoleName = (name: string): boolean => name.length <= ROLE_NAME_MAX && ROLE_NAME_RE.test(name);

/** Why CloudFormation would refuse this stack name, or undefined if it accepts it. */
export function stackNameShapeProblem(stack: string): { stack: string; tooLong: boolean } | undefined {
  const tooLong = stack.length > STACK_NAME_MAX;
  return tooLong || !STACK_NAME_RE.test(stack) ? { stack, tooLong } : undefined;
}

/** Why CloudFormation would refuse the stack name of this service account, or undefined if it accepts it. */
export const stackNameProblem = (cluster: string, sa: ServiceAccountSpec): { stack: string; tooLong: boolean } | undefined =>
  stackNameShapeProblem(stackNameFor(cluster, sa));
