import pLimit from 'p-limit';
import type { CloudFormationPort, IamPort, StackRecord } from '../aws/ports.js';
import { repairRoleDrift } from './repair-drift.js';
import type { KubePort, ServiceAccountObject } from '../k8s/ports.js';
import { IrsaError, isRunStopped } from '../errors.js';
import { ROLE_ARN_ANNOTATION } from '../model/kubernetes.js';
import { ROLE_OUTPUT } from '../model/naming.js';
import { templateBody } from '../cfn/template.js';
import { isCreateFailure, isStableOk, stuckNextStep } from '../cfn/stack-status.js';
import { foreignStackProblem, isOwnedBy } from '../services/ownership.js';
import { applyOneCommand, changeExistingStackHint, deleteCommand, shellCommand } from '../model/suggested-commands.js';
import { desiredServiceAccount, mergeServiceAccount, newServiceAccount } from '../k8s/service-account.js';
import type { Plan, ServiceAccountPlan } from './plan.js';
import type { Runtime } from '../runtime/runtime.js';
import { StackWaiter } from '../services/stack-waiter.js';
import { deleteStackUnprotected, failureReason } from '../services/stack-ops.js';

// Executes a plan: service accounts concurrently (bounded), the steps of one in order.

export type StackOutcome =
  | 'created'
  | 'updated'
  | 'replaced'
  /** the stack was up to date and its role, changed outside CloudFormation, was restored through IAM */
  | 'repaired'
  | 'exists'
  | 'unchanged'
  | 'none'
  | 'skipped'
  | 'failed'
  | 'not-started'
  /** CloudFormation accepted the operation, and the run ended (--timeout, a signal) before it finished: it goes on */
  | 'in-progress';
export type SaOutcome = 'created' | 'annotated' | 'unchanged' | 'skipped' | 'failed' | 'not-started';

export interface ItemResult {
  id: string;
  namespace: string;
  name: string;
  stackName: string;
  roleArn?: string;
  stack: StackOutcome;
  /** the stack operation CloudFormation has accepted and is still running (until the wait for it ends) */
  inFlight?: 'create' | 'update' | 'delete';
  /** with inFlight: its request was sent and not yet answered, so CloudFormation may or may not have it */
  unanswered?: boolean;
  /** create only: how the existing stack differs from what was asked (it was left as it is) */
  differs?: string[];
  serviceAccount: SaOutcome;
  error?: { message: string; hint?: string };
}

export interface ExecuteContext {
  rt: Runtime;
  cfn: CloudFormationPort;
  /** the drift repairs (repair-drift.ts); needed only by a plan with drift */
  iam?: IamPort;
  kube?: () => Promise<KubePort>;
  deadline: number;
  /** namespaces whose phase the preflight read: existing ones need no second GET */
  knownNamespaces?: ReadonlyMap<string, 'Active' | 'Terminating' | undefined>;
  concurrency: number;
  /**
   * May an existing ServiceAccount that is not ours be annotated? create: only with
   * --override-existing-serviceaccounts; update and apply: yes. Decides the race where one appears after the plan looked.
   */
  mayAnnotateExisting: boolean;
  /** for hints: how the user names this cluster */
  commandHint: { command: 'create' | 'update' | 'apply'; cluster: string; region: string; configFile?: string };
}

