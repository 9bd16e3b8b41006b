import type { ResolvedConfig } from '../config/types.js';
import { IrsaError, type RunOutcome } from '../errors.js';
import { writeOutput } from '../output/format.js';
import { parseLiveTemplate } from '../cfn/diff.js';
import { ROLE_OUTPUT, stackNameFor } from '../model/naming.js';
import type { ServiceAccountSpec } from '../model/service-account.js';
import type { LiveRole } from '../cfn/role-drift.js';
import { isUsable } from '../cfn/stack-status.js';
import { readLiveRole } from './repair-drift.js';
import { saId } from '../model/service-account.js';
import { associateCommand, changeExistingStackHint, shellCommand } from '../model/suggested-commands.js';
import { foreignStackProblem } from '../services/ownership.js';
import { openClusterWith, requireOidc, type ClusterSession, type ConnectionOptions } from '../runtime/cluster-session.js';
import { ensureOidcProvider } from './associate.js';
import { irsaStacks, squatterFor, type ClusterStacks } from '../services/stacks.js';
import { assertManagedPoliciesInPartition } from '../services/managed-policies.js';
import { observeServiceAccounts } from './observe.js';
import { planServiceAccounts, type Plan } from './plan.js';
import { renderAhead } from './render-ahead.js';
import { countChanges, planToText, resultsToText } from './describe-plan.js';
import { convergeChanged, convergeDocument, type PodIdentitySection, type PrunePlan } from './run-document.js';
import type { RunCommand } from '../output/run-document.js';
import { executePlan } from './execute.js';
import type { DeleteResult, ItemResult } from './results.js';
import { kubePreflight, namespacePhases, type KubePreflight } from './kube-preflight.js';
import type { Runtime } from '../runtime/runtime.js';

// create, update and apply share one path: observe → plan (pure) → print the
// plan, or execute it. They differ only in the plan's mode; apply adds pruning
// on the same observation, deadline and output document.

export interface ConvergeOptions extends ConnectionOptions {
  approve: boolean;
  overrideExisting: boolean;
  output: 'text' | 'json' | 'yaml';
  concurrency: number;
}

/** What was observed and planned, before anything changes. */
export interface Prepared {
  mode: 'create' | 'update' | 'apply';
  resolved: ResolvedConfig;
  session: ClusterSession;
  /** this cluster's iamserviceaccount stacks, by `<ns>/<name>`, and those with its prefix that are no one's here */
  stacks: ClusterStacks;
  plan: Plan;
  /** what would stop the Kubernetes step (undefined: no Kubernetes step) */
  kube?: KubePreflight;
  /** one deadline for the whole run (--timeout) */
  deadline: number;
}

/** apply: the session and the iamserviceaccount stacks it found with the pod identity ones, in one listing. */
export interface KnownState {
  session: ClusterSession;
  stacks: ClusterStacks;
}

