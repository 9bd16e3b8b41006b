import pLimit from 'p-limit';
import type { CloudFormationPort, StackEvent, StackRecord } from '../aws/ports.js';
import { IrsaError, isRunStopped } from '../errors.js';
import type { Narrator } from '../output/reporter.js';
import { podIdentityStackNameFor, ROLE_OUTPUT, stackNameFor } from '../model/naming.js';
import { isStableOk, LIVE_STACK_STATUSES, stuckNextStep } from '../cfn/stack-status.js';
import { foreignStackProblem, isOwnedBy, ownerIdIn, type RoleStackKind } from './ownership.js';
import type { StackWaiter } from './stack-waiter.js';

// The CloudFormation lifecycle of a service account's stack: discovery by tags, create, update, replace and delete,
// each waited for, and one clear message when one fails. Plain arguments only: no plan item, no runtime.

export type StackOperation = 'create' | 'update' | 'delete';

/** The stack a service account's operation is on. */
export interface StackTarget {
  stackName: string;
  /** `<ns>/<name>`: whose the stack must be (by its tags), and the subject of each narration line */
  id: string;
  cluster: string;
  region: string;
  /** whose stack it is: an iamserviceaccount's (the default) or a pod identity association's */
  kind?: RoleStackKind;
  /**
   * The next step after this stack's create or delete failed with `status` and is not stuck: the command a user
   * runs is the caller's to name.
   */
  nextStep(status: string, failedOp: 'create' | 'delete'): string;
}

/** What CreateStack and UpdateStack send. */
export interface StackBody {
  templateBody: string;
  capabilities: string[];
  tags: Record<string, string>;
}

export interface StackServices {
  cfn: CloudFormationPort;
  waiter: StackWaiter;
  narrator: Narrator;
}

/**
 * The operation CloudFormation has of this run while the service waits for it (and whether its request is still
 * unanswered): set and cleared by the service, read by a caller whose run stopped, to say the stack goes on.
 */
export interface InFlightOperation {
  inFlight?: StackOperation;
  unanswered?: boolean;
}

/** This cluster's role stacks of one kind, as discovery found them. */
export interface ClusterStacks {
  /** by `<ns>/<name>`: the stacks whose tags (and eksctl's name) say they are that service account's */
  owned: Map<string, StackRecord>;
  /** by stack name: every stack with this cluster's name prefix for the kind, whoever owns it */
  byName: Map<string, StackRecord>;
  /**
   * GetTemplate of the stacks named in roleStacks' `templatesOf`, sent beside their DescribeStacks rather than after
   * it, by stack id (the stack listed: a stack made under its name since has another id). Each failure stays in its
   * promise, awaited only by whoever uses that template.
   */
  templates: Map<string, Promise<string>>;
}

/**
 * The stack that holds `id`'s stack name but is not `id`'s (another service account's, another cluster's, no
 * one's), if any.
 */
export function squatterFor(stacks: ClusterStacks, cluster: string, spec: { namespace: string; name: string }): StackRecord | undefined {
  const found = stacks.byName.get(stackNameFor(cluster, spec));
  return found !== undefined && !isOwnedBy(found, cluster, `${spec.namespace}/${spec.name}`) ? found : undefined;
}

/** The same for a pod identity association's role stack. */
export function podIdentitySquatterFor(stacks: ClusterStacks, cluster: string, p: { namespace: string; serviceAccountName: string }): StackRecord | undefined {
  const found = stacks.byName.get(podIdentityStackNameFor(cluster, p));
  return found !== undefined && !isOwnedBy(found, cluster, `${p.namespace}/${p.serviceAccountName}`, 'podidentityassociation') ? found : undefined;
}

/** eksctl's stack names for this cluster's service accounts all start so. */
export const irsaStackPrefix = (cluster: string): string => `eksctl-${cluster}-addon-iamserviceaccount-`;
/** …and those of its pod identity associations' roles (not an add-on's: `eksctl-<cluster>-addon-<addon>-podidentityrole-<sa>`). */
export const podIdentityStackPrefix = (cluster: string): string => `eksctl-${cluster}-podidentityrole-`;

/**
 * Describes the listed candidates a few at a time: a burst of hundreds would draw CloudFormation's throttling.
 * GetTemplate has a limit of its own (CloudFormation throttles each API separately), so the templates wanted go
 * beside the describes: one round trip per few stacks, not two.
 */
const DESCRIBE_CONCURRENCY = 8;
const TEMPLATE_CONCURRENCY = 8;

/** Both kinds, from one listing. */
export interface RoleStacks {
  irsa: ClusterStacks;
  podIdentity: ClusterStacks;
}