export async function executePlan(ctx: ExecuteContext, plan: Plan): Promise<ItemResult[]> {
  const { rt } = ctx;
  const waiter = new StackWaiter(ctx.cfn, {
    deadline: ctx.deadline,
    intervalMs: rt.pollIntervalMs,
    maxIntervalMs: rt.maxPollIntervalMs,
    signal: rt.signal,
  });
  const namespaces = new Map<string, Promise<void>>();
  const ensureNamespace = (kube: KubePort, ns: string): Promise<void> => {
    let p = namespaces.get(ns);
    if (!p) {
      p = (async () => {
        const known = ctx.knownNamespaces;
        const exists = known?.has(ns) ? known.get(ns) !== undefined : await kube.namespaceExists(ns);
        if (!exists) {
          await kube.createNamespace(ns);
          rt.reporter.ok(`created namespace ${ns}`);
        }
      })();
      namespaces.set(ns, p);
    }
    return p;
  };
  const limit = pLimit(Math.max(1, ctx.concurrency));
  // The live view on a terminal: how many are done, in progress and failed, refreshed each second while waiting.
  const count = { running: 0, finished: 0, failed: 0 };
  const showProgress = () =>
    rt.reporter.status(`${count.finished}/${plan.items.length} done · ${count.running} in progress${count.failed ? ` · ${count.failed} failed` : ''}`);
  const ticker = setInterval(showProgress, 1000);
  ticker.unref();
  try {
    return await Promise.all(plan.items.map((item) => limit(() => tracked(item))));
  } finally {
    clearInterval(ticker);
    rt.reporter.status(undefined);
  }

  async function tracked(item: ServiceAccountPlan): Promise<ItemResult> {
    count.running++;
    showProgress();
    try {
      const r = await runItem(item);
      if (r.error) count.failed++;
      return r;
    } finally {
      count.running--;
      count.finished++;
      showProgress();
    }
  }

  async function runItem(item: ServiceAccountPlan): Promise<ItemResult> {
    const result: ItemResult = {
      id: item.id,
      namespace: item.spec.namespace,
      name: item.spec.name,
      stackName: item.stackName,
      roleArn: item.roleArn,
      stack: 'not-started',
      serviceAccount: 'not-started',
    };
    // SIGINT/SIGTERM: start nothing new; what is in flight finishes or is reported.
    if (rt.signal.aborted) return result;
    // Past the deadline nothing new starts either, and each such account says so.
    const late = rt.run.notStartedReason();
    if (late !== undefined) {
      result.error = { message: late, hint: 'run the same command again to continue, or raise --timeout' };
      rt.reporter.error(late, item.id);
      return result;
    }
    try {
      await runStackStep(ctx, waiter, item, result);
      if (item.drift && (result.stack === 'unchanged' || result.stack === 'updated')) {
        if (!ctx.iam) throw new IrsaError('INTERNAL', 'no IAM client for a drift repair');
        const writes = await repairRoleDrift(ctx.iam, item.drift.roleName, item.drift.desired, item.drift.items);
        if (result.stack === 'unchanged') result.stack = 'repaired';
        rt.reporter.ok(`restored role ${item.drift.roleName} through IAM (${writes} write${writes === 1 ? '' : 's'}): it is as the file says again`, item.id);
      }
      if (item.serviceAccount.action === 'skip' || result.stack === 'skipped') {
        result.serviceAccount = 'skipped';
        if (item.serviceAccount.action === 'skip' && item.serviceAccount.reason === 'exists') {
          rt.reporter.warn('serviceaccount exists in Kubernetes: skipped (use --override-existing-serviceaccounts to annotate it)', item.id);
        }
      } else if (item.serviceAccount.action === 'unchanged' && result.roleArn === item.roleArn) {
        result.serviceAccount = 'unchanged';
      } else {
        if (!ctx.kube) throw new IrsaError('INTERNAL', 'no Kubernetes client for a ServiceAccount step');
        if (rt.signal.aborted) return result;
        result.serviceAccount = 'failed';
        result.serviceAccount = await runServiceAccountStep(ctx, await ctx.kube(), ensureNamespace, item, result.roleArn!);
      }
    } catch (err) {
      let e = err instanceof IrsaError ? err : new IrsaError('INTERNAL', err instanceof Error ? err.message : String(err));
      if (isRunStopped(e) && result.inFlight !== undefined) {
        // The run stopped waiting; CloudFormation did not stop working. Not a failure of the stack: it is in progress.
        result.stack = 'in-progress';
        const state = result.unanswered ? `may be ${IN_FLIGHT_VERB[result.inFlight]} by CloudFormation: its request got no answer before the run stopped` : `is still ${IN_FLIGHT_VERB[result.inFlight]} by CloudFormation`;
        e = new IrsaError(e.code, `stack ${item.stackName} ${state} (${e.message})`, {
          hint: `CloudFormation goes on ${IN_FLIGHT_GERUND[result.inFlight]} it; run the same command again to finish`,
          ...(e.signal !== undefined ? { signal: e.signal } : {}),
        });
      } else if (result.stack === 'not-started') result.stack = 'failed';
      result.error = { message: e.message, hint: e.hint };
      rt.reporter.error(e.message, item.id);
      if (e.hint) rt.reporter.info(e.hint, item.id);
    }
    return result;
  }
}

