import type { StackMaker } from '../cfn/stack-maker.js';

// What executing a plan produced, per service account: read by the executors, the renderers and the exit.

export type StackOutcome =
  | 'created'
  | 'updated'
  | 'replaced'
  /** the stack was up to date and its role, changed outside CloudFormation, was restored through IAM */
  | 'repaired'
  | 'exists'
  | 'unchanged'
  | 'none'
  | 'skipped'
  | 'failed'
  | 'not-started'
  /** CloudFormation accepted the operation, and the run ended (--timeout, a signal) before it finished: it goes on */
  | 'in-progress';
export type SaOutcome = 'created' | 'annotated' | 'unchanged' | 'skipped' | 'failed' | 'not-started';

export interface ItemResult {
  id: string;
  namespace: string;
  name: string;
  stackName: string;
  roleArn?: string;
  stack: StackOutcome;
  /** the stack operation CloudFormation has accepted and is still running (until the wait for it ends) */
  inFlight?: 'create' | 'update' | 'delete';
  /** with inFlight: its request was sent and not yet answered, so CloudFormation may or may not have it */
  unanswered?: boolean;
  /** create only: how the existing stack differs from what was asked (it was left as it is) */
  differs?: string[];
  serviceAccount: SaOutcome;
  error?: { message: string; hint?: string };
}

/** One service account a delete (or apply's prune) worked on. */
export interface DeleteResult {
  id: string;
  stackName?: string;
  stack: 'deleted' | 'delete-requested' | 'absent' | 'failed' | 'not-started';
  serviceAccount: 'deleted' | 'annotation-removed' | 'kept' | 'absent' | 'failed' | 'not-started';
  note?: string;
  error?: string;
}

/** A stack of the cluster that the file does not name: who made it, and why apply deletes it or leaves it. */
export interface PruneItem {
  namespace: string;
  name: string;
  stackName: string;
  roleArn?: string;
  madeBy: StackMaker;
  reason: string;
}
