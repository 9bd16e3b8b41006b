import type * as K8s from '@kubernetes/client-node';
import type { NodeObject, PodContainer, PodObject, ServiceAccountObject } from './ports.js';

// client-node's objects as the port's narrow ones: only the fields irsactl reads.

export function toServiceAccount(sa: K8s.V1ServiceAccount): ServiceAccountObject {
  const m = sa.metadata ?? {};
  return {
    name: m.name ?? '',
    namespace: m.namespace ?? '',
    labels: { ...(m.labels ?? {}) },
    annotations: { ...(m.annotations ?? {}) },
    ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
    ...(m.uid !== undefined ? { uid: m.uid } : {}),
  };
}

function toContainer(c: K8s.V1Container): PodContainer {
  const env: Record<string, string> = {};
  // valueFrom entries count as present (empty value): the doctor asks "is AWS_ROLE_ARN set".
  for (const e of c.env ?? []) env[e.name] = e.value ?? '';
  return {
    name: c.name,
    env,
    ...(c.securityContext?.runAsUser !== undefined ? { runAsUser: c.securityContext.runAsUser } : {}),
    ...(c.securityContext?.runAsNonRoot !== undefined ? { runAsNonRoot: c.securityContext.runAsNonRoot } : {}),
  };
}

export function toPod(p: K8s.V1Pod): PodObject {
  const m = p.metadata ?? {};
  const spec = p.spec;
  const sc = spec?.securityContext;
  return {
    name: m.name ?? '',
    namespace: m.namespace ?? '',
    serviceAccountName: spec?.serviceAccountName ?? spec?.serviceAccount ?? 'default',
    ...(sc?.fsGroup !== undefined ? { fsGroup: sc.fsGroup } : {}),
    ...(sc?.runAsUser !== undefined ? { runAsUser: sc.runAsUser } : {}),
    ...(sc?.runAsNonRoot !== undefined ? { runAsNonRoot: sc.runAsNonRoot } : {}),
    volumes: (spec?.volumes ?? []).map((v) => {
      const audience = v.projected?.sources?.find((s) => s.serviceAccountToken)?.serviceAccountToken?.audience;
      return { name: v.name, ...(audience !== undefined ? { projectedServiceAccountTokenAudience: audience } : {}) };
    }),
    containers: (spec?.containers ?? []).map(toContainer),
  };
}

export function toNode(n: K8s.V1Node): NodeObject {
  return { name: n.metadata?.name ?? '', labels: { ...(n.metadata?.labels ?? {}) } };
}