const IN_FLIGHT_VERB = { create: 'being created', update: 'being updated', delete: 'being deleted' } as const;
const IN_FLIGHT_GERUND = { create: 'creating', update: 'updating', delete: 'deleting' } as const;

/** Waits for a stack CloudFormation is working on; while it waits, the result says so (see runItem's catch). */
async function waitInFlight(waiter: StackWaiter, nameOrId: string, result: ItemResult, op: 'create' | 'update' | 'delete'): Promise<StackRecord | undefined> {
  result.inFlight = op;
  const rec = await waiter.wait(nameOrId);
  delete result.inFlight;
  return rec;
}

async function runStackStep(ctx: ExecuteContext, waiter: StackWaiter, item: ServiceAccountPlan, result: ItemResult): Promise<void> {
  const { rt, cfn } = ctx;
  const step = item.stack;
  switch (step.action) {
    case 'none':
      result.stack = 'none';
      return;
    case 'skip':
      result.stack = 'skipped';
      return;
    case 'exists':
      result.stack = 'exists';
      if (step.differs) {
        result.differs = step.differs;
        rt.reporter.warn(
          `stack ${item.stackName} exists (${step.status}) and differs from what was asked (${step.differs.join('; ')}); create leaves it as it is: ${changeExistingStackHint(ctx.commandHint.configFile, item.id)}`,
          item.id,
        );
      } else rt.reporter.info(`stack ${item.stackName} exists (${step.status})`, item.id);
      return;
    case 'unchanged':
      result.stack = 'unchanged';
      rt.reporter.info(`stack ${item.stackName} is up to date (${step.status})`, item.id);
      return;
    case 'blocked':
      // A create still running (an earlier run timed out, or was interrupted, while waiting for it): wait for
      // it within this run's deadline rather than fail, so running the same command again picks it up.
      if (step.status === 'CREATE_IN_PROGRESS') {
        rt.reporter.info(`stack ${item.stackName} is ${step.status}: waiting for it`, item.id);
        const rec = await waitInFlight(waiter, item.stackName, result, 'create');
        const roleArn = rec?.outputs[ROLE_OUTPUT];
        if (!rec || !isStableOk(rec.status) || !roleArn) throw await stackFailure(ctx, item, rec, 'create');
        result.roleArn = roleArn;
        result.stack = 'exists';
        rt.reporter.ok(`stack ${item.stackName} is ${rec.status}`, item.id);
        return;
      }
      throw new IrsaError('STACK_FAILED', `stack ${item.stackName} is ${step.status}${step.reason ? `: ${step.reason}` : ''}`, {
        hint:
          step.nextStep ??
          (step.status.endsWith('_IN_PROGRESS') ? 'wait for the operation to finish, then run the command again' : nextStepHint(ctx, item, step.status)),
      });
    case 'foreign':
      throw new IrsaError('PRECONDITION', step.message, { hint: step.hint });
    case 'replace': {
      rt.reporter.warn(`stack ${item.stackName} is ${step.status}: deleting it to create it again${step.reason ? ` (${step.reason})` : ''}`, item.id);
      const old = await cfn.describeStack(item.stackName);
      if (old) {
        // The plan saw our stack; whatever holds the name now must still be ours before it is deleted.
        assertOurs(ctx, item, old);
        await deleteStackUnprotected(rt, cfn, old, item.id);
        const after = await waitInFlight(waiter, old.stackId, result, 'delete');
        if (after) throw await stackFailure(ctx, item, after, 'delete');
      }
      await createAndWait(ctx, waiter, item, result);
      result.stack = 'replaced';
      return;
    }
    case 'create':
      await createAndWait(ctx, waiter, item, result);
      result.stack = 'created';
      return;
    case 'update': {
      rt.reporter.info(`updating stack ${item.stackName}`, item.id);
      const outcome = await cfn.updateStack({
        stackName: item.stackName,
        templateBody: templateBody(item.template!),
        capabilities: item.capabilities,
        tags: item.stackTags,
      });
      if (outcome === 'no-change') {
        result.stack = 'unchanged';
        return;
      }
      const rec = await waitInFlight(waiter, item.stackName, result, 'update');
      if (!rec || !isStableOk(rec.status)) throw await stackFailure(ctx, item, rec, 'update');
      result.roleArn = rec.outputs[ROLE_OUTPUT] ?? result.roleArn;
      result.stack = 'updated';
      rt.reporter.ok(`updated stack ${item.stackName}`, item.id);
      return;
    }
  }
}

