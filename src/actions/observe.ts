import pLimit from 'p-limit';
import type { CloudFormationPort, StackRecord } from '../aws/ports.js';
import type { KubePort, ServiceAccountObject } from '../k8s/ports.js';
import { LIVE_STACK_STATUSES } from '../cfn/stack-status.js';
import { isOwnedBy, ownerIdIn } from '../services/ownership.js';
import { stackNameFor } from '../model/naming.js';

/** This cluster's iamserviceaccount stacks, as discovery found them. */
export interface ClusterStacks {
  /** by `<ns>/<name>`: the stacks whose tags (and eksctl's name) say they are that service account's */
  owned: Map<string, StackRecord>;
  /** by stack name: every stack with this cluster's iamserviceaccount name prefix, whoever owns it */
  byName: Map<string, StackRecord>;
}

/**
 * The stack that holds `id`'s stack name but is not `id`'s (another service account's, another cluster's, no
 * one's), if any.
 */
export function squatterFor(stacks: ClusterStacks, cluster: string, spec: { namespace: string; name: string }): StackRecord | undefined {
  const found = stacks.byName.get(stackNameFor(cluster, spec));
  return found !== undefined && !isOwnedBy(found, cluster, `${spec.namespace}/${spec.name}`) ? found : undefined;
}

/** eksctl's stack names for this cluster's service accounts all start so. */
export const irsaStackPrefix = (cluster: string): string => `eksctl-${cluster}-addon-iamserviceaccount-`;

/** Describes the listed candidates a few at a time: a burst of hundreds would draw CloudFormation's throttling. */
const DESCRIBE_CONCURRENCY = 8;

/**
 * Read-only lookups, each made once per run. Stacks are found as eksctl finds them: one status-filtered,
 * paginated ListStacks, the names with this cluster's iamserviceaccount prefix, then DescribeStacks by name for
 * each of those (tags and outputs). Never DescribeStacks without a name, so the cost of discovery grows with this
 * cluster's stacks plus the pages of one listing, and it works where AWS's guard policy
 * denies the unnamed call.
 */
export async function irsaStacks(cfn: CloudFormationPort, cluster: string): Promise<ClusterStacks> {
  const prefix = irsaStackPrefix(cluster);
  const candidates = (await cfn.listStacks(LIVE_STACK_STATUSES)).filter((s) => s.stackName.startsWith(prefix));
  const limit = pLimit(DESCRIBE_CONCURRENCY);
  const records = await Promise.all(candidates.map((s) => limit(() => cfn.describeStack(s.stackName))));
  const owned = new Map<string, StackRecord>();
  const byName = new Map<string, StackRecord>();
  for (const s of records) {
    // gone between the listing and the describe
    if (s === undefined || s.status === 'DELETE_COMPLETE') continue;
    byName.set(s.stackName, s);
    const id = ownerIdIn(s, cluster);
    if (id !== undefined) owned.set(id, s);
  }
  return { owned, byName };
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
