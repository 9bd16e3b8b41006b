import type { CloudFormationPort, EksPort, IamPort } from '../aws/ports.js';
import type { KubePort } from '../k8s/ports.js';
import { IrsaError } from '../errors.js';
import { isConflict } from '../k8s/errors.js';
import { newServiceAccount } from '../k8s/service-account.js';
import { changeExistingPodIdentityHint, deletePodIdentityCommand, shellCommand } from '../model/suggested-commands.js';
import type { Runtime } from '../runtime/runtime.js';
import { createAssociation, updateAssociation, type AssociationTarget, type CreateRetry } from '../services/pod-identity.js';
import { namespaceMaker, type EnsureNamespace } from '../services/service-accounts.js';
import type { StackServices } from '../services/stacks.js';
import { runGuarded, runItems, runStackStep } from './execute.js';
import { runDriftRepairStep } from './repair-drift.js';
import { associationChanges, formatAssociationChanges, updateFields, type PodIdentityPlan, type PodIdentityPlanItem } from './pod-identity-plan.js';
import type { PodIdentityResult } from './results.js';

// Executes a pod identity plan: associations concurrently (bounded, with the same run loop as iamserviceaccounts),
// the steps of one in order: its role stack, the association, the ServiceAccount.

export interface PodIdentityExecuteContext {
  rt: Runtime;
  cfn: CloudFormationPort;
  eks: EksPort;
  /** the drift repairs (repair-drift.ts); needed only by a plan with drift */
  iam?: IamPort;
  /** needed only when a ServiceAccount is to be created */
  kube?: () => Promise<KubePort>;
  deadline: number;
  concurrency: number;
  mode: 'create' | 'update' | 'apply';
  cluster: string;
  region: string;
  configFile?: string;
  /** namespaces whose phase a preflight read */
  knownNamespaces?: ReadonlyMap<string, 'Active' | 'Terminating' | undefined>;
  /** for tests: how a create that meets EKS's eventual consistency waits */
  createRetry?: CreateRetry;
}

export async function executePodIdentityPlan(ctx: PodIdentityExecuteContext, plan: PodIdentityPlan): Promise<PodIdentityResult[]> {
  const ensureNamespace = namespaceMaker(ctx.rt.reporter, ctx.knownNamespaces);
  return runItems(ctx.rt, ctx, plan.items, newResult, (stacks, item, result) => runGuarded(ctx.rt, result, () => runAssociation(ctx, stacks, ensureNamespace, item, result)).then(() => result));
}

function newResult(item: PodIdentityPlanItem): PodIdentityResult {
  return {
    mechanism: 'pod-identity',
    id: item.id,
    namespace: item.spec.namespace,
    serviceAccountName: item.spec.serviceAccountName,
    stackName: item.stackName,
    ...(item.roleArn !== undefined ? { roleArn: item.roleArn } : {}),
    stack: 'not-started',
    association: 'not-started',
    ...(item.observedAssociation ? { associationId: item.observedAssociation.associationId } : {}),
    serviceAccount: 'not-started',
  };
}

