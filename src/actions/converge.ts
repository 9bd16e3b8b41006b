import type { ResolvedConfig } from '../config/load.js';
import { IrsaError } from '../errors.js';
import { toJson, toYaml } from '../output/format.js';
import { writeResult } from '../output/reporter.js';
import { parseLiveTemplate } from '../cfn/diff.js';
import { saId } from '../config/model.js';
import { associateCommand, openCluster, requireOidc, type ClusterSession, type ConnectionOptions } from './cluster-session.js';
import { ensureOidcProvider } from './associate.js';
import { irsaStacks, observeServiceAccounts } from './observe.js';
import { planServiceAccounts, type Plan } from './plan.js';
import { countChanges, planToData, planToText, resultsToText } from './describe-plan.js';
import { executePlan, type ItemResult } from './execute.js';
import type { Runtime } from './runtime.js';

/**
 * create, update and apply share one path: observe → plan (pure) → print the
 * plan, or execute it. They differ only in the plan's mode.
 */
export interface ConvergeOptions extends ConnectionOptions {
  approve: boolean;
  overrideExisting: boolean;
  output: 'text' | 'json' | 'yaml';
  timeoutMs: number;
  concurrency: number;
}

export interface ConvergeOutcome {
  plan: Plan;
  results?: ItemResult[];
  session: ClusterSession;
}

export async function converge(rt: Runtime, mode: 'create' | 'update' | 'apply', resolved: ResolvedConfig, opts: ConvergeOptions): Promise<ConvergeOutcome> {
  const started = Date.now();
  for (const w of resolved.warnings) rt.reporter.warn(w);
  const session = await openCluster(rt, { ...connectionOf(opts), cluster: resolved.cluster.name, region: resolved.region });
  const oidc = requireOidc(session);
  const selected = resolved.selected;

  const [provider, stacks] = await Promise.all([session.aws.iam.getOidcProvider(oidc.providerArn), irsaStacks(session.aws.cfn, session.name)]);
  const mayAssociate = resolved.source.kind === 'file' && resolved.cluster.withOIDC && mode !== 'update';
  if (!provider && !mayAssociate) {
    throw new IrsaError('PRECONDITION', `cluster "${session.name}" in ${session.region} has no IAM OIDC provider: IAM roles for service accounts cannot work without it`, {
      hint: `run \`${associateCommand(session)}\`${resolved.source.kind === 'file' ? ', or set iam.withOIDC: true in the file' : ''}`,
    });
  }

  if (mode === 'update') {
    const missing = selected.filter((s) => !s.attachRoleARN && !stacks.has(saId(s)));
    if (missing.length > 0) {
      throw new IrsaError('NOT_FOUND', `no stack for ${missing.map(saId).join(', ')} in cluster "${session.name}": nothing to update`, {
        hint: 'create it first with `irsactl create iamserviceaccount` (or use `irsactl apply`, which creates what is missing)',
      });
    }
  }

  const liveTemplates = new Map<string, unknown>();
  if (mode !== 'create') {
    await Promise.all(
      selected.map(async (s) => {
        const rec = stacks.get(saId(s));
        if (rec && !s.attachRoleARN) liveTemplates.set(rec.stackName, parseLiveTemplate(await session.aws.cfn.getTemplate(rec.stackId)));
      }),
    );
  }

  const needKube = selected.some((s) => !s.roleOnly);
  const serviceAccounts = needKube
    ? await observeServiceAccounts(await session.kube(), selected.filter((s) => !s.roleOnly))
    : new Map();

  const plan = planServiceAccounts({
    mode,
    model: resolved.cluster,
    selected,
    region: session.region,
    oidc,
    providerExists: Boolean(provider),
    stacks,
    liveTemplates,
    serviceAccounts,
    overrideExisting: opts.overrideExisting,
  });

  for (const item of plan.items) for (const w of item.warnings) rt.reporter.warn(w, item.id);

  if (!opts.approve) {
    printPlan(rt, plan, opts.output);
    if (countChanges(plan) > 0) rt.reporter.warn("no changes were applied, run again with '--approve' to apply the changes");
    else rt.reporter.ok('nothing to do: everything is as the configuration says');
    return { plan, session };
  }

  if (plan.oidcProvider.action === 'create') await ensureOidcProvider(rt, session, true, true);
  const results = await executePlan(
    {
      rt,
      cfn: session.aws.cfn,
      kube: needKube ? () => session.kube() : undefined,
      deadline: started + opts.timeoutMs,
      concurrency: opts.concurrency,
      mayAnnotateExisting: mode !== 'create' || opts.overrideExisting,
      commandHint: {
        cluster: session.name,
        region: session.region,
        configFile: resolved.source.kind === 'file' && resolved.source.path !== '-' ? resolved.source.path : undefined,
      },
    },
    plan,
  );
  printResults(rt, session, results, opts.output);
  const failed = results.filter((r) => r.error);
  const notStarted = results.filter((r) => r.stack === 'not-started' && !r.error);
  if (rt.signal.aborted) {
    throw new IrsaError('INTERRUPTED', `interrupted: ${notStarted.length} service account(s) not started${failed.length ? `, ${failed.length} failed` : ''}`, {
      hint: 'run the same command again: it converges from where this run stopped',
    });
  }
  if (failed.length > 0) {
    throw new IrsaError('PARTIAL', `${failed.length} of ${results.length} service account(s) failed: ${failed.map((f) => f.id).join(', ')}`, {
      hint: failed.length === 1 ? failed[0]!.error?.hint : 'see the messages above for each one',
    });
  }
  return { plan, results, session };
}

export function connectionOf(o: ConnectionOptions): ConnectionOptions {
  return { profile: o.profile, kubeconfig: o.kubeconfig, context: o.context, insecureSkipTlsVerify: o.insecureSkipTlsVerify };
}

export function printPlan(rt: Runtime, plan: Plan, output: ConvergeOptions['output']): void {
  if (output === 'json') writeResult(rt.io, toJson(planToData(plan)));
  else if (output === 'yaml') writeResult(rt.io, toYaml(planToData(plan)));
  else writeResult(rt.io, planToText(plan));
}

function printResults(rt: Runtime, session: ClusterSession, results: ItemResult[], output: ConvergeOptions['output']): void {
  const data = { cluster: session.name, region: session.region, serviceAccounts: results };
  if (output === 'json') writeResult(rt.io, toJson(data));
  else if (output === 'yaml') writeResult(rt.io, toYaml(data));
  else writeResult(rt.io, resultsToText(results));
}
