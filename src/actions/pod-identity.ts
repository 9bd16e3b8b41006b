import pLimit from 'p-limit';
import { assertManagedPoliciesInPartition } from '../services/managed-policies.js';
import type { ResolvedConfig } from '../config/types.js';
import type { PodIdentityAssociationInfo, PodIdentityAssociationSummary, StackRecord } from '../aws/ports.js';
import { IrsaError } from '../errors.js';
import { parseLiveTemplate } from '../cfn/diff.js';
import type { LiveRole } from '../cfn/role-drift.js';
import { isUsable } from '../cfn/stack-status.js';
import { ROLE_OUTPUT } from '../model/naming.js';
import { readLiveRole } from './repair-drift.js';
import { isManaged } from '../k8s/service-account.js';
import { ROLE_ARN_ANNOTATION } from '../model/kubernetes.js';
import { makesRole, podIdentityId, POD_IDENTITY_AGENT_ADDON, type PodIdentityAssociationSpec } from '../model/pod-identity.js';
import { toJson, toYaml } from '../output/format.js';
import { writeResult } from '../output/reporter.js';
import { openCluster, type ClusterSession } from '../runtime/cluster-session.js';
import type { Runtime } from '../runtime/runtime.js';
import { deleteAssociation } from '../services/pod-identity.js';
import { deleteStackUnprotected, podIdentitySquatterFor, podIdentityStacks, waitDeleted, type ClusterStacks } from '../services/stacks.js';
import { foreignStackProblem } from '../services/ownership.js';
import { StackWaiter } from '../services/stack-waiter.js';
import { connectionOf, type ConvergeOptions } from './converge.js';
import { observeServiceAccounts } from './observe.js';
import { executePodIdentityPlan } from './pod-identity-execute.js';
export { podIdentityPreconditions } from './pod-identity-plan.js';
import { agentState, planPodIdentity, podIdentityPreconditions, podIdentityStackNamesOf, stacksToRead, type PodIdentityPlan } from './pod-identity-plan.js';
import { hasPodIdentityChange, podIdentityDeletesToText, podIdentityPlanToText, podIdentityResultsToText } from './pod-identity-describe.js';
import { podIdentityDeleteRunItem, podIdentityRunItem, withPodIdentityDeleteOutcome, withPodIdentityOutcome } from './pod-identity-document.js';
import { runDocument, withOutcomes } from './run-document.js';
import type { RunDocument } from '../output/run-document.js';
import type { PodIdentityDeleteResult, PodIdentityResult } from './results.js';

// create and update podidentityassociation: observe → plan (pure) → print the plan, or check the preconditions and
// execute it; delete podidentityassociation: the association, then the role stack it owns. apply calls
// observePodIdentity and executePodIdentityPlan next to the iamserviceaccount ones.

export type PodIdentityMode = 'create' | 'update' | 'apply';

/** Every association of the cluster (one listing, all pages), by `<ns>/<sa>`. */
async function listAssociations(session: ClusterSession, listed?: Promise<PodIdentityAssociationSummary[]>): Promise<Map<string, PodIdentityAssociationSummary>> {
  const all = await (listed ?? session.aws.eks.listPodIdentityAssociations(session.name));
  return new Map(all.map((a) => [`${a.namespace}/${a.serviceAccount}`, a]));
}

/**
 * What the plan needs, read once: the agent (Auto Mode, else DescribeAddon), the role stacks (one ListStacks, then
 * one DescribeStacks per stack of this cluster's prefix, unless given), one ListPodIdentityAssociations and a
 * Describe per selected association that exists, the live templates of the owned stacks, and the ServiceAccounts
 * (one list per namespace). Returns the plan: a pure value.
 */
