import type { ResolvedConfig } from '../config/types.js';
import { table } from '../output/format.js';
import { describeMaker } from '../cfn/stack-maker.js';
import { openClusterWith } from '../runtime/cluster-session.js';
import { roleStacks } from '../services/stacks.js';
import {
  assertKubeReady,
  changesMade,
  connectionOf,
  stackNamesOf,
  executeConverge,
  failuresOf,
  prepareConverge,
  printResults,
  reportPlan,
  throwOnFailures,
  type Changes,
  type ConvergeOptions,
} from './converge.js';
import { deletesMadeChanges, executeDeletes, prunableTargets, pruneItem, type PruneCandidate, type PruneScope } from './delete.js';
import type { PrunePlan } from './run-document.js';
import { withOutcomes } from './run-document.js';
import { applyPodIdentityPlan, checkPodIdentityPreconditions, executePodIdentityDeletes, observePodIdentity, podIdentityChangesMade, podIdentityPreconditions, type PodIdentityDeleteTarget } from './pod-identity.js';
import { hasPodIdentityChange, podIdentityDeletesToText, podIdentityPlanToText, podIdentityResultsToText } from './pod-identity-describe.js';
import { podIdentityDeleteChanged, podIdentityDeleteRunItem, podIdentityRunItem, withPodIdentityDeleteOutcome, withPodIdentityOutcome } from './pod-identity-document.js';
import { podIdentityStackNamesOf, type PodIdentityPlan } from './pod-identity-plan.js';
import type { Runtime } from '../runtime/runtime.js';

/** none; --prune: this file's apply set only; --prune-all: every stack of the cluster the file does not name. */
export type PruneMode = 'none' | 'apply-set' | 'all';

/**
 * `irsactl apply`: converge every selected service account (create, update, repair, replace) and every selected
 * pod identity association, and with --prune delete the stacks (and associations) of this file's apply set that the
 * file no longer names (--prune-all: every iamserviceaccount and pod identity role stack of the cluster it does not
 * name) — planned, executed and reported together, from one observation (one ListStacks for both kinds), under one
 * deadline.
 */
