import pLimit from 'p-limit';
import type { ResolvedConfig } from '../config/types.js';
import type { StackRecord } from '../aws/ports.js';
import type { KubePort } from '../k8s/ports.js';
import { IrsaError, isRunStopped } from '../errors.js';
import { saId } from '../model/service-account.js';
import { podIdentityId } from '../model/pod-identity.js';
import { ROLE_OUTPUT } from '../model/naming.js';
import { matchesFilter } from '../config/filter.js';
import { table, writeOutput } from '../output/format.js';
import { openClusterWith, type ClusterSession, type ConnectionOptions } from '../runtime/cluster-session.js';
import { deleteStackUnprotected, irsaStacks, squatterFor, stoppedInFlight, waitDeleted } from '../services/stacks.js';
import { releaseOnDelete } from '../services/service-accounts.js';
import type { DeleteResult, PruneItem } from './results.js';
import { deleteChanged, deleteItem, runDocument, withDeleteOutcome, withOutcomes } from './run-document.js';
import type { RunDocument } from '../output/run-document.js';
import { foreignStackProblem, type RoleStackKind } from '../services/ownership.js';
import type { Runtime } from '../runtime/runtime.js';
import { StackWaiter } from '../services/stack-waiter.js';
import { startProgress } from './progress.js';
import { describeMaker, stackMaker, type StackMaker } from '../cfn/stack-maker.js';
import { singleLine } from '../output/terminal.js';

/** Namespaces whose service accounts --only-missing and --prune never delete unless named exactly. */
export const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

export interface DeleteTarget {
  id: string;
  namespace: string;
  name: string;
  stack?: StackRecord;
  /** the role the ServiceAccount may point at: the stack's output, or attachRoleARN */
  roleArn?: string;
  /** a stack with this service account's stack name that is someone else's: nothing is deleted, the target fails */
  squatter?: StackRecord;
  /** --only-missing: why the stack goes */
  reason?: string;
}

export interface DeleteOptions extends ConnectionOptions {
  approve: boolean;
  wait: boolean;
  onlyMissing: boolean;
  output: 'text' | 'json' | 'yaml';
  concurrency: number;
}

/** What --prune (this apply set only) or --prune-all / --only-missing (every stack the file does not name) deletes. */
export type PruneScope = { kind: 'apply-set'; applySet: string } | { kind: 'all'; flag: '--prune-all' | '--only-missing' };

/** A stack the file does not name: who made it (from its tags) and why it goes, or why it stays. */
export interface PruneCandidate extends DeleteTarget {
  stack: StackRecord;
  madeBy: StackMaker;
  reason: string;
}

/**
 * The iamserviceaccount stacks of this cluster that the file does not name (and --include/--exclude select), split
 * into those the scope deletes and those it keeps, each with its reason. System namespaces are kept unless an
 * --include names the account exactly (eksctl once deleted kube-system/aws-node). --prune deletes only stacks
 * tagged with this file's apply set, and nothing at all when the file selects no service account: a truncated
 * file must not empty the cluster.
 */