/**
 * Read-only lookups, each made once per run. Stacks are found as eksctl finds them: one status-filtered,
 * paginated ListStacks, the names with this cluster's prefixes, then DescribeStacks by name for
 * each of those (tags and outputs). Never DescribeStacks without a name, so the cost of discovery grows with this
 * cluster's stacks plus the pages of one listing, and it works where AWS's guard policy
 * denies the unnamed call.
 */
export async function roleStacks(
  cfn: CloudFormationPort,
  cluster: string,
  kinds: readonly RoleStackKind[] = ['iamserviceaccount', 'podidentityassociation'],
  /** stack names whose templates the caller will read when the stacks are theirs: fetched with the describes */
  templatesOf: ReadonlySet<string> = new Set(),
): Promise<RoleStacks> {
  const prefixes: [RoleStackKind, string][] = [
    ['iamserviceaccount', irsaStackPrefix(cluster)],
    ['podidentityassociation', podIdentityStackPrefix(cluster)],
  ];
  const wanted = prefixes.filter(([k]) => kinds.includes(k));
  const kindOf = (name: string): RoleStackKind | undefined => wanted.find(([, prefix]) => name.startsWith(prefix))?.[0];
  const candidates = (await cfn.listStacks(LIVE_STACK_STATUSES)).filter((s) => kindOf(s.stackName) !== undefined);
  const limit = pLimit(DESCRIBE_CONCURRENCY);
  const templateLimit = pLimit(TEMPLATE_CONCURRENCY);
  const templates = new Map<string, Promise<string>>();
  for (const s of candidates) {
    if (!templatesOf.has(s.stackName)) continue;
    const template = templateLimit(() => cfn.getTemplate(s.stackId));
    template.catch(() => undefined);
    templates.set(s.stackId, template);
  }
  const records = await Promise.all(candidates.map((s) => limit(() => cfn.describeStack(s.stackName))));
  const found: RoleStacks = { irsa: { owned: new Map(), byName: new Map(), templates }, podIdentity: { owned: new Map(), byName: new Map(), templates } };
  for (const s of records) {
    // gone between the listing and the describe
    if (s === undefined || s.status === 'DELETE_COMPLETE') continue;
    const kind = kindOf(s.stackName);
    if (kind === undefined) continue;
    const into = kind === 'iamserviceaccount' ? found.irsa : found.podIdentity;
    into.byName.set(s.stackName, s);
    const id = ownerIdIn(s, cluster, kind);
    if (id !== undefined) into.owned.set(id, s);
  }
  return found;
}

/** This cluster's iamserviceaccount stacks only. */
export async function irsaStacks(cfn: CloudFormationPort, cluster: string, templatesOf?: ReadonlySet<string>): Promise<ClusterStacks> {
  return (await roleStacks(cfn, cluster, ['iamserviceaccount'], templatesOf)).irsa;
}

/** This cluster's pod identity role stacks only. */
export async function podIdentityStacks(cfn: CloudFormationPort, cluster: string, templatesOf?: ReadonlySet<string>): Promise<ClusterStacks> {
  return (await roleStacks(cfn, cluster, ['podidentityassociation'], templatesOf)).podIdentity;
}

/** CreateStack (termination protection on, as eksctl's), then the wait for it; resolves with the role's ARN. */
export async function createAndWait(s: StackServices, target: StackTarget, body: StackBody, progress: InFlightOperation): Promise<string> {
  const { cfn, narrator } = s;
  const { stackName, id } = target;
  narrator.info(`creating stack ${stackName}`, id);
  // Sent: from here on, a run that stops cannot say CloudFormation does not have it.
  progress.inFlight = 'create';
  progress.unanswered = true;
  let outcome: 'created' | 'exists';
  try {
    outcome = await cfn.createStack({ stackName, ...body, terminationProtection: true });
  } catch (err) {
    // An answer, and not "created", or a request the stopped run never sent: CloudFormation has nothing in flight
    // for us. Only a request cut short while unanswered may have reached it.
    if (!isRunStopped(err) || err.notSent === true) delete progress.inFlight;
    throw err;
  }
  if (outcome === 'exists') {
    // A create interrupted after CloudFormation accepted it (a retried request, a concurrent run) finds the stack
    // already there: wait for it like our own rather than failing (when its tags say it is ours).
    const found = await cfn.describeStack(stackName);
    if (found) {
      assertOurs(found, target);
      const stuck = stuckNextStep(found.status, found.stackName, target.region);
      if (stuck !== undefined) throw new IrsaError('STACK_FAILED', `stack ${stackName} already exists and is ${found.status}`, { hint: stuck });
    }
    narrator.info(`stack ${stackName} already exists: waiting for it`, id);
  }
  delete progress.unanswered;
  const done = await waitCreated(s, target, progress);
  narrator.ok(`created stack ${stackName}`, id);
  return done.roleArn;
}

