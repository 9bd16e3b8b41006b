import type { ResolvedConfig } from '../config/load.js';
import { table } from '../output/format.js';
import { executeConverge, failuresOf, prepareConverge, printResults, reportPlan, throwOnFailures, type ConvergeOptions } from './converge.js';
import { executeDeletes, prunableTargets } from './delete.js';
import type { Runtime } from './runtime.js';

/**
 * `irsactl apply`: converge every selected service account (create, update, repair, replace), and with
 * --prune delete the cluster's iamserviceaccount stacks the file no longer names — planned, executed and
 * reported together, from one observation, under one deadline.
 */
export async function applyClusterConfig(rt: Runtime, resolved: ResolvedConfig, opts: ConvergeOptions & { prune: boolean }): Promise<void> {
  const prepared = await prepareConverge(rt, 'apply', resolved, opts);
  const { targets, protectedIds } = opts.prune ? prunableTargets(prepared.stacks.owned, resolved) : { targets: [], protectedIds: [] };
  for (const id of protectedIds) rt.reporter.warn(`not pruning ${id}: system namespace (name it exactly with --include to prune it)`);
  const prune = targets.map((t) => ({ namespace: t.namespace, name: t.name, stackName: t.stack!.stackName, roleArn: t.roleArn }));
  if (!opts.approve) return reportPlan(rt, prepared, opts.output, prune);

  const results = await executeConverge(rt, prepared, opts);
  const pruned = targets.length > 0 && !rt.signal.aborted ? await executeDeletes(rt, prepared.session, targets, { wait: true, concurrency: opts.concurrency, deadline: prepared.deadline }) : [];
  const prunedText = pruned.length > 0 ? `\nPruned:\n${table(['NAMESPACE/NAME', 'STACK', 'SERVICEACCOUNT'], pruned.map((r) => [r.id, r.stack, r.serviceAccount]))}` : '';
  printResults(rt, prepared.session, { serviceAccounts: results, ...(pruned.length > 0 ? { pruned } : {}) }, opts.output, prunedText);
  const failures = [...failuresOf(results), ...pruned.filter((r) => r.error).map((r) => ({ id: r.id }))];
  throwOnFailures(rt, failures, results.length + pruned.length, results.filter((r) => r.stack === 'not-started' && !r.error).length);
}