export function prunableTargets(
  stacks: Map<string, StackRecord>,
  resolved: ResolvedConfig,
  scope: PruneScope,
  kind: RoleStackKind = 'iamserviceaccount',
): { targets: PruneCandidate[]; kept: PruneCandidate[] } {
  const filter = resolved.filter;
  const pods = kind === 'podidentityassociation';
  const inFile = new Set(pods ? (resolved.cluster.podIdentityAssociations ?? []).map(podIdentityId) : resolved.cluster.serviceAccounts.map(saId));
  const selectsNone = pods ? resolved.selectedPodIdentity.length === 0 : resolved.selected.length === 0;
  const what = pods ? 'pod identity association' : 'service account';
  const targets: PruneCandidate[] = [];
  const kept: PruneCandidate[] = [];
  const flag = scope.kind === 'all' ? scope.flag : '--prune';
  for (const [id, stack] of stacks) {
    if (inFile.has(id)) continue;
    if (!matchesFilter(id, filter)) continue;
    const [namespace, name] = id.split('/') as [string, string];
    const madeBy = stackMaker(stack.tags);
    const candidate = { id, namespace, name, stack, roleArn: stack.outputs[ROLE_OUTPUT], madeBy };
    if (SYSTEM_NAMESPACES.includes(namespace) && !filter.include.includes(id)) {
      kept.push({ ...candidate, reason: `system namespace: ${flag} spares it unless --include names ${id} exactly` });
    } else if (scope.kind === 'all') {
      targets.push({ ...candidate, reason: `the file does not name it, and ${flag} deletes every ${kind} stack of the cluster the file does not name` });
    } else if (selectsNone) {
      kept.push({ ...candidate, reason: `the file selects no ${what}, so --prune deletes nothing (a truncated file must not empty the apply set); --prune-all deletes it` });
    } else if (madeBy.applySet === scope.applySet) {
      targets.push({ ...candidate, reason: `this file's apply made it (apply set "${singleLine(scope.applySet)}"), and the file no longer names it` });
    } else if (madeBy.applySet !== undefined) {
      kept.push({ ...candidate, reason: `another apply set's ("${singleLine(madeBy.applySet)}", not this file's "${singleLine(scope.applySet)}"): --prune leaves it; --prune-all deletes it` });
    } else {
      kept.push({ ...candidate, reason: `in no apply set, so not this file's: --prune leaves it; --prune-all deletes it` });
    }
  }
  return { targets, kept };
}

/** Did the deletes change anything: a stack deleted (or its deletion started), a ServiceAccount deleted or released. */
export function deletesMadeChanges(results: DeleteResult[]): boolean {
  return results.some(deleteChanged);
}

/**
 * Returns whether the run changed something or, for a plan, whether it would: a plan counts the stacks it would
 * delete (whether a ServiceAccount without a stack would be released is decided only when it is read, at --approve).
 */
export async function deleteIamServiceAccounts(rt: Runtime, resolved: ResolvedConfig, opts: DeleteOptions): Promise<{ changes: boolean }> {
  // The stack listing needs only the cluster's name: it goes beside DescribeCluster.
  const opened = await openClusterWith(rt, { cluster: resolved.cluster.name, region: resolved.region, ...opts }, (aws) => irsaStacks(aws.cfn, resolved.cluster.name));
  const session = opened.session;
  const stacks = await opened.lookups;

  let targets: DeleteTarget[];
  let kept: PruneCandidate[] | undefined;
  if (opts.onlyMissing) {
    const pr = prunableTargets(stacks.owned, resolved, { kind: 'all', flag: '--only-missing' });
    for (const k of pr.kept) rt.reporter.warn(`not deleting ${k.id} (stack ${k.stack.stackName}, made by ${describeMaker(k.madeBy)}): ${k.reason}`, k.id);
    targets = pr.targets;
    kept = pr.kept;
  } else {
    targets = resolved.selected.map((s) => {
      const stack = stacks.owned.get(saId(s));
      const squatter = stack || s.attachRoleARN ? undefined : squatterFor(stacks, session.name, s);
      return { id: saId(s), namespace: s.namespace, name: s.name, stack, roleArn: stack?.outputs[ROLE_OUTPUT] ?? s.attachRoleARN, ...(squatter ? { squatter } : {}) };
    });
  }

  // A file-driven delete plans first, as create does; a delete by flags acts at once, as eksctl's does.
  const planOnly = resolved.planFirst && !opts.approve;
  if (planOnly) {
    printDeletePlan(rt, session, targets, opts.output, kept);
    if (targets.length > 0) rt.reporter.warn("no changes were applied, run again with '--approve' to apply the changes");
    return { changes: targets.some((t) => t.stack !== undefined) };
  }
  const clusterRoleArns = new Set([...stacks.owned.values()].map((st) => st.outputs[ROLE_OUTPUT]).filter((arn): arn is string => arn !== undefined));
  const results = await executeDeletes(rt, session, targets, { ...opts, deadline: rt.run.deadline, clusterRoleArns });
  printDeleteResults(rt, session, targets, results, opts.output, kept);
  const failed = results.filter((r) => r.error);
  if (rt.signal.aborted) throw new IrsaError('INTERRUPTED', 'interrupted', { hint: 'run the same command again to finish' });
  if (failed.length > 0) throw new IrsaError('PARTIAL', `${failed.length} of ${results.length} deletion(s) failed: ${failed.map((f) => f.id).join(', ')}`);
  return { changes: deletesMadeChanges(results) };
}