export async function applyClusterConfig(rt: Runtime, resolved: ResolvedConfig, opts: ConvergeOptions & { prune: PruneMode }): Promise<Changes> {
  const cluster = resolved.cluster.name;
  const templatesOf = new Set([...stackNamesOf(cluster, resolved.selected), ...podIdentityStackNamesOf(cluster, resolved.selectedPodIdentity)]);
  // The stack listing needs only the cluster's name: it goes beside DescribeCluster.
  const opened = await openClusterWith(rt, { ...connectionOf(opts), cluster, region: resolved.region }, (aws) => roleStacks(aws.cfn, cluster, undefined, templatesOf));
  const session = opened.session;
  const stacks = await opened.lookups;
  const scope: PruneScope | undefined =
    opts.prune === 'all' ? { kind: 'all', flag: '--prune-all' } : opts.prune === 'apply-set' && resolved.applySet !== undefined ? { kind: 'apply-set', applySet: resolved.applySet } : undefined;
  const podPrune = scope ? prunableTargets(stacks.podIdentity.owned, resolved, scope, 'podidentityassociation') : { targets: [], kept: [] };
  // One ListPodIdentityAssociations for the plan and the prune both.
  const associations = resolved.selectedPodIdentity.length > 0 || podPrune.targets.length > 0 ? session.aws.eks.listPodIdentityAssociations(session.name) : undefined;
  associations?.catch(() => undefined); // awaited below; a failure surfaces there, not as an unhandled rejection
  const prepared = await prepareConverge(rt, 'apply', resolved, opts, { session, stacks: stacks.irsa });
  const pods: PodIdentityPlan | undefined =
    resolved.selectedPodIdentity.length > 0 ? await observePodIdentity(rt, session, 'apply', resolved, { stacks: stacks.podIdentity, ...(associations ? { associations } : {}) }) : undefined;
  const { targets, kept } = scope ? prunableTargets(prepared.stacks.owned, resolved, scope) : { targets: [], kept: [] };
  if (scope?.kind === 'apply-set' && resolved.selected.length === 0 && resolved.selectedPodIdentity.length === 0) {
    rt.reporter.warn('the file selects no service account: --prune deletes nothing then (a truncated file must not empty its apply set); to delete stacks the file does not name, use --prune-all');
  }
  for (const k of [...kept, ...podPrune.kept]) rt.reporter.info(`not pruning ${k.id} (stack ${k.stack.stackName}, made by ${describeMaker(k.madeBy)}): ${k.reason}`, k.id);
  const prunePlan: PrunePlan | undefined = scope
    ? { scope: scope.kind, ...(resolved.applySet !== undefined ? { applySet: resolved.applySet } : {}), delete: targets.map(pruneItem), keep: kept.map(pruneItem) }
    : undefined;
  // The associations of the role stacks pruned: found in one listing, deleted before their stacks.
  const listed = podPrune.targets.length > 0 && associations ? await associations : [];
  const podDeletes: (PodIdentityDeleteTarget & { reason: string })[] = podPrune.targets.map((t: PruneCandidate) => {
    const association = listed.find((a) => `${a.namespace}/${a.serviceAccount}` === t.id);
    return { id: t.id, namespace: t.namespace, serviceAccountName: t.name, stack: t.stack, reason: t.reason, ...(association ? { association } : {}) };
  });
  const podItems = [...(pods?.items.map(podIdentityRunItem) ?? []), ...podDeletes.map(podIdentityDeleteRunItem)];
  const notPruned = podPrune.kept.map(pruneItem);
  const section = { ...(pods ? { agent: pods.agent } : {}), notPruned };

  if (!opts.approve) {
    if (pods) {
      for (const p of podIdentityPreconditions(pods, session.info.accountId).problems) rt.reporter.warn(`--approve would stop before any change: ${p.message}${p.hint ? ` (${p.hint})` : ''}`);
    }
    const text = (pods ? podIdentityPlanToText(pods) : '') + podDeletes.map((d) => `  - ${d.id} [Pod Identity]: delete ${d.association ? `association ${d.association.associationId}, then ` : ''}stack ${d.stack?.stackName ?? ''}; ${d.reason}\n`).join('');
    return reportPlan(rt, prepared, opts.output, prunePlan, { ...section, items: podItems, text, changes: (pods?.items.some(hasPodIdentityChange) ?? false) || podDeletes.length > 0 });
  }

  // Both sections' preconditions before any change of either.
  assertKubeReady(prepared);
  if (pods) checkPodIdentityPreconditions(rt, session, pods);
  const podResults = pods ? applyPodIdentityPlan(rt, session, 'apply', pods, { preconditionsChecked: true, concurrency: opts.concurrency, deadline: prepared.deadline, ...(resolved.configPathForHints !== undefined ? { configFile: resolved.configPathForHints } : {}) }) : Promise.resolve([]);
  const [results, podDone] = await Promise.all([executeConverge(rt, prepared, opts), podResults]);
  const pruned = targets.length > 0 && !rt.signal.aborted ? await executeDeletes(rt, prepared.session, targets, { wait: true, concurrency: opts.concurrency, deadline: prepared.deadline }) : [];
  const podPruned = podDeletes.length > 0 && !rt.signal.aborted ? await executePodIdentityDeletes(rt, session, podDeletes, { wait: true, concurrency: opts.concurrency, deadline: prepared.deadline }) : [];
  const prunedText = pruned.length > 0 ? `\nPruned:\n${table(['NAMESPACE/NAME', 'STACK', 'SERVICEACCOUNT'], pruned.map((r) => [r.id, r.stack, r.serviceAccount]))}` : '';
  const podText = (podDone.length > 0 ? `\nPod Identity associations:\n${podIdentityResultsToText(podDone)}` : '') + (podPruned.length > 0 ? `\nPruned pod identity associations:\n${podIdentityDeletesToText(podPruned)}` : '');
  const podResultItems = [
    ...withOutcomes(pods?.items.map(podIdentityRunItem) ?? [], podDone, withPodIdentityOutcome),
    ...withOutcomes(podDeletes.map(podIdentityDeleteRunItem), podPruned, withPodIdentityDeleteOutcome),
  ];
  printResults(rt, prepared, { items: results, pruned }, opts.output, prunePlan, prunedText, { ...section, items: podResultItems, text: podText });
  const failures = [
    ...failuresOf(results),
    ...pruned.filter((r) => r.error).map((r) => ({ id: r.id })),
    ...podDone.filter((r) => r.error).map((r) => ({ id: r.id, ...(r.error?.hint !== undefined ? { hint: r.error.hint } : {}) })),
    ...podPruned.filter((r) => r.error).map((r) => ({ id: r.id })),
  ];
  const total = results.length + pruned.length + podDone.length + podPruned.length;
  throwOnFailures(rt, failures, total, results.filter((r) => r.stack === 'not-started' && !r.error).length + podDone.filter((r) => r.stack === 'not-started' && !r.error).length);
  return { changes: changesMade(prepared.plan, results) || deletesMadeChanges(pruned) || podIdentityChangesMade(podDone) || podPruned.some(podIdentityDeleteChanged) };
}