export async function prepareConverge(rt: Runtime, mode: Prepared['mode'], resolved: ResolvedConfig, opts: ConvergeOptions, known?: KnownState): Promise<Prepared> {
  const deadline = rt.run.deadline;
  const selected = resolved.selected;
  // The stack listing needs only the cluster's name: it goes beside DescribeCluster.
  const opened = known
    ? { session: known.session, lookups: Promise.resolve(known.stacks) }
    : await openClusterWith(rt, { ...connectionOf(opts), cluster: resolved.cluster.name, region: resolved.region }, (aws) =>
        irsaStacks(aws.cfn, resolved.cluster.name, stackNamesOf(resolved.cluster.name, selected)),
      );
  const session = opened.session;
  const oidc = requireOidc(session);

  // An apply of pod identity associations alone needs no OIDC provider (it makes one only with iam.withOIDC), and
  // does not look it up.
  const irsaWanted = selected.length > 0 || mode !== 'apply';
  // The ServiceAccounts, and the phases of the namespaces they will be created in (for the Kubernetes preflight), are
  // read while AWS answers (they depend on nothing AWS says); an AWS failure is still the one reported, and a
  // Kubernetes one waits for its turn.
  const needKube = selected.some((s) => !s.roleOnly);
  const discovering = Promise.all([
    irsaWanted || resolved.mayAssociateOidc ? session.aws.iam.getOidcProvider(oidc.providerArn) : undefined,
    opened.lookups,
  ]);
  discovering.catch(() => undefined);
  const onKube = selected.filter((s) => !s.roleOnly);
  const kubeReady = needKube ? session.kube() : undefined;
  const observing = kubeReady ? kubeReady.then((kube) => observeServiceAccounts(kube, onKube)) : Promise.resolve(new Map());
  observing.catch(() => undefined);
  // Only where a ServiceAccount is missing (it will be created): a run with nothing to write reads only the lists.
  const phasing = kubeReady?.then(async (kube) => {
    const observed = await observing;
    return namespacePhases(kube, onKube.filter((s) => observed.get(saId(s)) === undefined).map((s) => s.namespace));
  });
  phasing?.catch(() => undefined);
  // the CPU work that needs no answer, done while the answers come
  const renderingAhead = renderAhead(selected, oidc);
  const [provider, stacks] = await discovering;
  if (!provider && !resolved.mayAssociateOidc && irsaWanted) {
    throw new IrsaError('PRECONDITION', `cluster "${session.name}" in ${session.region} has no IAM OIDC provider: IAM roles for service accounts cannot work without it`, {
      // Suggesting withOIDC only where it would help: update never associates, and a file may have it already.
      hint: `run \`${associateCommand({ cluster: session.name, region: session.region })}\`${resolved.withOidcWouldAssociate ? ', or set iam.withOIDC: true in the file' : ''}`,
    });
  }

  // A file entry whose stack name is taken by a stack another service account (or no one) owns: an error before
  // any change, naming both; so is an update of one (there is nothing of its own to update). A create by flags
  // plans it as such and fails for that service account.
  const squatters = new Map(selected.flatMap((s) => {
    const squatter = s.attachRoleARN ? undefined : squatterFor(stacks, session.name, s);
    return squatter ? [[saId(s), squatter] as const] : [];
  }));
  const squatted = [...squatters].map(([id, squatter]) => foreignStackProblem(squatter, { cluster: session.name, region: session.region, id }));
  if (squatted.length > 0 && resolved.stopOnForeignStack) {
    throw new IrsaError('PRECONDITION', squatted.map((p) => p.message).join('\n'), { hint: squatted.map((p) => p.hint).join('\n') });
  }

  const withStacks = selected.filter((s) => !s.attachRoleARN);
  await assertManagedPoliciesInPartition(session.aws.iam, session.info.partition, withStacks.map((s) => ({ ...s, id: saId(s) })));

  if (mode === 'update') {
    const missing = selected.filter((s) => !s.attachRoleARN && !stacks.owned.has(saId(s)));
    if (missing.length > 0) {
      throw new IrsaError('NOT_FOUND', `no stack for ${missing.map(saId).join(', ')} in cluster "${session.name}": nothing to update`, {
        hint: 'create it first with `irsactl create iamserviceaccount` (or use `irsactl apply`, which creates what is missing)',
      });
    }
  }

  // create reads them too, to say when an existing stack is not what was asked (it never changes one)
  const liveTemplates = new Map<string, unknown>();
  const liveRoles = new Map<string, LiveRole | 'missing'>();
  {
    await Promise.all(
      selected.map(async (s) => {
        const rec = stacks.owned.get(saId(s));
        if (!rec || s.attachRoleARN) return;
        const roleArn = rec.outputs[ROLE_OUTPUT];
        // update and apply compare the file with the role as IAM has it too (drift outside CloudFormation)
        const [template, role] = await Promise.all([
          stacks.templates.get(rec.stackId) ?? session.aws.cfn.getTemplate(rec.stackId),
          mode !== 'create' && roleArn !== undefined && isUsable(rec.status) ? readLiveRole(session.aws.iam, roleArn) : undefined,
        ]);
        liveTemplates.set(saId(s), parseLiveTemplate(template));
        if (role !== undefined) liveRoles.set(saId(s), role);
      }),
    );
  }

  const serviceAccounts = await observing;
  const rendered = await renderingAhead;

  const plan = planServiceAccounts({
    mode,
    model: resolved.cluster,
    selected,
    region: session.region,
    oidc,
    providerExists: Boolean(provider),
    associateProvider: irsaWanted || resolved.mayAssociateOidc,
    stacks: stacks.owned,
    squatters,
    liveTemplates,
    liveRoles,
    serviceAccounts,
    overrideExisting: opts.overrideExisting,
    ...(mode === 'apply' && resolved.applySet !== undefined ? { applySet: resolved.applySet } : {}),
    rendered,
  });
  for (const item of plan.items) for (const w of item.warnings) rt.reporter.warn(w, item.id);
  await warnAboutPodsOfReplacedRoles(rt, session, plan);
  const kube = needKube ? await kubePreflight(await session.kube(), plan, await phasing) : undefined;
  return { mode, resolved, session, stacks, plan, ...(kube ? { kube } : {}), deadline };
}