async function createAndWait(ctx: ExecuteContext, waiter: StackWaiter, item: ServiceAccountPlan, result: ItemResult): Promise<void> {
  const { rt, cfn } = ctx;
  rt.reporter.info(`creating stack ${item.stackName}`, item.id);
  // Sent: from here on, a run that stops cannot say CloudFormation does not have it.
  result.inFlight = 'create';
  result.unanswered = true;
  let outcome: 'created' | 'exists';
  try {
    outcome = await cfn.createStack({
      stackName: item.stackName,
      templateBody: templateBody(item.template!),
      capabilities: item.capabilities,
      tags: item.stackTags,
      terminationProtection: true,
    });
  } catch (err) {
    // A refusal, or a request the stopped run never sent: CloudFormation has nothing in flight for us. Only a
    // request cut short while unanswered may have reached it.
    if (!isRunStopped(err) || err.notSent === true) delete result.inFlight;
    throw err;
  }
  if (outcome === 'exists') {
    // A create interrupted after CloudFormation accepted it (a retried request, a concurrent run) finds the
    // stack already there: wait for it like our own rather than failing (when its tags say it is ours).
    const found = await cfn.describeStack(item.stackName);
    if (found) {
      assertOurs(ctx, item, found);
      const stuck = stuckNextStep(found.status, found.stackName, ctx.commandHint.region);
      if (stuck !== undefined) throw new IrsaError('STACK_FAILED', `stack ${item.stackName} already exists and is ${found.status}`, { hint: stuck });
    }
    rt.reporter.info(`stack ${item.stackName} already exists: waiting for it`, item.id);
  }
  delete result.unanswered;
  const rec = await waitInFlight(waiter, item.stackName, result, 'create');
  const roleArn = rec?.outputs[ROLE_OUTPUT];
  if (!rec || !isStableOk(rec.status) || !roleArn) throw await stackFailure(ctx, item, rec, 'create');
  result.roleArn = roleArn;
  rt.reporter.ok(`created stack ${item.stackName}`, item.id);
}

/** A stack with this item's name whose tags give it to someone else is never adopted, waited on or deleted. */
function assertOurs(ctx: ExecuteContext, item: ServiceAccountPlan, stack: StackRecord): void {
  const cluster = ctx.commandHint.cluster;
  if (isOwnedBy(stack, cluster, item.id)) return;
  const problem = foreignStackProblem(stack, { cluster, region: ctx.commandHint.region, id: item.id });
  throw new IrsaError('PRECONDITION', problem.message, { hint: problem.hint });
}

/** One clear message: the stack, its status, the failing resource's reason, and the next command. */
async function stackFailure(ctx: ExecuteContext, item: ServiceAccountPlan, rec: StackRecord | undefined, op: 'create' | 'update' | 'delete'): Promise<IrsaError> {
  const status = rec?.status ?? 'missing';
  const reason = rec ? await failureReason(ctx.cfn, rec) : undefined;
  const stuck = rec ? stuckNextStep(rec.status, rec.stackName, ctx.commandHint.region) : undefined;
  const hint =
    stuck ??
    (op === 'update' ? 'CloudFormation rolled the update back; the role is as it was. Fix the cause and run the same command again' : nextStepHint(ctx, item, status, op));
  return new IrsaError('STACK_FAILED', `stack ${item.stackName} ${op} failed: ${status}${reason ? ` — ${reason}` : ''}`, { hint });
}

