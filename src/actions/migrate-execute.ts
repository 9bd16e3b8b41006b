import pLimit from 'p-limit';
import type { AwsPorts } from '../aws/ports.js';
import type { KubePort } from '../k8s/ports.js';
import { isConflict, isForbidden } from '../k8s/errors.js';
import { IrsaError, isRunStopped } from '../errors.js';
import { parseLiveTemplate } from '../cfn/diff.js';
import { ROLE_ARN_ANNOTATION } from '../model/kubernetes.js';
import { shellCommand } from '../model/suggested-commands.js';
import type { MigrationPlan, MigrationStep, ServiceAccountPlan, TrustVia } from '../migration/plan.js';
import { oidcTrustFor, sameStatement, trustsPodIdentity, withOidcTrust, withoutMigrationTrust, withoutOidcTrust, withPodIdentityTrust, hasMigrationTrust, type OidcSubject } from '../migration/trust.js';
import { judgeVerification } from '../migration/verify.js';
import type { DoctorTarget, PodsLookup } from '../doctor/facts.js';
import { checkPodIdentityChain } from '../doctor/pod-identity-checks.js';
import { podIdentityFactsReader } from '../services/pod-identity-facts.js';
import type { ItemOutcome, StepOutcome } from '../migration/render.js';
import { formatDuration, sleepUnlessStopped } from '../net/run-control.js';
import type { Runtime } from '../runtime/runtime.js';
import { ownerIdIn } from '../services/ownership.js';
import { createAssociation, deleteAssociation } from '../services/pod-identity.js';
import { StackWaiter } from '../services/stack-waiter.js';
import { updateAndWait, type StackServices } from '../services/stacks.js';

// The migration's phases, in order, each verified before the next: (1) dual trust, (2) associations, (3) verification,
// (4) cut-over (annotation, then OIDC trust); and rollback's, in reverse. Every step reads the world again and changes
// only what is still to change, so a run stopped anywhere is continued (or undone) by running the command again.

type StepResult = StepOutcome;
/** error: the first failure; the item's later phases are skipped */
type ItemResult = ItemOutcome;

export interface ExecuteContext {
  rt: Runtime;
  aws: AwsPorts;
  kube: KubePort;
  cluster: string;
  region: string;
  oidc: { providerArn: string; issuerHostPath: string };
  /** phase 3 runs the doctor's Pod Identity checks for this target; live: --live's EKS Auth exchange */
  verify: { target: DoctorTarget; autoMode: boolean; live: boolean };
}

const CONCURRENCY = 4;
/** EKS Auth exchanges per ServiceAccount in phase 3 with --live, while only the exchange fails */
const LIVE_ATTEMPTS = 5;
const NAMED_IAM = 'CAPABILITY_NAMED_IAM';

type TrustEdit = (doc: unknown) => unknown;
type TrustStep = Extract<MigrationStep, { via: string }>;

