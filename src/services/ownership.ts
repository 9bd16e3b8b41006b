import { singleLine } from '../output/terminal.js';
import { shellCommand } from '../model/suggested-commands.js';
import type { StackRecord } from '../aws/ports.js';
import { CLUSTER_NAME_TAG, IRSA_NAME_TAG, LEGACY_CLUSTER_NAME_TAG, stackNameFor } from '../model/naming.js';

// Which service account a stack belongs to, by its tags only — as eksctl writes them. A stack is this service
// account's only if its tags name this cluster and this `<ns>/<name>` and its name is eksctl's name for them:
// a stack with our name and anyone else's tags (or none) is never adopted, waited on, updated or deleted.

export interface StackOwner {
  /** alpha.eksctl.io/cluster-name, else the legacy eksctl.cluster.k8s.io/v1alpha1/cluster-name */
  cluster?: string;
  /** alpha.eksctl.io/iamserviceaccount-name: `<ns>/<name>` */
  serviceAccount?: string;
}

export function stackOwner(tags: Record<string, string>): StackOwner {
  const cluster = tags[CLUSTER_NAME_TAG] ?? tags[LEGACY_CLUSTER_NAME_TAG];
  const serviceAccount = tags[IRSA_NAME_TAG];
  return { ...(cluster !== undefined ? { cluster } : {}), ...(serviceAccount !== undefined ? { serviceAccount } : {}) };
}

/** The `<ns>/<name>` of this cluster that owns the stack, or undefined when its tags or name give it to no one here. */
export function ownerIdIn(stack: Pick<StackRecord, 'stackName' | 'tags'>, cluster: string): string | undefined {
  const owner = stackOwner(stack.tags);
  const id = owner.serviceAccount;
  if (owner.cluster !== cluster || id === undefined) return undefined;
  const parts = id.split('/');
  if (parts.length !== 2) return undefined;
  return stack.stackName === stackNameFor(cluster, { namespace: parts[0]!, name: parts[1]! }) ? id : undefined;
}

export function isOwnedBy(stack: Pick<StackRecord, 'stackName' | 'tags'>, cluster: string, id: string): boolean {
  return ownerIdIn(stack, cluster) === id;
}

/** The real owner, in words, from the stack's tags. */
export function describeOwner(owner: StackOwner, cluster: string): string {
  if (owner.serviceAccount === undefined && owner.cluster === undefined) return `nobody: it has no ${CLUSTER_NAME_TAG} or ${IRSA_NAME_TAG} tag, so neither eksctl nor irsactl made it`;
  if (owner.serviceAccount === undefined) return `cluster "${owner.cluster}", but no service account (it has no ${IRSA_NAME_TAG} tag)`;
  if (owner.cluster === undefined) return `service account ${owner.serviceAccount} of no cluster (it has no ${CLUSTER_NAME_TAG} tag)`;
  return owner.cluster === cluster ? `service account ${owner.serviceAccount} of this cluster` : `service account ${owner.serviceAccount} of cluster "${owner.cluster}"`;
}

/** The message and next step for a stack that has `id`'s name but is not `id`'s. */
export function foreignStackProblem(stack: Pick<StackRecord, 'stackName' | 'tags'>, ctx: { cluster: string; region: string; id: string }): { message: string; hint: string } {
  // Tag values are anyone's text: one line each, so they cannot fake lines of irsactl's own output.
  const raw = stackOwner(stack.tags);
  const owner: StackOwner = {
    ...(raw.cluster !== undefined ? { cluster: singleLine(raw.cluster) } : {}),
    ...(raw.serviceAccount !== undefined ? { serviceAccount: singleLine(raw.serviceAccount) } : {}),
  };
  const message = `stack ${stack.stackName} has the name of ${ctx.id}'s stack but belongs to ${describeOwner(owner, ctx.cluster)}: irsactl leaves it alone`;
  const inspect = shellCommand('aws', 'cloudformation', 'describe-stacks', '--stack-name', stack.stackName, '--region', ctx.region);
  let hint: string;
  if (owner.serviceAccount !== undefined && owner.cluster === ctx.cluster) {
    hint = `eksctl names the stacks of ${owner.serviceAccount} and ${ctx.id} alike ("${stack.stackName}"): give ${ctx.id} another namespace or name`;
  } else if (owner.serviceAccount !== undefined && owner.cluster !== undefined) {
    hint = `the cluster names "${owner.cluster}" and "${ctx.cluster}" make the same stack name for two service accounts: give ${ctx.id} another namespace or name, and leave the stack to cluster "${owner.cluster}"`;
  } else {
    hint = `see what it is with \`${inspect}\`; delete it with \`${shellCommand('aws', 'cloudformation', 'delete-stack', '--stack-name', stack.stackName, '--region', ctx.region)}\` if nothing needs it, or give ${ctx.id} another namespace or name`;
  }
  return { message, hint };
}
