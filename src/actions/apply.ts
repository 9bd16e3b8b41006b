import type { ResolvedConfig } from '../config/types.js';
import { table } from '../output/format.js';
import { describeMaker } from '../cfn/stack-maker.js';
import { changesMade, executeConverge, failuresOf, prepareConverge, printResults, reportPlan, throwOnFailures, type Changes, type ConvergeOptions } from './converge.js';
import { deletesMadeChanges, executeDeletes, prunableTargets, pruneItem, type PruneScope } from './delete.js';
import type { PrunePlan } from './run-document.js';
import type { Runtime } from '../runtime/runtime.js';

/** none; --prune: this file's apply set only; --prune-all: every stack of the cluster the file does not name. */
export type PruneMode = 'none' | 'apply-set' | 'all';

/**
 * `irsactl apply`: converge every selected service account (create, update, repair, replace), and with
 * --prune delete the stacks of this file's apply set that the file no longer names (--prune-all: every
 * iamserviceaccount stack of the cluster it does not name) — planned, executed and reported together,
 * from one observation, under one deadline.
 */
export async function applyClusterConfig(rt: Runtime, resolved: ResolvedConfig, opts: ConvergeOptions & { prune: PruneMode }): Promise<Changes> {
  const prepared = await prepareConverge(rt, 'apply', resolved, opts);
  const scope: PruneScope | undefined =
    opts.prune === 'all' ? { kind: 'all', flag: '--prune-all' } : opts.prune === 'apply-set' && resolved.applySet !== undefined ? { kind: 'apply-set', applySet: resolved.applySet } : undefined;
  const { targets, kept } = scope ? prunableTargets(prepared.stacks.owned, resolved, scope) : { targets: [], kept: [] };
  if (scope?.kind === 'apply-set' && resolved.selected.length === 0) {
    rt.reporter.warn('the file selects no service account: --prune deletes nothing then (a truncated file must not empty its apply set); to delete stacks the file does not name, use --prune-all');
  }
  for (const k of kept) rt.reporter.info(`not pruning ${k.id} (stack ${k.stack.stackName}, made by ${describeMaker(k.madeBy)}): ${k.reason}`, k.id);
  const prunePlan: PrunePlan | undefined = scope
    ? { scope: scope.kind, ...(resolved.applySet !== undefined ? { applySet: resolved.applySet } : {}), delete: targets.map(pruneItem), keep: kept.map(pruneItem) }
    : undefined;
  if (!opts.approve) return reportPlan(rt, prepared, opts.output, prunePlan);

  const results = await executeConverge(rt, prepared, opts);
  const pruned = targets.length > 0 && !rt.signal.aborted ? await executeDeletes(rt, prepared.session, targets, { wait: true, concurrency: opts.concurrency, deadline: prepared.deadline }) : [];
  const prunedText = pruned.length > 0 ? `\nPruned:\n${table(['NAMESPACE/NAME', 'STACK', 'SERVICEACCOUNT'], pruned.map((r) => [r.id, r.stack, r.serviceAccount]))}` : '';
  printResults(rt, prepared, { items: results, pruned }, opts.output, prunePlan, prunedText);
  const failures = [...failuresOf(results), ...pruned.filter((r) => r.error).map((r) => ({ id: r.id }))];
  throwOnFailures(rt, failures, results.length + pruned.length, results.filter((r) => r.stack === 'not-started' && !r.error).length);
  return { changes: changesMade(prepared.plan, results) || deletesMadeChanges(pruned) };
}