/** Whether a run changed something, or its plan would: for --exit-code. */
export type Changes = Pick<RunOutcome, 'changes'>;

/** Did executing the plan change anything: an OIDC provider associated, a stack, a role or a ServiceAccount written. */
export function changesMade(plan: Plan, results: ItemResult[]): boolean {
  return plan.oidcProvider.action === 'create' || results.some(convergeChanged);
}

/** Without --approve: the plan on stdout (one document, prune targets included) and what to do next on stderr. */
export function reportPlan(rt: Runtime, prepared: Prepared, output: ConvergeOptions['output'], prune?: PrunePlan, podIdentity?: PodIdentitySection & { text: string; changes: boolean }): Changes {
  for (const p of prepared.kube?.problems ?? []) rt.reporter.warn(`--approve would stop before any change: ${p}`);
  writeOutput(rt.io, output, () => convergeDocument(commandOf(prepared.mode), prepared.plan, prune, undefined, podIdentity), () => planToText(prepared.plan, prune) + (podIdentity?.text ?? ''));
  const differing = prepared.plan.items.filter((i) => i.stack.action === 'exists' && i.stack.differs);
  const changes = countChanges(prepared.plan) + (prune?.delete.length ?? 0) > 0 || podIdentity?.changes === true;
  if (changes) rt.reporter.warn("no changes were applied, run again with '--approve' to apply the changes");
  else if (differing.length === 0) rt.reporter.ok('nothing to do: everything is as the configuration says');
  for (const i of differing) rt.reporter.warn(`stack ${i.stackName} exists and differs from what was asked; create leaves it as it is: ${changeExistingStackHint(prepared.resolved.configPathForHints, i.id)}`, i.id);
  return { changes };
}


/** Stops before any change when the Kubernetes preflight found a step Kubernetes would refuse. */
export function assertKubeReady(prepared: Prepared): void {
  const problems = prepared.kube?.problems ?? [];
  if (problems.length > 0) {
    throw new IrsaError('PRECONDITION', `Kubernetes would refuse ${problems.length === 1 ? 'a step' : `${problems.length} steps`} of this run, so nothing was changed:\n  ${problems.join('\n  ')}`, {
      hint: 'fix the above, then run the same command again',
    });
  }
}

/** With --approve: associate the provider if the plan says so, then execute. Failures are in the results, not thrown. */
export async function executeConverge(rt: Runtime, prepared: Prepared, opts: ConvergeOptions): Promise<ItemResult[]> {
  const { session, plan, resolved, mode } = prepared;
  assertKubeReady(prepared);
  if (plan.oidcProvider.action === 'create') await ensureOidcProvider(rt, session, true, true);
  return executePlan(
    {
      rt,
      cfn: session.aws.cfn,
      iam: session.aws.iam,
      kube: resolved.selected.some((s) => !s.roleOnly) ? () => session.kube() : undefined,
      deadline: prepared.deadline,
      knownNamespaces: prepared.kube?.namespaces,
      concurrency: opts.concurrency,
      mayAnnotateExisting: mode !== 'create' || opts.overrideExisting,
      commandHint: {
        command: mode,
        cluster: session.name,
        region: session.region,
        configFile: resolved.configPathForHints,
      },
    },
    plan,
  );
}

/** The exit: INTERRUPTED after a signal, PARTIAL naming every failed service account, else nothing. */
export function throwOnFailures(rt: Runtime, failures: { id: string; hint?: string; inProgress?: boolean; notStarted?: boolean }[], total: number, notStarted: number): void {
  const inProgress = failures.filter((f) => f.inProgress).map((f) => f.id);
  const unstarted = failures.filter((f) => f.notStarted).map((f) => f.id);
  const failed = failures.filter((f) => !f.inProgress && !f.notStarted).map((f) => f.id);
  const stillGoing =
    (inProgress.length > 0 ? `, ${inProgress.length} still in progress in CloudFormation (${inProgress.join(', ')})` : '') +
    (unstarted.length > 0 ? `, ${unstarted.length} not started (${unstarted.join(', ')})` : '');
  if (rt.signal.aborted) {
    throw new IrsaError('INTERRUPTED', `interrupted: ${notStarted} service account(s) not started${stillGoing}${failed.length ? `, ${failed.length} failed` : ''}`, {
      hint: 'run the same command again: it converges from where this run stopped',
    });
  }
  if (failures.length > 0) {
    const what = failed.length > 0 ? `${failed.length} of ${total} service account(s) failed: ${failed.join(', ')}${stillGoing}` : `${inProgress.length + unstarted.length} of ${total} service account(s) did not finish${stillGoing}`;
    throw new IrsaError('PARTIAL', what, {
      hint: failures.length === 1 ? failures[0]!.hint : 'see the messages above for each one',
    });
  }
}