export async function observePodIdentity(
  rt: Runtime,
  session: ClusterSession,
  mode: PodIdentityMode,
  resolved: Pick<ResolvedConfig, 'cluster' | 'selectedPodIdentity' | 'applySet'>,
  known: { stacks?: ClusterStacks; roleFromConfig?: boolean; associations?: Promise<PodIdentityAssociationSummary[]> } = {},
): Promise<PodIdentityPlan> {
  const selected = resolved.selectedPodIdentity;
  const { eks, cfn } = session.aws;
  const [addon, stacks, listed] = await Promise.all([
    session.info.autoMode === true ? undefined : eks.describeAddon(session.name, POD_IDENTITY_AGENT_ADDON),
    known.stacks ?? podIdentityStacks(cfn, session.name, known.roleFromConfig === false ? undefined : podIdentityStackNamesOf(session.name, selected)),
    selected.length > 0 ? listAssociations(session, known.associations) : new Map<string, PodIdentityAssociationSummary>(),
  ]);
  const limit = pLimit(8);
  const associations = new Map<string, PodIdentityAssociationInfo>();
  const liveTemplates = new Map<string, unknown>();
  const liveRoles = new Map<string, LiveRole | 'missing'>();
  await Promise.all([
    ...selected.map((s) =>
      limit(async () => {
        const summary = listed.get(podIdentityId(s));
        const info = summary ? await eks.describePodIdentityAssociation(session.name, summary.associationId) : undefined;
        if (info) associations.set(podIdentityId(s), info);
      }),
    ),
    // update by flags has no role flags: it changes the association only, and leaves the role stack as it is
    ...(known.roleFromConfig === false ? [] : stacksToRead(stacks, selected)).map(([id, rec]) =>
      limit(async () => {
        liveTemplates.set(id, parseLiveTemplate(await (stacks.templates.get(rec.stackId) ?? cfn.getTemplate(rec.stackId))));
        // update and apply compare the role as IAM has it too (drift outside CloudFormation), as for iamserviceaccounts
        const roleArn = rec.outputs[ROLE_OUTPUT];
        if (mode !== 'create' && roleArn !== undefined && isUsable(rec.status)) liveRoles.set(id, await readLiveRole(session.aws.iam, roleArn));
      }),
    ),
  ]);

  if (mode === 'update') assertUpdatable(session, selected, stacks, associations);
  if (known.roleFromConfig !== false) {
    const withStacks = selected.filter((s) => s.roleARN === undefined);
    await assertManagedPoliciesInPartition(session.aws.iam, session.info.partition, withStacks.map((s) => ({ id: podIdentityId(s), wellKnownPolicies: s.wellKnownPolicies, ...(s.wellKnownPolicySelection ? { wellKnownPolicySelection: s.wellKnownPolicySelection } : {}) })));
  }

  const needKube = selected.length > 0;
  const serviceAccounts = needKube
    ? await observeServiceAccounts(await session.kube(), selected.map((s) => ({ namespace: s.namespace, name: s.serviceAccountName })))
    : new Map();
  const plan = planPodIdentity({
    mode,
    model: resolved.cluster,
    selected,
    region: session.region,
    agent: agentState(session.info, addon),
    stacks,
    liveTemplates,
    liveRoles,
    associations,
    serviceAccounts,
    ...(mode === 'apply' && resolved.applySet !== undefined ? { applySet: resolved.applySet } : {}),
  });
  for (const item of plan.items) for (const w of item.warnings) rt.reporter.warn(w, item.id);
  return plan;
}

/** eksctl's rules for update: the association exists, and a role irsactl did not make must be given as roleARN. */
function assertUpdatable(session: ClusterSession, selected: PodIdentityAssociationSpec[], stacks: ClusterStacks, associations: Map<string, PodIdentityAssociationInfo>): void {
  const missing = selected.filter((s) => !associations.has(podIdentityId(s)));
  if (missing.length > 0) {
    throw new IrsaError('NOT_FOUND', `no pod identity association for ${missing.map(podIdentityId).join(', ')} in cluster "${session.name}": nothing to update`, {
      hint: 'create it first with `irsactl create podidentityassociation`',
    });
  }
  const unmade = selected.filter((s) => makesRole(s) && !stacks.owned.has(podIdentityId(s)) && podIdentitySquatterFor(stacks, session.name, s) === undefined);
  if (unmade.length > 0) {
    throw new IrsaError('USAGE', `${unmade.map((s) => `${podIdentityId(s)} uses role ${associations.get(podIdentityId(s))?.roleArn ?? '?'}`).join('; ')}, which neither irsactl nor eksctl made (no role stack): give the role as --role-arn (roleARN)`, {
      hint: 'with --role-arn, update changes only the association (role, target role, session tags, session policy)',
    });
  }
}