/** A create still running (an earlier run stopped waiting for it): waits for it; resolves with the role's ARN. */
export async function waitForCreate(s: StackServices, target: StackTarget, status: string, progress: InFlightOperation): Promise<string> {
  s.narrator.info(`stack ${target.stackName} is ${status}: waiting for it`, target.id);
  const done = await waitCreated(s, target, progress);
  s.narrator.ok(`stack ${target.stackName} is ${done.status}`, target.id);
  return done.roleArn;
}

/** The wait for a create: the stack at rest and well, with its role's ARN, or the failure's message. */
async function waitCreated(s: StackServices, target: StackTarget, progress: InFlightOperation): Promise<{ status: string; roleArn: string }> {
  const rec = await waitInFlight(s.waiter, target.stackName, progress, 'create');
  const roleArn = rec?.outputs[ROLE_OUTPUT];
  if (!rec || !isStableOk(rec.status) || !roleArn) throw await stackFailure(s.cfn, target, rec, 'create');
  return { status: rec.status, roleArn };
}

/** UpdateStack, then the wait for it: 'no-change' when CloudFormation has nothing to do. */
export async function updateAndWait(s: StackServices, target: StackTarget, body: StackBody, progress: InFlightOperation): Promise<{ outcome: 'no-change' } | { outcome: 'updated'; roleArn?: string }> {
  const { cfn, narrator } = s;
  narrator.info(`updating stack ${target.stackName}`, target.id);
  if ((await cfn.updateStack({ stackName: target.stackName, ...body })) === 'no-change') return { outcome: 'no-change' };
  const rec = await waitInFlight(s.waiter, target.stackName, progress, 'update');
  if (!rec || !isStableOk(rec.status)) throw await stackFailure(cfn, target, rec, 'update');
  narrator.ok(`updated stack ${target.stackName}`, target.id);
  const roleArn = rec.outputs[ROLE_OUTPUT];
  return { outcome: 'updated', ...(roleArn !== undefined ? { roleArn } : {}) };
}

/** Deletes the stack that holds the name (once it is still ours) and creates it anew; resolves with the role's ARN. */
export async function replaceAndWait(s: StackServices, target: StackTarget, body: StackBody, progress: InFlightOperation): Promise<string> {
  const old = await s.cfn.describeStack(target.stackName);
  if (old) {
    // The plan saw our stack; whatever holds the name now must still be ours before it is deleted.
    assertOurs(old, target);
    await deleteStackUnprotected(s.cfn, s.narrator, old, target.id);
    const after = await waitInFlight(s.waiter, old.stackId, progress, 'delete');
    if (after) throw await stackFailure(s.cfn, target, after, 'delete');
  }
  return createAndWait(s, target, body, progress);
}

/** Waits for a stack being deleted to be gone; a delete that failed says why. */
export async function waitDeleted(s: Pick<StackServices, 'cfn' | 'waiter'>, stack: StackRecord): Promise<void> {
  const after = await s.waiter.wait(stack.stackId);
  if (!after) return;
  const reason = await failureReason(s.cfn, after);
  throw new IrsaError('STACK_FAILED', `stack ${stack.stackName} delete failed: ${after.status}${reason ? ` — ${reason}` : ''}`, {
    hint: 'remove what keeps CloudFormation from deleting that resource, then run the same delete again (it retries the stack)',
  });
}

const IN_FLIGHT_VERB = { create: 'being created', update: 'being updated', delete: 'being deleted' } as const;
const IN_FLIGHT_GERUND = { create: 'creating', update: 'updating', delete: 'deleting' } as const;

/** The run stopped waiting (`err`: --timeout, a signal); CloudFormation did not stop working: the stack goes on. */
export function stoppedInFlight(stackName: string, op: StackOperation, unanswered: boolean, err: IrsaError): IrsaError {
  const state = unanswered ? `may be ${IN_FLIGHT_VERB[op]} by CloudFormation: its request got no answer before the run stopped` : `is still ${IN_FLIGHT_VERB[op]} by CloudFormation`;
  return new IrsaError(err.code, `stack ${stackName} ${state} (${err.message})`, {
    hint: `CloudFormation goes on ${IN_FLIGHT_GERUND[op]} it; run the same command again to finish`,
    ...(err.signal !== undefined ? { signal: err.signal } : {}),
  });
}

