// Which mechanism gives a ServiceAccount's pods their AWS credentials. EKS's pod identity webhook gives container
// credentials when the ServiceAccount has a Pod Identity association ("container credentials method takes
// precedence"), else web-identity credentials when it carries the eks.amazonaws.com/role-arn annotation, else none.

export type Mechanism = 'pod-identity' | 'irsa' | 'none' | 'unknown';

/**
 * `associated`: whether EKS has an association for the ServiceAccount; undefined when that could not be read.
 * `annotated`: whether it carries a role ARN annotation.
 */
export function mechanismInEffect(associated: boolean | undefined, annotated: boolean): Mechanism {
  if (associated === undefined) return 'unknown';
  if (associated) return 'pod-identity';
  return annotated ? 'irsa' : 'none';
}

export const MECHANISM_LABEL: Record<Mechanism, string> = { 'pod-identity': 'Pod Identity', irsa: 'IRSA', none: 'none', unknown: 'unknown' };
