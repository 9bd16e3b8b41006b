import { controllerPolicyProblems, selectionRenders } from '../cfn/well-known-policies.js';
import { saId, type ClusterModel } from '../model/service-account.js';
import { awsLimitProblems } from './limits.js';
import { stackNameProblem } from './names.js';
import type { Path, PathSegment, RuleResult } from './problems.js';
import { CLUSTER_RULES, RENDERS_STACKS, collectingCheck, type RuleContext, type ServiceAccountCheck } from './rules.js';
import { SERVICE_ACCOUNT_RULES, rendersStack } from './service-account-rules.js';
import { checkStackNameCollisions } from './stack-collisions.js';
import { checkPodIdentityAssociations, checkPodIdentitySelections } from './pod-identity-rules.js';

export type { RuleContext } from './rules.js';

/**
 * Every rule over a normalized model, in a fixed order: the cluster's, each service account's, the AWS limits of
 * the stacks the command renders, stack names that collide, and for apply every pod identity association. All problems are collected, none stops the others.
 */
export function validateModel(model: ClusterModel, ctx: RuleContext): RuleResult {
  const { check, problems, warnings } = collectingCheck(model, ctx);

  for (const rule of CLUSTER_RULES) rule(check);

  const firstIndexById = new Map<string, number>();
  model.serviceAccounts.forEach((sa, i) => {
    if (sa.name !== '' && !firstIndexById.has(saId(sa))) firstIndexById.set(saId(sa), i);
  });
  model.serviceAccounts.forEach((sa, i) => {
    const at = (...rest: PathSegment[]): Path => ['iam', 'serviceAccounts', i, ...rest];
    const saCheck: ServiceAccountCheck = { ...check, sa, i, at, firstIndexById };
    for (const rule of SERVICE_ACCOUNT_RULES) rule(saCheck);
  });

  if (RENDERS_STACKS.has(ctx.kind)) {
    // Only stacks whose names the rules accepted can be rendered to measure them.
    const renderable = model.serviceAccounts.flatMap((sa, i) => (rendersStack(model, sa, ctx.kind) && !stackNameProblem(model.name, sa) && selectionRenders(sa.wellKnownPolicySelection) && (sa.controllerPolicies ?? []).every((cp) => controllerPolicyProblems(cp).length === 0) ? [i] : []));
    const limits = awsLimitProblems(model, renderable, ctx.loc, { applySetTag: ctx.kind === 'apply' });
    problems.push(...limits.problems);
    warnings.push(...limits.warnings);
  }
  checkStackNameCollisions(model, check.add);
  // apply converges both sections; the iamserviceaccount commands leave the associations alone
  if (ctx.kind === 'apply') checkPodIdentityAssociations(check);
  else if (ctx.kind === 'doctor') checkPodIdentitySelections(check);
  return { problems, warnings };
}