/** Stops before any change when the agent is missing or a given role is in another account; says the warnings. */
export function checkPodIdentityPreconditions(rt: Runtime, session: ClusterSession, plan: PodIdentityPlan): void {
  const { problems, warnings } = podIdentityPreconditions(plan, session.info.accountId);
  for (const w of warnings) rt.reporter.warn(w);
  if (problems.length === 0) return;
  throw new IrsaError('PRECONDITION', problems.map((p) => p.message).join('\n'), { hint: problems.flatMap((p) => (p.hint !== undefined ? [p.hint] : [])).join('\n') });
}

export interface PodIdentityExecuteOptions {
  concurrency: number;
  configFile?: string;
  deadline?: number;
  /** apply checked them already, before the iamserviceaccounts' changes began */
  preconditionsChecked?: boolean;
}

/** With --approve: the preconditions, then the plan's items. Failures are in the results, not thrown. */
export async function applyPodIdentityPlan(rt: Runtime, session: ClusterSession, mode: PodIdentityMode, plan: PodIdentityPlan, opts: PodIdentityExecuteOptions): Promise<PodIdentityResult[]> {
  if (opts.preconditionsChecked !== true) checkPodIdentityPreconditions(rt, session, plan);
  return executePodIdentityPlan(
    {
      rt,
      cfn: session.aws.cfn,
      eks: session.aws.eks,
      iam: session.aws.iam,
      kube: plan.items.some((i) => i.serviceAccount.action === 'create') ? () => session.kube() : undefined,
      deadline: opts.deadline ?? rt.run.deadline,
      concurrency: opts.concurrency,
      mode,
      cluster: session.name,
      region: session.region,
      ...(opts.configFile !== undefined ? { configFile: opts.configFile } : {}),
    },
    plan,
  );
}

const CHANGED_STACK: readonly PodIdentityResult['stack'][] = ['created', 'updated', 'replaced', 'repaired'];

export function podIdentityChangesMade(results: PodIdentityResult[]): boolean {
  return results.some((r) => CHANGED_STACK.includes(r.stack) || r.association === 'created' || r.association === 'updated' || r.serviceAccount === 'created');
}

/** The run document of a create or update podidentityassociation: its Plan, or with `results` its Result. */
function podIdentityDocument(command: 'create podidentityassociation' | 'update podidentityassociation', plan: PodIdentityPlan, results?: PodIdentityResult[]): RunDocument {
  const items = plan.items.map(podIdentityRunItem);
  const head = { command, cluster: plan.cluster, region: plan.region, podIdentityAgent: plan.agent };
  return results ? runDocument('Result', head, withOutcomes(items, results, withPodIdentityOutcome)) : runDocument('Plan', head, items);
}

function print(rt: Runtime, output: ConvergeOptions['output'], data: unknown, text: string): void {
  if (output === 'json') writeResult(rt.io, toJson(data));
  else if (output === 'yaml') writeResult(rt.io, toYaml(data));
  else writeResult(rt.io, text);
}

/** `create|update podidentityassociation`: the plan without --approve, else the run; returns whether anything changes. */
export async function convergePodIdentity(rt: Runtime, mode: 'create' | 'update', resolved: ResolvedConfig, opts: ConvergeOptions): Promise<{ changes: boolean }> {
  const session = await openCluster(rt, { ...connectionOf(opts), cluster: resolved.cluster.name, region: resolved.region });
  const plan = await observePodIdentity(rt, session, mode, resolved, { roleFromConfig: !(mode === 'update' && resolved.source.kind === 'flags') });
  if (!opts.approve) {
    // Said with the plan too: --approve would stop on them before any change.
    const { problems } = podIdentityPreconditions(plan, session.info.accountId);
    for (const p of problems) rt.reporter.warn(`--approve would stop before any change: ${p.message}${p.hint ? ` (${p.hint})` : ''}`);
    print(rt, opts.output, podIdentityDocument(`${mode} podidentityassociation`, plan), podIdentityPlanToText(plan));
    const changes = plan.items.some(hasPodIdentityChange);
    if (changes) rt.reporter.warn("no changes were applied, run again with '--approve' to apply the changes");
    else rt.reporter.ok('nothing to do: every pod identity association is as asked');
    return { changes };
  }
  const results = await applyPodIdentityPlan(rt, session, mode, plan, {
    concurrency: opts.concurrency,
    ...(resolved.configPathForHints !== undefined ? { configFile: resolved.configPathForHints } : {}),
  });
  print(rt, opts.output, podIdentityDocument(`${mode} podidentityassociation`, plan, results), podIdentityResultsToText(results));
  throwOnPodIdentityFailures(rt, results);
  return { changes: podIdentityChangesMade(results) };
}

