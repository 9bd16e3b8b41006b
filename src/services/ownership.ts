import { singleLine } from '../output/terminal.js';
import { shellCommand } from '../model/suggested-commands.js';
import type { StackRecord } from '../aws/ports.js';
import { CLUSTER_NAME_TAG, IRSA_NAME_TAG, LEGACY_CLUSTER_NAME_TAG, POD_IDENTITY_NAME_TAG, podIdentityStackNameFor, stackNameFor } from '../model/naming.js';

// Which service account a stack belongs to, by its tags only — as eksctl writes them. A stack is this service
// account's only if its tags name this cluster and this `<ns>/<name>` and its name is eksctl's name for them:
// a stack with our name and anyone else's tags (or none) is never adopted, waited on, updated or deleted.

/** The two kinds of role stack eksctl makes for a ServiceAccount: the same ownership rules, other tag and name. */
export type RoleStackKind = 'iamserviceaccount' | 'podidentityassociation';

const KINDS: Record<RoleStackKind, { nameTag: string; stackName: (cluster: string, namespace: string, name: string) => string; noun: string }> = {
  iamserviceaccount: { nameTag: IRSA_NAME_TAG, stackName: (c, namespace, name) => stackNameFor(c, { namespace, name }), noun: 'service account' },
  podidentityassociation: {
    nameTag: POD_IDENTITY_NAME_TAG,
    stackName: (c, namespace, serviceAccountName) => podIdentityStackNameFor(c, { namespace, serviceAccountName }),
    noun: 'pod identity association',
  },
};

export interface StackOwner {
  /** alpha.eksctl.io/cluster-name, else the legacy eksctl.cluster.k8s.io/v1alpha1/cluster-name */
  cluster?: string;
  /** the kind's name tag (alpha.eksctl.io/iamserviceaccount-name or …/podidentityassociation-name): `<ns>/<name>` */
  serviceAccount?: string;
}

export function stackOwner(tags: Record<string, string>, kind: RoleStackKind = 'iamserviceaccount'): StackOwner {
  const cluster = tags[CLUSTER_NAME_TAG] ?? tags[LEGACY_CLUSTER_NAME_TAG];
  const serviceAccount = tags[KINDS[kind].nameTag];
  return { ...(cluster !== undefined ? { cluster } : {}), ...(serviceAccount !== undefined ? { serviceAccount } : {}) };
}

/** The `<ns>/<name>` of this cluster that owns the stack, or undefined when its tags or name give it to no one here. */
export function ownerIdIn(stack: Pick<StackRecord, 'stackName' | 'tags'>, cluster: string, kind: RoleStackKind = 'iamserviceaccount'): string | undefined {
  const owner = stackOwner(stack.tags, kind);
  const id = owner.serviceAccount;
  if (owner.cluster !== cluster || id === undefined) return undefined;
  const parts = id.split('/');
  if (parts.length !== 2) return undefined;
  return stack.stackName === KINDS[kind].stackName(cluster, parts[0]!, parts[1]!) ? id : undefined;
}

export function isOwnedBy(stack: Pick<StackRecord, 'stackName' | 'tags'>, cluster: string, id: string, kind: RoleStackKind = 'iamserviceaccount'): boolean {
  return ownerIdIn(stack, cluster, kind) === id;
}

/** The real owner, in words, from the stack's tags. */
export function describeOwner(owner: StackOwner, cluster: string, kind: RoleStackKind = 'iamserviceaccount'): string {
  const { nameTag, noun } = KINDS[kind];
  if (owner.serviceAccount === undefined && owner.cluster === undefined) return `nobody: it has no ${CLUSTER_NAME_TAG} or ${nameTag} tag, so neither eksctl nor irsactl made it`;
  if (owner.serviceAccount === undefined) return `cluster "${owner.cluster}", but no ${noun} (it has no ${nameTag} tag)`;
  if (owner.cluster === undefined) return `${noun} ${owner.serviceAccount} of no cluster (it has no ${CLUSTER_NAME_TAG} tag)`;
  return owner.cluster === cluster ? `${noun} ${owner.serviceAccount} of this cluster` : `${noun} ${owner.serviceAccount} of cluster "${owner.cluster}"`;
}

/** The message and next step for a stack that has `id`'s name but is not `id`'s. */
export function foreignStackProblem(
  stack: Pick<StackRecord, 'stackName' | 'tags'>,
  ctx: { cluster: string; region: string; id: string; kind?: RoleStackKind },
): { message: string; hint: string } {
  const kind = ctx.kind ?? 'iamserviceaccount';
  // Tag values are anyone's text: one line each, so they cannot fake lines of irsactl's own output.
  const raw = stackOwner(stack.tags, kind);
  const owner: StackOwner = {
    ...(raw.cluster !== undefined ? { cluster: singleLine(raw.cluster) } : {}),
    ...(raw.serviceAccount !== undefined ? { serviceAccount: singleLine(raw.serviceAccount) } : {}),
  };
  const message = `stack ${stack.stackName} has the name of ${ctx.id}'s stack but belongs to ${describeOwner(owner, ctx.cluster, kind)}: irsactl leaves it alone`;
  const inspect = shellCommand('aws', 'cloudformation', 'describe-stacks', '--stack-name', stack.stackName, '--region', ctx.region);
  let hint: string;
  if (owner.serviceAccount !== undefined && owner.cluster === ctx.cluster) {
    hint = `eksctl names the ${kind} stacks of ${owner.serviceAccount} and ${ctx.id} alike ("${stack.stackName}"): give ${ctx.id} another namespace or name`;
  } else if (owner.serviceAccount !== undefined && owner.cluster !== undefined) {
    hint = `the cluster names "${owner.cluster}" and "${ctx.cluster}" make the same stack name for two service accounts: give ${ctx.id} another namespace or name, and leave the stack to cluster "${owner.cluster}"`;
  } else {
    hint = `see what it is with \`${inspect}\`; delete it with \`${shellCommand('aws', 'cloudformation', 'delete-stack', '--stack-name', stack.stackName, '--region', ctx.region)}\` if nothing needs it, or give ${ctx.id} another namespace or name`;
  }
  return { message, hint };
}