async function runAssociation(ctx: PodIdentityExecuteContext, stacks: StackServices, ensureNamespace: EnsureNamespace, item: PodIdentityPlanItem, result: PodIdentityResult): Promise<void> {
  const { rt } = ctx;
  const step = item.association;
  // What the association step refuses is known before the role: no stack is made for an association irsactl may not write.
  if (step.action === 'foreign' || step.action === 'conflict') {
    result.association = 'failed';
    throw new IrsaError('PRECONDITION', step.message, { hint: step.hint });
  }
  const target: AssociationTarget = { cluster: ctx.cluster, namespace: item.spec.namespace, serviceAccount: item.spec.serviceAccountName, id: item.id };
  await runStackStep(rt, stacks, { ...item, kind: 'podidentityassociation' }, result, {
    cluster: ctx.cluster,
    region: ctx.region,
    changeExisting: changeExistingPodIdentityHint(ctx.configFile),
    nextStep: (status, failedOp) => nextStepHint(ctx, item, status, failedOp),
  });
  await runDriftRepairStep(rt.reporter, ctx.iam, item, result);
  const roleArn = result.roleArn;
  if (roleArn === undefined) throw new IrsaError('INTERNAL', `no role ARN for pod identity association ${item.id} after its stack step`);
  if (rt.signal.aborted) return;

  const unset = ctx.mode === 'apply' ? 'remove' : 'keep';
  // a role this run made or changed may not be visible to EKS yet (IAM's eventual consistency)
  const roleIsNew = result.stack === 'created' || result.stack === 'replaced' || result.stack === 'updated' || result.stack === 'repaired';
  result.association = 'failed';
  if (step.action === 'create') {
    const { spec } = item;
    const created = await createAssociation(
      ctx.eks,
      rt.reporter,
      target,
      {
        fields: {
          roleArn,
          ...(spec.targetRoleARN !== undefined ? { targetRoleArn: spec.targetRoleARN } : {}),
          ...(spec.disableSessionTags !== undefined ? { disableSessionTags: spec.disableSessionTags } : {}),
          ...(spec.policy !== undefined ? { policy: spec.policy } : {}),
        },
        tags: item.associationTags,
        roleIsNew,
      },
      {
        // One made since the plan looked (another run, or EKS still holding a deleted one): ours to bring in line,
        // except that create never changes an association that is not what it asked for.
        decide(found) {
          const changes = associationChanges(found, spec, roleArn, unset);
          if (changes.length === 0) return { unchanged: true };
          if (ctx.mode === 'create') {
            return {
              refuse: `serviceaccount ${item.id} got a pod identity association (${found.associationId}) while irsactl worked, and it is not what was asked (${formatAssociationChanges(changes).join('; ')}): create leaves it as it is`,
              hint: changeExistingPodIdentityHint(ctx.configFile),
            };
          }
          return { update: updateFields(changes) };
        },
      },
      ctx.createRetry,
    );
    result.association = created.outcome;
    result.associationId = created.association.associationId;
  } else {
    // update or unchanged: compared again now that the role's ARN is known (a replaced stack makes a new one).
    const observed = item.observedAssociation;
    if (!observed) throw new IrsaError('INTERNAL', `no observed association for ${item.id}`);
    const changes = associationChanges(observed, item.spec, roleArn, unset);
    if (changes.length === 0) {
      result.association = 'unchanged';
      rt.reporter.info(`pod identity association ${observed.associationId} is up to date`, item.id);
    } else {
      await updateAssociation(ctx.eks, rt.reporter, target, observed.associationId, updateFields(changes), { roleIsNew, ...(ctx.createRetry ? { retry: ctx.createRetry } : {}) });
      result.association = 'updated';
    }
  }

  if (item.serviceAccount.action !== 'create') {
    result.serviceAccount = item.serviceAccount.action;
    return;
  }
  if (!ctx.kube) throw new IrsaError('INTERNAL', 'no Kubernetes client for a ServiceAccount step');
  if (rt.signal.aborted) return;
  result.serviceAccount = 'failed';
  result.serviceAccount = await createServiceAccount(await ctx.kube(), rt, ensureNamespace, item);
}

/** The ServiceAccount, without any annotation (Pod Identity needs none), labelled as irsactl's; one made meanwhile is left. */
async function createServiceAccount(kube: KubePort, rt: Runtime, ensureNamespace: EnsureNamespace, item: PodIdentityPlanItem): Promise<'created' | 'unchanged'> {
  await ensureNamespace(kube, item.spec.namespace);
  try {
    await kube.createServiceAccount(newServiceAccount({ namespace: item.spec.namespace, name: item.spec.serviceAccountName, labels: {}, annotations: {} }));
  } catch (err) {
    if (!isConflict(err)) throw err;
    rt.reporter.info(`serviceaccount ${item.id} appeared while irsactl worked: left as it is`, item.id);
    return 'unchanged';
  }
  rt.reporter.ok(`created serviceaccount ${item.id}`, item.id);
  return 'created';
}

/** The command that gets a failed role stack out of the way: apply replaces a failed create; else delete, then again. */
function nextStepHint(ctx: PodIdentityExecuteContext, item: PodIdentityPlanItem, status: string, failedOp?: 'create' | 'delete'): string {
  const first = failedOp === 'create' ? 'fix the cause above, then ' : failedOp === 'delete' ? 'remove what keeps CloudFormation from deleting it, then ' : '';
  if (status === 'UPDATE_ROLLBACK_FAILED') {
    return `let CloudFormation finish the rollback with \`${shellCommand('aws', 'cloudformation', 'continue-update-rollback', '--stack-name', item.stackName, '--region', ctx.region)}\`, then run this command again`;
  }
  if (ctx.mode === 'apply') return `${first}run the same command again: apply replaces the failed stack`;
  const target = { cluster: ctx.cluster, region: ctx.region, namespace: item.spec.namespace, serviceAccountName: item.spec.serviceAccountName };
  return `${first}run \`${deletePodIdentityCommand(target)}\` to remove it, then run this command again`;
}