export function throwOnPodIdentityFailures(rt: Runtime, results: PodIdentityResult[]): void {
  const failed = results.filter((r) => r.error);
  if (rt.signal.aborted) {
    throw new IrsaError('INTERRUPTED', `interrupted: ${results.filter((r) => r.stack === 'not-started' && !r.error).length} pod identity association(s) not started`, {
      hint: 'run the same command again: it converges from where this run stopped',
    });
  }
  if (failed.length > 0) {
    throw new IrsaError('PARTIAL', `${failed.length} of ${results.length} pod identity association(s) failed: ${failed.map((f) => f.id).join(', ')}`, {
      hint: failed.length === 1 ? failed[0]!.error?.hint : 'see the messages above for each one',
    });
  }
}

// ---- delete

export interface PodIdentityDeleteTarget {
  id: string;
  namespace: string;
  serviceAccountName: string;
  association?: PodIdentityAssociationSummary;
  /** the role stack this association owns (eksctl's name and tags) */
  stack?: StackRecord;
}

export interface PodIdentityDeleteOptions extends Omit<ConvergeOptions, 'overrideExisting'> {
  wait: boolean;
}

/**
 * `delete podidentityassociation`: per association, the association (never an add-on's), then the role stack it
 * owns (never a role it did not make, such as a given roleARN), then the ServiceAccount when irsactl or eksctl made it
 * and no iamserviceaccount role annotation still uses it. From a file it plans first; by flags it acts at once, as
 * eksctl's does (and as delete iamserviceaccount).
 */
export async function deletePodIdentityAssociations(rt: Runtime, resolved: ResolvedConfig, opts: PodIdentityDeleteOptions): Promise<{ changes: boolean }> {
  const session = await openCluster(rt, { ...connectionOf(opts), cluster: resolved.cluster.name, region: resolved.region });
  const [stacks, listed] = await Promise.all([podIdentityStacks(session.aws.cfn, session.name), listAssociations(session)]);
  const targets: PodIdentityDeleteTarget[] = resolved.selectedPodIdentity.map((s) => {
    const id = podIdentityId(s);
    const association = listed.get(id);
    const stack = stacks.owned.get(id);
    return { id, namespace: s.namespace, serviceAccountName: s.serviceAccountName, ...(association ? { association } : {}), ...(stack ? { stack } : {}) };
  });
  for (const s of resolved.selectedPodIdentity) {
    const squatter = podIdentitySquatterFor(stacks, session.name, s);
    if (squatter) rt.reporter.warn(`${foreignStackProblem(squatter, { cluster: session.name, region: session.region, id: podIdentityId(s), kind: 'podidentityassociation' }).message}; it is not deleted`, podIdentityId(s));
  }

  const head = { command: 'delete podidentityassociation' as const, cluster: session.name, region: session.region };
  if (resolved.planFirst && !opts.approve) {
    const data = runDocument('Plan', head, targets.map(podIdentityDeleteRunItem));
    const lines = [`Plan for cluster "${session.name}" in ${session.region}:`];
    for (const t of targets) {
      const assoc = t.association ? (t.association.ownerArn ? `cannot act: the association belongs to the add-on ${t.association.ownerArn}` : `delete association ${t.association.associationId}`) : 'no association';
      lines.push(`  - ${t.id} [Pod Identity]: ${assoc}; ${t.stack ? `delete stack ${t.stack.stackName}` : 'no role stack of irsactl\'s or eksctl\'s (a given role is never deleted)'}; delete the serviceaccount only if irsactl or eksctl made it`);
    }
    lines.push(`${targets.length} pod identity association(s) to delete.`);
    print(rt, opts.output, data, lines.join('\n') + '\n');
    const changes = targets.some((t) => (t.association && !t.association.ownerArn) || t.stack);
    if (changes) rt.reporter.warn("no changes were applied, run again with '--approve' to apply the changes");
    return { changes };
  }

  const results = await executePodIdentityDeletes(rt, session, targets, { wait: opts.wait, concurrency: opts.concurrency });
  print(rt, opts.output, runDocument('Result', head, withOutcomes(targets.map(podIdentityDeleteRunItem), results, withPodIdentityDeleteOutcome)), podIdentityDeletesToText(results));
  const failed = results.filter((r) => r.error);
  if (rt.signal.aborted) throw new IrsaError('INTERRUPTED', 'interrupted', { hint: 'run the same command again to finish' });
  if (failed.length > 0) throw new IrsaError('PARTIAL', `${failed.length} of ${results.length} deletion(s) failed: ${failed.map((f) => f.id).join(', ')}`);
  return {
    changes: results.some((r) => r.association === 'deleted' || r.stack === 'deleted' || r.stack === 'delete-requested' || r.serviceAccount === 'deleted'),
  };
}