export async function converge(rt: Runtime, mode: Prepared['mode'], resolved: ResolvedConfig, opts: ConvergeOptions): Promise<Changes> {
  const prepared = await prepareConverge(rt, mode, resolved, opts);
  if (!opts.approve) return reportPlan(rt, prepared, opts.output);
  const results = await executeConverge(rt, prepared, opts);
  printResults(rt, prepared, { items: results, pruned: [] }, opts.output);
  throwOnFailures(rt, failuresOf(results), results.length, results.filter((r) => r.stack === 'not-started' && !r.error).length);
  return { changes: changesMade(prepared.plan, results) };
}

export function failuresOf(results: ItemResult[]): { id: string; hint?: string; inProgress?: boolean; notStarted?: boolean }[] {
  return results
    .filter((r) => r.error)
    .map((r) => ({ id: r.id, hint: r.error?.hint, ...(r.stack === 'in-progress' ? { inProgress: true } : r.stack === 'not-started' ? { notStarted: true } : {}) }));
}

/** The stack names of the selected service accounts that have stacks: their templates are read with the discovery. */
export function stackNamesOf(cluster: string, selected: readonly ServiceAccountSpec[]): Set<string> {
  return new Set(selected.filter((s) => !s.attachRoleARN).map((s) => stackNameFor(cluster, s)));
}

export function connectionOf(o: ConnectionOptions): ConnectionOptions {
  return {
    profile: o.profile,
    kubeconfig: o.kubeconfig,
    context: o.context,
    insecureSkipTlsVerify: o.insecureSkipTlsVerify,
    skipEndpointCheck: o.skipEndpointCheck,
    cfnRoleArn: o.cfnRoleArn,
    cfnDisableRollback: o.cfnDisableRollback,
  };
}

/** The command a converge mode is, as the run document names it. */
export function commandOf(mode: Prepared['mode']): RunCommand {
  return mode === 'apply' ? 'apply' : `${mode} iamserviceaccount`;
}

/** The results on stdout, one document: the plan's items with their outcomes and, for apply --prune, the deletions. */
export function printResults(
  rt: Runtime,
  prepared: Prepared,
  results: { items: ItemResult[]; pruned: DeleteResult[] },
  output: ConvergeOptions['output'],
  prune?: PrunePlan,
  prunedText?: string,
  podIdentity?: PodIdentitySection & { text: string },
): void {
  writeOutput(rt.io, output, () => convergeDocument(commandOf(prepared.mode), prepared.plan, prune, results, podIdentity), () => (results.items.length === 0 && (podIdentity?.items.length ?? 0) > 0 ? '' : resultsToText(results.items)) + (prunedText ?? '') + (podIdentity?.text ?? ''));
}

/** A role replaced by an update leaves the pods that use it on the old role until they restart: name them. */
async function warnAboutPodsOfReplacedRoles(rt: Runtime, session: ClusterSession, plan: Plan): Promise<void> {
  const replacing = plan.items.filter((i) => i.stack.action === 'update' && i.stack.diff.roleName !== undefined && !i.spec.roleOnly);
  if (replacing.length === 0) return;
  const kube = await session.kube();
  for (const ns of new Set(replacing.map((i) => i.spec.namespace))) {
    const pods = await kube.listPods(ns);
    for (const item of replacing.filter((i) => i.spec.namespace === ns)) {
      const names = pods.filter((p) => p.serviceAccountName === item.spec.name).map((p) => p.name);
      if (names.length === 0) continue;
      rt.reporter.warn(
        `${names.length} pod(s) use ${item.id} and keep the old role until restarted: ${names.join(', ')}; after --approve, restart them (kubectl rollout restart the Deployment/StatefulSet/DaemonSet that owns them, or \`${shellCommand('kubectl', 'delete', 'pod', '-n', ns, ...names)}\`)`,
        item.id,
      );
    }
  }
}
