import type { KubePort, ServiceAccountObject } from '../k8s/ports.js';

/** One list per distinct namespace rather than one GET per ServiceAccount. */
export async function observeServiceAccounts(
  kube: KubePort,
  wanted: { namespace: string; name: string }[],
): Promise<Map<string, ServiceAccountObject | undefined>> {
  const namespaces = [...new Set(wanted.map((w) => w.namespace))];
  const found = new Map<string, ServiceAccountObject>();
  await Promise.all(
    namespaces.map(async (ns) => {
      for (const sa of await kube.listServiceAccounts(ns)) found.set(`${sa.namespace}/${sa.name}`, sa);
    }),
  );
  return new Map(wanted.map((w) => [`${w.namespace}/${w.name}`, found.get(`${w.namespace}/${w.name}`)]));
}
