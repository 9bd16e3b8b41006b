import type { CloudFormationPort, StackRecord } from '../aws/ports.js';
import type { KubePort, ServiceAccountObject } from '../k8s/ports.js';
import { CLUSTER_NAME_TAG, IRSA_NAME_TAG, LEGACY_CLUSTER_NAME_TAG } from '../cfn/naming.js';

/**
 * Read-only lookups, each made once per run. Stacks are found as eksctl finds
 * them — by the iamserviceaccount tag — but in one paged DescribeStacks
 * (50 stacks a call) instead of ListStacks plus one DescribeStacks per stack.
 */
export async function irsaStacks(cfn: CloudFormationPort, cluster: string): Promise<Map<string, StackRecord>> {
  const byId = new Map<string, StackRecord>();
  for (const s of await cfn.describeAllStacks()) {
    const id = s.tags[IRSA_NAME_TAG];
    if (!id || id.split('/').length !== 2) continue;
    if (s.tags[CLUSTER_NAME_TAG] !== cluster && s.tags[LEGACY_CLUSTER_NAME_TAG] !== cluster) continue;
    byId.set(id, s);
  }
  return byId;
}

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