/** One function for delete and, later, apply's prune: each target's association, then its stack, then its ServiceAccount. */
export async function executePodIdentityDeletes(
  rt: Runtime,
  session: ClusterSession,
  targets: PodIdentityDeleteTarget[],
  opts: { wait: boolean; concurrency: number; deadline?: number },
): Promise<PodIdentityDeleteResult[]> {
  const { cfn, eks } = session.aws;
  const waiter = new StackWaiter(cfn, { deadline: opts.deadline ?? rt.run.deadline, intervalMs: rt.pollIntervalMs, maxIntervalMs: rt.maxPollIntervalMs, signal: rt.signal });
  const limit = pLimit(Math.max(1, opts.concurrency));
  return Promise.all(targets.map((t) => limit(() => deleteOne(t))));

  async function deleteOne(t: PodIdentityDeleteTarget): Promise<PodIdentityDeleteResult> {
    const r: PodIdentityDeleteResult = {
      mechanism: 'pod-identity',
      id: t.id,
      ...(t.association ? { associationId: t.association.associationId } : {}),
      association: 'not-started',
      ...(t.stack ? { stackName: t.stack.stackName } : {}),
      stack: 'not-started',
      serviceAccount: 'not-started',
    };
    if (rt.signal.aborted) return r;
    const late = rt.run.notStartedReason();
    if (late !== undefined) {
      r.error = late;
      rt.reporter.error(late, t.id);
      return r;
    }
    try {
      if (t.association?.ownerArn !== undefined) {
        r.association = 'failed';
        throw new IrsaError('PRECONDITION', `the association of ${t.id} (${t.association.associationId}) belongs to the EKS add-on ${t.association.ownerArn}: irsactl never deletes it, nor its role`, {
          hint: 'delete or change it through that add-on (aws eks update-addon / delete-addon, or eksctl update addon)',
        });
      }
      r.association = 'failed';
      r.association = t.association
        ? await deleteAssociation(eks, rt.reporter, { cluster: session.name, namespace: t.namespace, serviceAccount: t.serviceAccountName, id: t.id }, t.association.associationId)
        : 'absent';
      if (!t.association) rt.reporter.info(`no pod identity association for ${t.id}`, t.id);
      if (t.stack) {
        r.stack = 'failed';
        await deleteStackUnprotected(cfn, rt.reporter, t.stack, t.id);
        r.stack = 'delete-requested';
        rt.reporter.info(`deleting stack ${t.stack.stackName}`, t.id);
        if (opts.wait) {
          await waitDeleted({ cfn, waiter }, t.stack);
          r.stack = 'deleted';
          rt.reporter.ok(`deleted stack ${t.stack.stackName}`, t.id);
        }
      } else r.stack = 'absent';
      r.serviceAccount = 'failed';
      const kube = await session.kube();
      const sa = await kube.getServiceAccount(t.namespace, t.serviceAccountName);
      if (!sa) r.serviceAccount = 'absent';
      else if (!isManaged(sa)) {
        r.serviceAccount = 'kept';
        r.note = 'not made by irsactl or eksctl';
      } else if (sa.annotations[ROLE_ARN_ANNOTATION] !== undefined) {
        // An iamserviceaccount still binds it to a role: that one's delete decides.
        r.serviceAccount = 'kept';
        r.note = `still annotated with ${sa.annotations[ROLE_ARN_ANNOTATION]}`;
      } else {
        await kube.deleteServiceAccount(t.namespace, t.serviceAccountName);
        r.serviceAccount = 'deleted';
        rt.reporter.ok(`deleted serviceaccount ${t.id}`, t.id);
      }
    } catch (err) {
      r.error = err instanceof Error ? err.message : String(err);
      rt.reporter.error(r.error, t.id);
      if (err instanceof IrsaError && err.hint) rt.reporter.info(err.hint, t.id);
    }
    return r;
  }
}
