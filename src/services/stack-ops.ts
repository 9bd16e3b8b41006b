import type { CloudFormationPort, StackEvent, StackRecord } from '../aws/ports.js';
import { IrsaError } from '../errors.js';
import type { Runtime } from '../runtime/runtime.js';

// Stack operations shared by create/apply (replace) and delete.

/**
 * DeleteStack after switching off the termination protection eksctl's (and irsactl's) stacks carry. An endpoint
 * that does not implement UpdateTerminationProtection (a 5xx or an unreadable answer, e.g. moto) must not block
 * the delete: DeleteStack itself then says whether protection is really on. A 4xx (access denied) still fails.
 */
export async function deleteStackUnprotected(rt: Runtime, cfn: CloudFormationPort, stack: StackRecord, id: string): Promise<void> {
  if (stack.terminationProtection === true) {
    try {
      await cfn.setTerminationProtection(stack.stackId, false);
    } catch (err) {
      const status = err instanceof IrsaError ? err.httpStatus : undefined;
      if (status !== undefined && status < 500) throw err;
      rt.reporter.warn(`could not switch off termination protection on ${stack.stackName} (${err instanceof Error ? err.message : String(err)}): deleting anyway`, id);
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
