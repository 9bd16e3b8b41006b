import type { ServiceAccountSpec } from '../model/service-account.js';
import type { ServiceAccountObject } from './ports.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, MANAGED_BY_VALUES, ROLE_ARN_ANNOTATION } from '../model/kubernetes.js';

// Pure ServiceAccount logic: what it should carry, how to merge into what is there, what delete may do.

export interface DesiredServiceAccount {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function desiredServiceAccount(spec: ServiceAccountSpec, roleArn: string): DesiredServiceAccount {
  return {
    namespace: spec.namespace,
    name: spec.name,
    labels: { ...spec.labels },
    annotations: { ...spec.annotations, [ROLE_ARN_ANNOTATION]: roleArn },
  };
}

/** The object irsactl creates: the desired metadata plus its managed-by label. */
export function newServiceAccount(desired: DesiredServiceAccount): ServiceAccountObject {
  return {
    namespace: desired.namespace,
    name: desired.name,
    labels: { ...desired.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    annotations: { ...desired.annotations },
  };
}

/**
 * Merges desired labels and annotations into an existing object: given keys win, nothing is removed
 * (eksctl's merge). The managed-by label is added only when asked: irsactl does not claim objects it did
 * not create (eksctl's claim breaks a later Helm install of the same ServiceAccount, eksctl#3912).
 */
export function mergeServiceAccount(
  current: ServiceAccountObject,
  desired: DesiredServiceAccount,
  opts: { addManagedBy: boolean },
): { changed: boolean; next: ServiceAccountObject } {
  const labels = { ...current.labels, ...desired.labels };
  if (opts.addManagedBy && !isManaged(current)) labels[MANAGED_BY_LABEL] = MANAGED_BY_VALUE;
  const annotations = { ...current.annotations, ...desired.annotations };
  const changed = !sameMap(labels, current.labels) || !sameMap(annotations, current.annotations);
  return { changed, next: { ...current, labels, annotations } };
}

export function isManaged(sa: Pick<ServiceAccountObject, 'labels'>): boolean {
  const v = sa.labels[MANAGED_BY_LABEL];
  return v !== undefined && MANAGED_BY_VALUES.includes(v);
}

export type ReleaseDecision =
  | { action: 'delete' }
  | { action: 'strip-annotation'; next: ServiceAccountObject }
  | { action: 'keep'; reason: string };

/**
 * What delete may do to a ServiceAccount whose role is going away: delete the object only when irsactl or
 * eksctl manages it and it points at this role; otherwise only remove the annotation naming this role.
 */
export function releaseServiceAccount(sa: ServiceAccountObject, roleArn: string | undefined): ReleaseDecision {
  const current = sa.annotations[ROLE_ARN_ANNOTATION];
  const pointsHere = roleArn === undefined ? current !== undefined : current === roleArn;
  if (isManaged(sa) && (pointsHere || current === undefined)) return { action: 'delete' };
  if (current !== undefined && pointsHere) {
    const annotations = { ...sa.annotations };
    delete annotations[ROLE_ARN_ANNOTATION];
    return { action: 'strip-annotation', next: { ...sa, annotations } };
  }
  if (current !== undefined) return { action: 'keep', reason: `it is annotated with another role (${current})` };
  return { action: 'keep', reason: 'it is not managed by irsactl or eksctl' };
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] === a[k]);
}
