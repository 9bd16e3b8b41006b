import type { ResolvedConfig } from '../config/load.js';
import { IrsaError } from '../errors.js';
import type { SaFilter } from '../config/filter.js';
import { converge, type ConvergeOptions } from './converge.js';
import { executeDeletes, prunableTargets, printDeletePlan } from './delete.js';
import { irsaStacks } from './observe.js';
import type { Runtime } from './runtime.js';

/**
 * `irsactl apply`: converge every selected service account (create, update, repair, replace), then with
 * --prune delete the cluster's iamserviceaccount stacks the file no longer names.
 */
export async function applyClusterConfig(rt: Runtime, resolved: ResolvedConfig, opts: ConvergeOptions & { prune: boolean; filter: SaFilter }): Promise<void> {
  let convergeError: unknown;
  let outcome;
  try {
    outcome = await converge(rt, 'apply', resolved, opts);
  } catch (err) {
    // A partial failure must not stop pruning from being planned; anything earlier (bad cluster, no provider) does.
    if (!(err instanceof IrsaError && err.code === 'PARTIAL')) throw err;
    convergeError = err;
  }
  if (opts.prune && outcome) {
    const stacks = await irsaStacks(outcome.session.aws.cfn, outcome.session.name);
    const { targets, protectedIds } = prunableTargets(stacks, resolved, opts.filter);
    for (const id of protectedIds) rt.reporter.warn(`not pruning ${id}: system namespace (name it exactly with --include to prune it)`);
    if (!opts.approve) {
      if (targets.length > 0) printDeletePlan(rt, outcome.session, targets, opts.output);
    } else if (targets.length > 0) {
      const results = await executeDeletes(rt, outcome.session, targets, { wait: true, concurrency: opts.concurrency, deadline: Date.now() + opts.timeoutMs });
      const failed = results.filter((r) => r.error);
      if (failed.length > 0 && !convergeError) throw new IrsaError('PARTIAL', `pruning failed for ${failed.map((f) => f.id).join(', ')}`);
    }
  }
  if (convergeError) throw convergeError;
}