export async function executeDeletes(
  rt: Runtime,
  session: ClusterSession,
  targets: DeleteTarget[],
  opts: {
    wait: boolean;
    concurrency: number;
    deadline: number;
    /** the roles of this cluster's iamserviceaccount stacks: a target without a stack may only release a ServiceAccount annotated with one */
    clusterRoleArns?: ReadonlySet<string>;
  },
): Promise<DeleteResult[]> {
  const cfn = session.aws.cfn;
  const waiter = new StackWaiter(cfn, { deadline: opts.deadline, intervalMs: rt.pollIntervalMs, maxIntervalMs: rt.maxPollIntervalMs, signal: rt.signal });
  const limit = pLimit(Math.max(1, opts.concurrency));
  let kube: KubePort | undefined;
  const kubeOnce = async () => (kube ??= await session.kube());
  // Without a terminal: a line now and then naming the stacks still being deleted while --wait waits for them.
  const waiting = new Map<string, string>();
  const stopProgress = startProgress(rt, waiter, () => [...waiting].map(([id, stackName]) => ({ id, stackName, op: 'delete' as const })));
  try {
    return await Promise.all(targets.map((t) => limit(() => deleteOne(t))));
  } finally {
    stopProgress();
  }

  async function deleteOne(t: DeleteTarget): Promise<DeleteResult> {
    const r: DeleteResult = { id: t.id, stackName: t.stack?.stackName, stack: 'not-started', serviceAccount: 'not-started' };
    if (rt.signal.aborted) return r;
    const late = rt.run.notStartedReason();
    if (late !== undefined) {
      r.error = late;
      rt.reporter.error(late, t.id);
      return r;
    }
    try {
      if (t.squatter) {
        r.stack = 'failed';
        const problem = foreignStackProblem(t.squatter, { cluster: session.name, region: session.region, id: t.id });
        throw new IrsaError('PRECONDITION', `${problem.message}; not deleting it, nor the serviceaccount`, { hint: problem.hint });
      }
      if (t.stack) {
        r.stack = 'failed';
        await deleteStackUnprotected(cfn, rt.reporter, t.stack, t.id);
        // From here CloudFormation is deleting it, whatever this run does next.
        r.stack = 'delete-requested';
        rt.reporter.info(`deleting stack ${t.stack.stackName}`, t.id);
        if (opts.wait) {
          waiting.set(t.id, t.stack.stackName);
          await waitDeleted({ cfn, waiter }, t.stack).finally(() => waiting.delete(t.id));
          r.stack = 'deleted';
          rt.reporter.ok(`deleted stack ${t.stack.stackName}`, t.id);
        }
      } else {
        r.stack = 'absent';
      }
      r.serviceAccount = 'failed';
      const released = await releaseOnDelete(await kubeOnce(), rt.reporter, {
        namespace: t.namespace,
        name: t.name,
        roleArn: t.roleArn,
        hadStack: t.stack !== undefined,
        clusterRoleArns: opts.clusterRoleArns,
      });
      r.serviceAccount = released.outcome;
      if (released.note !== undefined) r.note = released.note;
    } catch (err) {
      if (isRunStopped(err) && r.stack === 'delete-requested' && t.stack) {
        // The run stopped waiting, not CloudFormation: the stack is still being deleted.
        const e = stoppedInFlight(t.stack.stackName, 'delete', false, err);
        r.error = e.message;
        rt.reporter.error(e.message, t.id);
        if (e.hint) rt.reporter.info(e.hint, t.id);
        return r;
      }
      if (r.stack === 'delete-requested' && opts.wait) r.stack = 'failed';
      r.error = err instanceof Error ? err.message : String(err);
      rt.reporter.error(r.error, t.id);
      if (err instanceof IrsaError && err.hint) rt.reporter.info(err.hint, t.id);
    }
    return r;
  }
}

