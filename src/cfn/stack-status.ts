/**
 * Pure predicates over CloudFormation stack statuses. Terminal statuses fall into:
 * usable (CREATE/UPDATE/IMPORT_COMPLETE, and the rolled-back update or import), create failure (must delete before
 * re-create), stuck (someone has to act in CloudFormation), and the deletion's own.
 */

/** Every status in CloudFormation's API model (botocore cloudformation 2010-05-15, StackStatus). */
export const ALL_STACK_STATUSES = [
  'CREATE_IN_PROGRESS',
  'CREATE_FAILED',
  'CREATE_COMPLETE',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_FAILED',
  'ROLLBACK_COMPLETE',
  'DELETE_IN_PROGRESS',
  'DELETE_FAILED',
  'DELETE_COMPLETE',
  'UPDATE_IN_PROGRESS',
  'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
  'UPDATE_COMPLETE',
  'UPDATE_FAILED',
  'UPDATE_ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_FAILED',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE',
  'REVIEW_IN_PROGRESS',
  'IMPORT_IN_PROGRESS',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_IN_PROGRESS',
  'IMPORT_ROLLBACK_FAILED',
  'IMPORT_ROLLBACK_COMPLETE',
] as const;

/** Discovery lists every stack that still exists. */
export const LIVE_STACK_STATUSES: readonly string[] = ALL_STACK_STATUSES.filter((s) => s !== 'DELETE_COMPLETE');

/**
 * An operation is running and CloudFormation will finish it by itself. REVIEW_IN_PROGRESS is not one: a stack
 * made by a CREATE change set stays in it until someone executes or deletes the change set.
 */
export function isMoving(status: string): boolean {
  return status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS';
}

/** The statuses the waiter's ListStacks asks for: the stacks still moving. */
export const MOVING_STACK_STATUSES: readonly string[] = ALL_STACK_STATUSES.filter(isMoving);

/** Any *_IN_PROGRESS status, including REVIEW_IN_PROGRESS and the *_CLEANUP_IN_PROGRESS ones. */
export function isInProgress(status: string): boolean {
  return status.endsWith('_IN_PROGRESS');
}

/** The last operation finished and succeeded. */
export function isStableOk(status: string): boolean {
  return status === 'CREATE_COMPLETE' || status === 'UPDATE_COMPLETE' || status === 'IMPORT_COMPLETE';
}

/** Creation failed: the stack holds no usable role and must be deleted before it can be created again. */
export function isCreateFailure(status: string): boolean {
  return status === 'CREATE_FAILED' || status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED';
}

/** Stable on the previous template: the role works, but the last update did not apply. */
export function isUpdateRolledBack(status: string): boolean {
  return status === 'UPDATE_ROLLBACK_COMPLETE';
}

/** The stack is at rest and its resources exist: outputs can be read and updates accepted. */
export function isUsable(status: string): boolean {
  return isStableOk(status) || isUpdateRolledBack(status) || status === 'IMPORT_ROLLBACK_COMPLETE';
}

/** Neither irsactl nor time gets the stack out of this status: someone has to act on it (see stuckNextStep). */
export function isStuck(status: string): boolean {
  return stuckNextStep(status, '', '') !== undefined;
}

/**
 * A stack that neither irsactl nor time will get out of its status: someone has to act on it in CloudFormation.
 * The next step is the command (or action) that does, for the stack named `stack` in `region`.
 */
export function stuckNextStep(status: string, stack: string, region: string): string | undefined {
  const where = `--stack-name ${stack} --region ${region}`;
  switch (status) {
    case 'UPDATE_ROLLBACK_FAILED':
      return `CloudFormation could not roll the last update back: fix what the stack's events name (aws cloudformation describe-stack-events ${where}), then run \`aws cloudformation continue-update-rollback ${where}\` (add --resources-to-skip for a resource that cannot be rolled back), then run this command again`;
    case 'UPDATE_FAILED':
      return `the last update failed with rollback disabled: run \`aws cloudformation rollback-stack ${where}\`, or fix the cause and run the update again`;
    case 'IMPORT_ROLLBACK_FAILED':
      return `an import into this stack failed and could not be rolled back: see \`aws cloudformation describe-stack-events ${where}\`, fix the resource it names, then run the import again or delete the stack`;
    case 'REVIEW_IN_PROGRESS':
      return `the stack was made by a change set that was never executed, and stays so until someone acts: execute it (aws cloudformation list-change-sets ${where}), or delete it with \`aws cloudformation delete-stack ${where}\` and run this command again`;
    default:
      return undefined;
  }
}
