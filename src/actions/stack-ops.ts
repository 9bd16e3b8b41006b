import type { CloudFormationPort, StackRecord } from '../aws/ports.js';
import { IrsaError } from '../errors.js';
import type { Runtime } from './runtime.js';

/** Stack operations shared by create/apply (replace) and delete. */

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

/**
 * Why a stack failed, in one line: the newest failed resource event with its reason (e.g.
 * "Role1 CREATE_FAILED: …"), else the stack's own status reason.
 */
export async function failureReason(cfn: CloudFormationPort, rec: StackRecord): Promise<string | undefined> {
  try {
    const events = await cfn.describeStackEvents(rec.stackId);
    const failed = events.find((e) => /FAILED$/.test(e.resourceStatus) && e.resourceStatusReason && e.logicalResourceId !== rec.stackName);
    if (failed) return `${failed.logicalResourceId} ${failed.resourceStatus}: ${failed.resourceStatusReason}`;
  } catch {
    // the status alone still says what happened
  }
  return rec.statusReason;
}