/** The delete's document: a Plan of the targets, or with `results` the Result (the same items, each with its outcome). */
export function deleteDocument(session: ClusterSession, targets: DeleteTarget[], kept?: PruneCandidate[], results?: DeleteResult[]): RunDocument {
  const items = targets.map((t) =>
    deleteItem({
      id: t.id,
      namespace: t.namespace,
      name: t.name,
      ...(t.stack ? { stack: { name: t.stack.stackName, status: t.stack.status, madeBy: stackMaker(t.stack.tags) } } : {}),
      ...(t.roleArn !== undefined ? { roleArn: t.roleArn } : {}),
      ...(t.reason !== undefined ? { reason: t.reason } : {}),
      ...(t.squatter
        ? { cannotAct: { stackName: t.squatter.stackName, status: t.squatter.status, ...foreignStackProblem(t.squatter, { cluster: session.name, region: session.region, id: t.id }) } }
        : {}),
    }),
  );
  return runDocument(results ? 'Result' : 'Plan', {
    command: 'delete iamserviceaccount',
    cluster: session.name,
    region: session.region,
    ...(kept ? { prune: { scope: 'all', notPruned: kept.map(pruneItem) } } : {}),
  }, results ? withOutcomes(items, results, withDeleteOutcome) : items);
}

/** A prune candidate as the plan and the run document show it. */
export function pruneItem(c: PruneCandidate): PruneItem {
  return { namespace: c.namespace, name: c.name, stackName: c.stack.stackName, ...(c.roleArn !== undefined ? { roleArn: c.roleArn } : {}), madeBy: c.madeBy, reason: c.reason };
}

export function printDeletePlan(rt: Runtime, session: ClusterSession, targets: DeleteTarget[], output: DeleteOptions['output'], kept?: PruneCandidate[]): void {
  writeOutput(rt.io, output, () => deleteDocument(session, targets, kept), () => {
    const lines = [`Plan for cluster "${session.name}" in ${session.region}:`];
    for (const t of targets) {
      if (t.squatter) lines.push(`  ! ${t.id}: cannot act: stack ${t.squatter.stackName} has its name but is not its stack`);
      else lines.push(`  - ${t.id}: ${t.stack ? `delete stack ${t.stack.stackName} (made by ${describeMaker(stackMaker(t.stack.tags))})` : 'no stack'}; release serviceaccount (deleted only if irsactl or eksctl manages it)`);
    }
    lines.push(`${targets.length} service account(s) to delete.`);
    return lines.join('\n');
  });
}

function printDeleteResults(rt: Runtime, session: ClusterSession, targets: DeleteTarget[], results: DeleteResult[], output: DeleteOptions['output'], kept?: PruneCandidate[]): void {
  if (output === 'text' && results.length === 0) return rt.reporter.info('nothing to delete');
  writeOutput(rt.io, output, () => deleteDocument(session, targets, kept, results), () =>
    table(['NAMESPACE/NAME', 'STACK', 'SERVICEACCOUNT'], results.map((r) => [r.id, r.stack, r.serviceAccount + (r.note ? ` (${r.note})` : '')])),
  );
}
