/**
 * Pure predicates over CloudFormation stack statuses. Terminal statuses fall into:
 * ok (CREATE/UPDATE/IMPORT_COMPLETE), create failure (must delete before re-create),
 * update rolled back (stable, usable, but the last update failed), deleted, and other failures.
 */

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

export function isDeleted(status: string): boolean {
  return status === 'DELETE_COMPLETE';
}

/** The stack is at rest and its resources exist: outputs can be read and updates accepted. */
export function isUsable(status: string): boolean {
  return isStableOk(status) || isUpdateRolledBack(status) || status === 'IMPORT_ROLLBACK_COMPLETE';
}

/**
 * A terminal status that means the last operation failed (includes rolled-back updates,
 * which are stable but not what was asked for). In-progress statuses are never failed,
 * e.g. UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS is still moving.
 */
export function isFailed(status: string): boolean {
  if (isInProgress(status)) return false;
  return status.includes('FAILED') || status.includes('ROLLBACK');
}
