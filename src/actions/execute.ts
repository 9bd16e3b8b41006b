import pLimit from 'p-limit';
import type { CloudFormationPort, IamPort } from '../aws/ports.js';
import { runDriftRepairStep } from './repair-drift.js';
import type { KubePort } from '../k8s/ports.js';
import { IrsaError, isRunStopped } from '../errors.js';
import { templateBody, type CfnTemplate } from '../cfn/template.js';
import { isCreateFailure } from '../cfn/stack-status.js';
import { applyOneCommand, changeExistingStackHint, deleteCommand, shellCommand } from '../model/suggested-commands.js';
import { desiredServiceAccount } from '../k8s/service-account.js';
import type { Plan, ServiceAccountPlan } from './plan.js';
import type { StackStep } from './stack-step.js';
import type { ItemResult, StackOutcome } from './results.js';
import type { RoleStackKind } from '../services/ownership.js';
import type { Runtime } from '../runtime/runtime.js';
import { StackWaiter } from '../services/stack-waiter.js';
import { startProgress } from './progress.js';
import { createAndWait, replaceAndWait, stoppedInFlight, updateAndWait, waitForCreate, type InFlightOperation, type StackServices, type StackTarget } from '../services/stacks.js';
import { namespaceMaker, upsertServiceAccount, type EnsureNamespace } from '../services/service-accounts.js';

// Executes a plan: service accounts concurrently (bounded), the steps of one in order, each step by the services.

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
  const ensureNamespace = namespaceMaker(ctx.rt.reporter, ctx.knownNamespaces);
  return runItems(ctx.rt, ctx, plan.items, newResult, (stacks, item, result) => runItem(ctx, stacks, ensureNamespace, item, result));
}

/** A result the run loop can follow: its stack in flight, and whether it failed. */
export interface TrackedResult extends InFlightOperation {
  id: string;
  stackName: string;
  error?: unknown;
}

/**
 * Runs plan items with bounded concurrency, each with the stack services of one waiter (one poller for all stacks in
 * flight), with the live count on a terminal and the in-flight stacks named now and then without one.
 */
export async function runItems<I, R extends TrackedResult>(
  rt: Runtime,
  opts: { cfn: CloudFormationPort; deadline: number; concurrency: number },
  items: readonly I[],
  newItemResult: (item: I) => R,
  run: (stacks: StackServices, item: I, result: R) => Promise<R>,
): Promise<R[]> {
  const waiter = new StackWaiter(opts.cfn, {
    deadline: opts.deadline,
    intervalMs: rt.pollIntervalMs,
    maxIntervalMs: rt.maxPollIntervalMs,
    signal: rt.signal,
  });
  const stacks: StackServices = { cfn: opts.cfn, waiter, narrator: rt.reporter };
  const limit = pLimit(Math.max(1, opts.concurrency));
  // The live view on a terminal: how many are done, in progress and failed, refreshed each second while waiting.
  const count = { running: 0, finished: 0, failed: 0 };
  const showProgress = () => rt.reporter.status(`${count.finished}/${items.length} done · ${count.running} in progress${count.failed ? ` · ${count.failed} failed` : ''}`);
  const ticker = setInterval(showProgress, 1000);
  ticker.unref();
  // Without a terminal: a line now and then naming the stacks CloudFormation is still working on.
  const started: R[] = [];
  const stopProgress = startProgress(rt, waiter, () => started.flatMap((r) => (r.inFlight ? [{ id: r.id, stackName: r.stackName, op: r.inFlight }] : [])));
  try {
    return await Promise.all(items.map((item) => limit(() => tracked(item))));
  } finally {
    clearInterval(ticker);
    stopProgress();
    rt.reporter.status(undefined);
  }

  async function tracked(item: I): Promise<R> {
    count.running++;
    showProgress();
    const result = newItemResult(item);
    started.push(result);
    try {
      const r = await run(stacks, item, result);
      if (r.error) count.failed++;
      return r;
    } finally {
      count.running--;
      count.finished++;
      showProgress();
    }
  }
}

/** One service account: its stack, then the drift repair, then its ServiceAccount; a failure ends it and is in the result. */
function newResult(item: ServiceAccountPlan): ItemResult {
  return {
    id: item.id,
    namespace: item.spec.namespace,
    name: item.spec.name,
    stackName: item.stackName,
    roleArn: item.roleArn,
    stack: 'not-started',
    serviceAccount: 'not-started',
  };
}

/** `result` is filled in as the steps go (the progress lines read its inFlight meanwhile). */
async function runItem(ctx: ExecuteContext, stacks: StackServices, ensureNamespace: EnsureNamespace, item: ServiceAccountPlan, result: ItemResult): Promise<ItemResult> {
  const { rt } = ctx;
  return runGuarded(rt, result, async () => {
    const h = ctx.commandHint;
    await runStackStep(rt, stacks, { ...item, kind: 'iamserviceaccount' }, result, {
      cluster: h.cluster,
      region: h.region,
      changeExisting: changeExistingStackHint(h.configFile, item.id),
      nextStep: (status, failedOp) => nextStepHint(ctx, item, status, failedOp),
    });
    await runDriftRepairStep(rt.reporter, ctx.iam, item, result);
    if (item.serviceAccount.action === 'skip' || result.stack === 'skipped') {
      result.serviceAccount = 'skipped';
      if (item.serviceAccount.action === 'skip' && item.serviceAccount.reason === 'exists') {
        rt.reporter.warn('serviceaccount exists in Kubernetes: skipped (use --override-existing-serviceaccounts to annotate it)', item.id);
      }
    } else if (item.serviceAccount.action === 'unchanged' && result.roleArn === item.roleArn) {
      result.serviceAccount = 'unchanged';
    } else {
      if (!ctx.kube) throw new IrsaError('INTERNAL', 'no Kubernetes client for a ServiceAccount step');
      if (rt.signal.aborted) return;
      if (result.roleArn === undefined) throw new IrsaError('INTERNAL', `no role ARN for serviceaccount ${item.id} after its stack step`);
      result.serviceAccount = 'failed';
      result.serviceAccount = await upsertServiceAccount(await ctx.kube(), rt.reporter, ensureNamespace, {
        desired: desiredServiceAccount(item.spec, result.roleArn),
        observed: item.observed,
        mayAnnotateExisting: ctx.mayAnnotateExisting,
      });
    }
  });
}