/** Waits for a stack CloudFormation is working on; while it waits, `progress` says so. */
async function waitInFlight(waiter: StackWaiter, nameOrId: string, progress: InFlightOperation, op: StackOperation): Promise<StackRecord | undefined> {
  progress.inFlight = op;
  const rec = await waiter.wait(nameOrId);
  delete progress.inFlight;
  return rec;
}

/** A stack with this service account's name whose tags give it to someone else is never adopted, waited on or deleted. */
function assertOurs(stack: StackRecord, target: StackTarget): void {
  if (isOwnedBy(stack, target.cluster, target.id, target.kind)) return;
  const problem = foreignStackProblem(stack, { cluster: target.cluster, region: target.region, id: target.id, ...(target.kind ? { kind: target.kind } : {}) });
  throw new IrsaError('PRECONDITION', problem.message, { hint: problem.hint });
}

/** One clear message: the stack, its status, the failing resource's reason, and the next command. */
async function stackFailure(cfn: CloudFormationPort, target: StackTarget, rec: StackRecord | undefined, op: StackOperation): Promise<IrsaError> {
  const status = rec?.status ?? 'missing';
  const reason = rec ? await failureReason(cfn, rec) : undefined;
  const stuck = rec ? stuckNextStep(rec.status, rec.stackName, target.region) : undefined;
  const hint = stuck ?? (op === 'update' ? 'CloudFormation rolled the update back; the role is as it was. Fix the cause and run the same command again' : target.nextStep(status, op));
  return new IrsaError('STACK_FAILED', `stack ${target.stackName} ${op} failed: ${status}${reason ? ` — ${reason}` : ''}`, { hint });
}

/**
 * DeleteStack after switching off the termination protection eksctl's (and irsactl's) stacks carry. An endpoint
 * that does not implement UpdateTerminationProtection (a 5xx or an unreadable answer, e.g. moto) must not block
 * the delete: DeleteStack itself then says whether protection is really on. A 4xx (access denied) still fails.
 */
export async function deleteStackUnprotected(cfn: CloudFormationPort, narrator: Narrator, stack: StackRecord, id: string): Promise<void> {
  if (stack.terminationProtection === true) {
    try {
      await cfn.setTerminationProtection(stack.stackId, false);
    } catch (err) {
      const status = err instanceof IrsaError ? err.httpStatus : undefined;
      if (status !== undefined && status < 500) throw err;
      narrator.warn(`could not switch off termination protection on ${stack.stackName} (${err instanceof Error ? err.message : String(err)}): deleting anyway`, id);
    }
  }
  await cfn.deleteStack(stack.stackId);
}

/** Stack-level statuses that begin an operation (a rollback or cleanup continues one). */
const OPERATION_START = new Set(['CREATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'DELETE_IN_PROGRESS', 'IMPORT_IN_PROGRESS']);
/** What CloudFormation writes on the siblings it stops once one resource has failed: never the cause. */
const CANCELLED = /^Resource (creation|update|deletion|import) cancelled\.?$/i;

/**
 * The root cause among a stack's events (newest first, as CloudFormation returns them): the first resource that
 * failed in the latest operation. CloudFormation cancels the siblings still in flight after that failure, and
 * their "Resource creation cancelled" events come later, so the newest failure is usually a victim.
 */
export function rootCauseEvent(events: readonly StackEvent[], stackName: string): StackEvent | undefined {
  const isStack = (e: StackEvent) => e.logicalResourceId === stackName && (e.resourceType === 'AWS::CloudFormation::Stack' || e.resourceType === '');
  const start = events.findIndex((e) => isStack(e) && OPERATION_START.has(e.resourceStatus));
  const latest = start < 0 ? events : events.slice(0, start + 1);
  const failed = latest.filter((e) => !isStack(e) && /FAILED$/.test(e.resourceStatus) && e.resourceStatusReason);
  // oldest first: the list is newest first
  return [...failed].reverse().find((e) => !CANCELLED.test(e.resourceStatusReason!.trim())) ?? failed[failed.length - 1];
}

/**
 * Why a stack failed, in one line: the root-cause resource event with its reason (e.g.
 * "Role1 CREATE_FAILED: …"), else the stack's own status reason.
 */
export async function failureReason(cfn: CloudFormationPort, rec: StackRecord): Promise<string | undefined> {
  try {
    const cause = rootCauseEvent(await cfn.describeStackEvents(rec.stackId), rec.stackName);
    if (cause) return `${cause.logicalResourceId} ${cause.resourceStatus}: ${cause.resourceStatusReason}`;
  } catch {
    // the status alone still says what happened
  }
  return rec.statusReason;
}
