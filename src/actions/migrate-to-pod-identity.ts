import { IrsaError } from '../errors.js';
import type { SaFilter } from '../config/filter.js';
import { toJson } from '../output/format.js';
import { writeResult } from '../output/reporter.js';
import { planHasChanges, planMigration, type MigrationPlan } from '../migration/plan.js';
import { planToJson, renderPlanText } from '../migration/render.js';
import { openCluster, type ClusterTarget } from '../runtime/cluster-session.js';
import type { Runtime } from '../runtime/runtime.js';
import { gatherMigrationFacts } from './migrate-facts.js';
import { executeMigration } from './migrate-execute.js';

// utils migrate-to-pod-identity: read the world, plan per ServiceAccount, print the plan; with --approve run the
// phases (or, with --rollback, their undoing) and print what each step did.

export interface MigrateOptions extends ClusterTarget {
  approve: boolean;
  rollback: boolean;
  /** --remove-oidc-provider-trust-relationship: phase 4, the cut-over */
  cutOver: boolean;
  filter: SaFilter;
  /** phase 3 also proves each association at EKS Auth (a TokenRequest for pods.eks.amazonaws.com), as doctor --live */
  live: boolean;
  output: 'text' | 'json';
}

/** Resolves with whether the plan had (or the run made) changes. */
export async function migrateToPodIdentity(rt: Runtime, opts: MigrateOptions): Promise<{ changes: boolean }> {
  const session = await openCluster(rt, opts);
  const facts = await gatherMigrationFacts(session, { filter: opts.filter });
  const plan: MigrationPlan = planMigration(facts, { mode: opts.rollback ? 'rollback' : 'migrate', cutOver: opts.cutOver });
  const print = (results?: Parameters<typeof renderPlanText>[1]) =>
    writeResult(rt.io, opts.output === 'json' ? toJson(planToJson(plan, results)) : renderPlanText(plan, results));
  if (!opts.approve || !planHasChanges(plan)) {
    print();
    return { changes: planHasChanges(plan) };
  }
  const oidc = facts.cluster.oidc;
  if (oidc === undefined || session.oidc === undefined) throw new IrsaError('INTERNAL', 'a plan with changes for a cluster without an OIDC issuer');
  const caller = await session.aws.sts.getCallerIdentity();
  const results = await executeMigration(
    {
      rt,
      aws: session.aws,
      kube: await session.kube(),
      cluster: session.name,
      region: session.region,
      oidc,
      verify: { target: { cluster: session.name, region: session.region, oidc: session.oidc, callerAccount: caller.account }, autoMode: facts.cluster.autoMode, live: opts.live },
    },
    plan,
  );
  print(results);
  const failed = results.filter((r) => r.error !== undefined);
  if (failed.length > 0) {
    throw new IrsaError('PARTIAL', `${failed.length} of ${results.length} ServiceAccount(s) did not finish: ${failed.map((f) => f.id).join(', ')}`, {
      hint: 'what finished stays; fix the cause above and run the same command again: it continues where this run stopped',
    });
  }
  return { changes: true };
}