interface Work {
  item: ServiceAccountPlan;
  result: ItemResult;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function fail(rt: Runtime, w: Work, action: MigrationStep['action'], err: unknown): void {
  if (isRunStopped(err)) throw err;
  const hint = err instanceof IrsaError ? err.hint : undefined;
  rt.reporter.warn(`${action} failed: ${messageOf(err)}; its later phases are skipped${hint !== undefined ? `. Fix: ${hint}` : ''}`, w.item.id);
  w.result.steps.push({ action, outcome: 'failed', detail: messageOf(err) });
  w.result.error = { message: messageOf(err), ...(hint !== undefined ? { hint } : {}) };
}

const subjectOf = (ctx: ExecuteContext, item: ServiceAccountPlan): OidcSubject => ({ ...ctx.oidc, namespace: item.namespace, name: item.name });

/** The role's trust policy, edited where its owner keeps it: the stack's template (UpdateStack), else IAM. Resolves with the trust IAM has after. */
async function editTrust(ctx: ExecuteContext, stacks: StackServices, id: string, via: TrustVia, roleArn: string, edit: TrustEdit): Promise<{ changed: boolean; trust: unknown }> {
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  let changed = true;
  if (via.via === 'iam') {
    const role = await ctx.aws.iam.getRole(roleName);
    if (role === undefined) throw new IrsaError('NOT_FOUND', `role ${roleArn} no longer exists`);
    const next = edit(role.trustPolicy);
    if (sameStatement(next, role.trustPolicy)) return { changed: false, trust: role.trustPolicy };
    await ctx.aws.iam.updateAssumeRolePolicy(roleName, next);
    ctx.rt.reporter.ok(`updated the trust policy of role ${roleName} (IAM UpdateAssumeRolePolicy)`, id);
  } else {
    const rec = await ctx.aws.cfn.describeStack(via.stackName);
    const owner = rec === undefined ? undefined : ownerIdIn(rec, ctx.cluster);
    if (rec === undefined || owner === undefined) {
      throw new IrsaError('PRECONDITION', `stack ${via.stackName} is gone or no longer this cluster's: the trust of role ${roleArn} is left as it is`, {
        hint: 'run the command again: the plan reads the stacks afresh',
      });
    }
    const template = parseLiveTemplate(await ctx.aws.cfn.getTemplate(via.stackName)) as { Resources?: Record<string, { Properties?: Record<string, unknown> }> };
    const props = template.Resources?.Role1?.Properties;
    if (props === undefined) throw new IrsaError('PRECONDITION', `stack ${via.stackName} has no Role1 in its template`);
    const next = edit(props.AssumeRolePolicyDocument);
    if (sameStatement(next, props.AssumeRolePolicyDocument)) changed = false;
    else {
      props.AssumeRolePolicyDocument = next;
      const capabilities = rec.capabilities.length > 0 ? rec.capabilities : props.RoleName !== undefined ? [NAMED_IAM] : ['CAPABILITY_IAM'];
      const target = { stackName: via.stackName, id: owner, cluster: ctx.cluster, region: ctx.region, nextStep: () => shellCommand('irsactl', 'get', 'iamserviceaccount', '--cluster', ctx.cluster, '--region', ctx.region) };
      await updateAndWait(stacks, target, { templateBody: JSON.stringify(template), capabilities, tags: rec.tags }, {});
    }
  }
  const after = await ctx.aws.iam.getRole(roleName);
  if (after === undefined) throw new IrsaError('NOT_FOUND', `role ${roleArn} no longer exists`);
  return { changed, trust: after.trustPolicy };
}

/** Runs `fn` for each live item that has a step of `action`, CONCURRENCY at once; a trust step's items of one role one after another. */
async function phase<S extends MigrationStep>(rt: Runtime, works: Work[], action: S['action'], fn: (w: Work, step: S) => Promise<StepResult>): Promise<void> {
  const live = works.filter((w) => w.result.error === undefined && w.item.steps.some((s) => s.action === action));
  const byRole = new Map<string, Work[]>();
  for (const w of live) {
    const step = w.item.steps.find((s) => s.action === action) as S;
    const key = 'via' in step ? step.roleArn : w.item.id;
    byRole.set(key, [...(byRole.get(key) ?? []), w]);
  }
  const limit = pLimit(CONCURRENCY);
  await Promise.all(
    [...byRole.values()].map((group) =>
      limit(async () => {
        for (const w of group) {
          const step = w.item.steps.find((s) => s.action === action) as S;
          try {
            w.result.steps.push(await fn(w, step));
          } catch (err) {
            fail(rt, w, action, err);
          }
        }
      }),
    ),
  );
}

/** An edit, then the check that IAM now says what it should: a trust step is verified before the next phase. */
function trustStep(ctx: ExecuteContext, stacks: StackServices, edit: (w: Work) => TrustEdit, holds: (w: Work, trust: unknown) => boolean, what: string) {
  return async (w: Work, step: TrustStep): Promise<StepResult> => {
    const { changed, trust } = await editTrust(ctx, stacks, w.item.id, step, step.roleArn, edit(w));
    if (!holds(w, trust)) throw new IrsaError('AWS', `role ${step.roleArn}: ${what} did not take effect (IAM's trust policy is not as expected)`, { hint: 'run the command again in a minute' });
    return { action: step.action, outcome: changed ? 'done' : 'unchanged' };
  };
}

async function setAnnotation(kube: KubePort, namespace: string, name: string, value: string | undefined): Promise<'done' | 'unchanged'> {
  for (let attempt = 1; ; attempt++) {
    const sa = await kube.getServiceAccount(namespace, name);
    if (sa === undefined) throw new IrsaError('NOT_FOUND', `ServiceAccount ${namespace}/${name} does not exist`);
    if (sa.annotations[ROLE_ARN_ANNOTATION] === value) return 'unchanged';
    const annotations = { ...sa.annotations };
    if (value === undefined) delete annotations[ROLE_ARN_ANNOTATION];
    else annotations[ROLE_ARN_ANNOTATION] = value;
    try {
      const after = await kube.patchServiceAccountMetadata({ ...sa, annotations });
      if (after.annotations[ROLE_ARN_ANNOTATION] !== value) throw new IrsaError('KUBERNETES', `ServiceAccount ${namespace}/${name}: the annotation change did not take effect`);
      return 'done';
    } catch (err) {
      if (!isConflict(err) || attempt >= 3) throw err;
    }
  }
}

export async function executeMigration(ctx: ExecuteContext, plan: MigrationPlan): Promise<ItemResult[]> {
  const { rt, aws } = ctx;
  const waiter = new StackWaiter(aws.cfn, { deadline: rt.run.deadline, intervalMs: rt.pollIntervalMs, maxIntervalMs: rt.maxPollIntervalMs, signal: rt.signal });
  const stacks: StackServices = { cfn: aws.cfn, waiter, narrator: rt.reporter };
  const works: Work[] = plan.items.filter((i) => i.status !== 'blocked').map((item) => ({ item, result: { id: item.id, steps: [] } }));
  const target = (w: Work) => ({ cluster: ctx.cluster, namespace: w.item.namespace, serviceAccount: w.item.name, id: w.item.id });
  const oidc = (w: Work) => subjectOf(ctx, w.item);

  if (plan.mode === 'migrate') {
    rt.reporter.info('phase 1: dual trust (the OIDC provider and pods.eks.amazonaws.com)');
    await phase(rt, works, 'add-pod-identity-trust', trustStep(ctx, stacks, () => withPodIdentityTrust, (_w, t) => trustsPodIdentity(t), 'the pods.eks.amazonaws.com trust'));
    rt.reporter.info('phase 2: pod identity associations');
    await phase<Extract<MigrationStep, { action: 'create-association' }>>(rt, works, 'create-association', async (w, step) => {
      const { outcome } = await createAssociation(aws.eks, rt.reporter, target(w), { fields: { roleArn: step.roleArn }, tags: step.tags, roleIsNew: true }, {
        decide: (found) => (found.roleArn === step.roleArn ? { unchanged: true } : { refuse: `${w.item.id} has an association with role ${found.roleArn} now, not ${step.roleArn}: left as it is` }),
      });
      return { action: step.action, outcome: outcome === 'created' ? 'done' : 'unchanged' };
    });
    rt.reporter.info('phase 3: verification');
    // Read after phase 2, so the associations it made are listed.
    const piFacts = podIdentityFactsReader({
      aws,
      kube: ctx.kube,
      cluster: { name: ctx.cluster, autoMode: ctx.verify.autoMode },
      callerAccount: ctx.verify.target.callerAccount,
      getRole: (name) => aws.iam.getRole(name),
      live: ctx.verify.live,
    });
    const podsIn = new Map<string, Promise<PodsLookup>>();
    const pods = (namespace: string) => {
      let hit = podsIn.get(namespace);
      if (hit === undefined) {
        hit = ctx.kube.listPods(namespace).then(
          (list): PodsLookup => ({ kind: 'listed', pods: list }),
          (err: unknown): PodsLookup => {
            if (isForbidden(err)) return { kind: 'forbidden', message: messageOf(err) };
            throw err;
          },
        );
        podsIn.set(namespace, hit);
      }
      return hit;
    };
    await phase<Extract<MigrationStep, { action: 'verify' }>>(rt, works, 'verify', async (w, step) => {
      const { namespace, name } = w.item;
      const sa = await ctx.kube.getServiceAccount(namespace, name);
      const podsOf = await pods(namespace);
      const judge = async () => {
        const podIdentity = await piFacts.factsFor(namespace, name, sa);
        const checks = checkPodIdentityChain(ctx.verify.target, { namespace, name, ...(sa !== undefined ? { serviceAccount: sa } : {}), pods: podsOf, podIdentity });
        return { live: podIdentity.live, v: judgeVerification({ id: w.item.id, expectedRoleArn: step.roleArn, association: podIdentity.association, checks, cutOver: plan.cutOver }) };
      };
      let { live, v } = await judge();
      // IAM is eventually consistent: the trust phase 1 just wrote can take seconds to reach EKS Auth. When the
      // exchange is all that fails, ask again (2, 4, 8, 10 s by default) before calling it a failure.
      for (let attempt = 1; attempt < LIVE_ATTEMPTS && live.kind === 'auth-failed' && v.failures.length === 1; attempt++) {
        const wait = Math.min(rt.pollIntervalMs * 2 ** attempt, rt.maxPollIntervalMs);
        rt.reporter.info(`EKS Auth refused the token (${live.message}); IAM changes take seconds to reach it, so asking again in ${formatDuration(wait)}`, w.item.id);
        await sleepUnlessStopped(wait, rt.signal);
        ({ live, v } = await judge());
      }
      for (const warning of v.warnings) rt.reporter.warn(warning.fix !== undefined ? `${warning.message}; ${warning.fix}` : warning.message, w.item.id);
      if (v.failures.length > 0) {
        throw new IrsaError('CHECK_FAILED', `verification failed for ${w.item.id}: ${v.failures.map((f) => f.message).join('; ')}`, {
          hint: `nothing was cut over; ${v.failures.map((f) => f.fix ?? 'fix it').join('; ')}; then run the command again`,
        });
      }
      const proven = v.passed.find((p) => p.id === 'pod-identity-live');
      rt.reporter.ok(`Pod Identity gives it its role (${v.passed.length} checks passed${proven !== undefined ? `; ${proven.message}` : ''})`, w.item.id);
      return { action: step.action, outcome: 'done' };
    });
    rt.reporter.info(plan.cutOver ? 'phase 4: cut-over (the annotation, then the OIDC trust)' : 'phase 4 (cut-over) not asked for: --remove-oidc-provider-trust-relationship');
    await phase(rt, works, 'remove-annotation', async (w) => {
      const outcome = await setAnnotation(ctx.kube, w.item.namespace, w.item.name, undefined);
      if (outcome === 'done') rt.reporter.ok(`removed the ${ROLE_ARN_ANNOTATION} annotation`, w.item.id);
      return { action: 'remove-annotation', outcome };
    });
    await phase(rt, works, 'remove-oidc-trust', trustStep(ctx, stacks, (w) => (d) => withoutOidcTrust(d, oidc(w)), (w, t) => oidcTrustFor(t, oidc(w)).kind === 'none', 'removing the OIDC trust'));
  } else {
    rt.reporter.info('rollback: annotations, OIDC trust, associations, then the pods.eks.amazonaws.com trust');
    await phase<Extract<MigrationStep, { action: 'restore-annotation' }>>(rt, works, 'restore-annotation', async (w, step) => {
      const outcome = await setAnnotation(ctx.kube, w.item.namespace, w.item.name, step.roleArn);
      if (outcome === 'done') rt.reporter.ok(`put back ${ROLE_ARN_ANNOTATION}: ${step.roleArn}`, w.item.id);
      return { action: step.action, outcome };
    });
    await phase(rt, works, 'restore-oidc-trust', trustStep(ctx, stacks, (w) => (d) => withOidcTrust(d, oidc(w)), (w, t) => oidcTrustFor(t, oidc(w)).kind !== 'none', 'restoring the OIDC trust'));
    await phase<Extract<MigrationStep, { action: 'delete-association' }>>(rt, works, 'delete-association', async (w, step) => {
      const outcome = await deleteAssociation(aws.eks, rt.reporter, target(w), step.associationId);
      return { action: step.action, outcome: outcome === 'deleted' ? 'done' : 'unchanged' };
    });
    await phase(rt, works, 'remove-pod-identity-trust', trustStep(ctx, stacks, () => withoutMigrationTrust, (_w, t) => !hasMigrationTrust(t), 'removing the pods.eks.amazonaws.com trust'));
  }
  for (const w of works) {
    const ran = new Set(w.result.steps.map((s) => s.action));
    for (const s of w.item.steps) if (!ran.has(s.action)) w.result.steps.push({ action: s.action, outcome: 'skipped' });
  }
  return works.map((w) => w.result);
}