/** A result whose steps runGuarded runs: what a failure, a stop or a late start writes into it. */
export interface GuardedResult extends StackProgress {
  id: string;
  stackName: string;
  error?: { message: string; hint?: string };
}

/**
 * One item's steps: not started after a signal or past the deadline (each such item says so); a failure ends the
 * item and is in its result, and a run that stopped while CloudFormation works says the stack goes on.
 */
export async function runGuarded<R extends GuardedResult>(rt: Runtime, result: R, steps: () => Promise<void>): Promise<R> {
  // SIGINT/SIGTERM: start nothing new; what is in flight finishes or is reported.
  if (rt.signal.aborted) return result;
  // Past the deadline nothing new starts either, and each such item says so.
  const late = rt.run.notStartedReason();
  if (late !== undefined) {
    result.error = { message: late, hint: 'run the same command again to continue, or raise --timeout' };
    rt.reporter.error(late, result.id);
    return result;
  }
  try {
    await steps();
  } catch (err) {
    let e = err instanceof IrsaError ? err : new IrsaError('INTERNAL', err instanceof Error ? err.message : String(err));
    if (isRunStopped(e) && result.inFlight !== undefined) {
      // The run stopped waiting; CloudFormation did not stop working. Not a failure of the stack: it is in progress.
      result.stack = 'in-progress';
      e = stoppedInFlight(result.stackName, result.inFlight, result.unanswered === true, e);
    } else if (result.stack === 'not-started') result.stack = 'failed';
    result.error = { message: e.message, ...(e.hint !== undefined ? { hint: e.hint } : {}) };
    rt.reporter.error(e.message, result.id);
    if (e.hint) rt.reporter.info(e.hint, result.id);
  }
  return result;
}

/** What the stack step needs of a plan item, whichever kind of role stack it has. */
export interface RoleStackItem {
  id: string;
  stackName: string;
  capabilities: string[];
  stackTags: Record<string, string>;
  stack: StackStep;
  kind: RoleStackKind;
}

/** What the stack step writes into the item's result as it goes. */
export interface StackProgress extends InFlightOperation {
  stack: StackOutcome;
  roleArn?: string;
  differs?: string[];
}

/** How the stack step names the commands that get a stack unstuck or changed. */
export interface StackHints {
  cluster: string;
  region: string;
  /** how to change a stack that create left as it is */
  changeExisting: string;
  nextStep(status: string, failedOp?: 'create' | 'delete'): string;
}

/** The plan's stack step, by the stack service; `result` says what CloudFormation has in flight while it waits. */
export async function runStackStep(rt: Runtime, stacks: StackServices, item: RoleStackItem, result: StackProgress, hints: StackHints): Promise<void> {
  const step = item.stack;
  const target: StackTarget = {
    stackName: item.stackName,
    id: item.id,
    cluster: hints.cluster,
    region: hints.region,
    kind: item.kind,
    nextStep: (status, failedOp) => hints.nextStep(status, failedOp),
  };
  const body = (template: CfnTemplate) => ({ templateBody: templateBody(template), capabilities: item.capabilities, tags: item.stackTags });
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
        rt.reporter.warn(`stack ${item.stackName} exists (${step.status}) and differs from what was asked (${step.differs.join('; ')}); create leaves it as it is: ${hints.changeExisting}`, item.id);
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
        result.roleArn = await waitForCreate(stacks, target, step.status, result);
        result.stack = 'exists';
        return;
      }
      throw new IrsaError('STACK_FAILED', `stack ${item.stackName} is ${step.status}${step.reason ? `: ${step.reason}` : ''}`, {
        hint: step.nextStep ?? (step.status.endsWith('_IN_PROGRESS') ? 'wait for the operation to finish, then run the command again' : hints.nextStep(step.status)),
      });
    case 'foreign':
      throw new IrsaError('PRECONDITION', step.message, { hint: step.hint });
    case 'replace':
      rt.reporter.warn(`stack ${item.stackName} is ${step.status}: deleting it to create it again${step.reason ? ` (${step.reason})` : ''}`, item.id);
      result.roleArn = await replaceAndWait(stacks, target, body(step.template), result);
      result.stack = 'replaced';
      return;
    case 'create':
      result.roleArn = await createAndWait(stacks, target, body(step.template), result);
      result.stack = 'created';
      return;
    case 'update': {
      const updated = await updateAndWait(stacks, target, body(step.template), result);
      if (updated.outcome === 'no-change') {
        result.stack = 'unchanged';
        return;
      }
      result.roleArn = updated.roleArn ?? result.roleArn;
      result.stack = 'updated';
      return;
    }
  }
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