/**
 * The command that gets a failed stack out of the way, never the one that just failed the same way: apply replaces a
 * stack whose creation failed (so not from apply itself, and only once the cause is fixed); a stack whose update
 * rollback failed needs CloudFormation to continue it; anything else is deleted and made again.
 */
function nextStepHint(ctx: ExecuteContext, item: ServiceAccountPlan, status: string, failedOp?: 'create' | 'delete'): string {
  const h = ctx.commandHint;
  const target = { cluster: h.cluster, region: h.region, namespace: item.spec.namespace, name: item.spec.name };
  // The same stack again fails the same way until its cause is gone.
  const first = failedOp === 'create' ? 'fix the cause above, then ' : failedOp === 'delete' ? 'remove what keeps CloudFormation from deleting it, then ' : '';
  const applyReplaces = isCreateFailure(status) || status === 'DELETE_FAILED' || status === 'missing';
  if (applyReplaces && h.command === 'apply') return `${first}run the same command again: apply replaces the failed stack`;
  if (applyReplaces && h.configFile) return `${first}run \`${applyOneCommand(h.configFile, item.id)}\` to replace it`;
  if (status === 'UPDATE_ROLLBACK_FAILED') {
    return `let CloudFormation finish the rollback with \`${shellCommand('aws', 'cloudformation', 'continue-update-rollback', '--stack-name', item.stackName, '--region', h.region)}\`, then run this command again`;
  }
  return `${first}run \`${deleteCommand(target)}\` to remove it, then run this command again`;
}

type EnsureNamespace = (kube: KubePort, ns: string) => Promise<void>;

async function runServiceAccountStep(ctx: ExecuteContext, kube: KubePort, ensureNamespace: EnsureNamespace, item: ServiceAccountPlan, roleArn: string): Promise<SaOutcome> {
  const { rt } = ctx;
  const desired = desiredServiceAccount(item.spec, roleArn);
  await ensureNamespace(kube, item.spec.namespace);
  // Someone else may change the object between our read and write: re-read and merge again on a 409.
  for (let attempt = 1; ; attempt++) {
    // The plan's observation (one list per namespace) stands for the first attempt: no GET before the write.
    // If the object changed since, the write's 409 (resourceVersion, or AlreadyExists) sends us round to read again.
    const current = attempt === 1 ? item.observed : await kube.getServiceAccount(item.spec.namespace, item.spec.name);
    try {
      if (!current) {
        await kube.createServiceAccount(newServiceAccount(desired));
        rt.reporter.ok(`created serviceaccount ${item.id}`, item.id);
        return 'created';
      }
      if (!ctx.mayAnnotateExisting && current.annotations[ROLE_ARN_ANNOTATION] !== roleArn) {
        rt.reporter.warn('serviceaccount appeared in Kubernetes while irsactl worked: left untouched (use --override-existing-serviceaccounts to annotate it)', item.id);
        return 'skipped';
      }
      const merged = mergeServiceAccount(current, desired, { addManagedBy: false });
      if (!merged.changed) {
        rt.reporter.info(`serviceaccount ${item.id} is up to date`, item.id);
        return 'unchanged';
      }
      await kube.replaceServiceAccount(merged.next as ServiceAccountObject);
      rt.reporter.ok(`annotated serviceaccount ${item.id} with ${roleArn}`, item.id);
      return 'annotated';
    } catch (err) {
      if (err instanceof IrsaError && err.httpStatus === 409 && attempt < 5) {
        rt.reporter.debug(`conflict writing serviceaccount ${item.id}: reading it again`, item.id);
        continue;
      }
      throw err;
    }
  }
}
