import type { ConvergeSaOutcome, ConvergeStackOutcome, DeleteSaOutcome, DeleteStackOutcome, NotPruned } from '../output/run-document.js';

// What executing a plan produced, per service account: read by the executors, the renderers and the exit.
// The outcome values are the run document's (src/output/run-document.ts).

/**
 * 'repaired': the stack was up to date and its role, changed outside CloudFormation, was restored through IAM;
 * 'in-progress': CloudFormation accepted the operation, and the run ended (--timeout, a signal) before it finished: it goes on.
 */
export type StackOutcome = ConvergeStackOutcome;
export type SaOutcome = ConvergeSaOutcome;

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
  stack: DeleteStackOutcome;
  serviceAccount: DeleteSaOutcome;
  note?: string;
  error?: string;
}

/** A stack of the cluster that the file does not name: who made it, and why apply deletes it or leaves it. */
export type PruneItem = NotPruned;

/** What executing a pod identity plan produced, per association. */
export interface PodIdentityResult {
  mechanism: 'pod-identity';
  id: string;
  namespace: string;
  serviceAccountName: string;
  /** the role stack's name (eksctl's), also when no stack is made */
  stackName: string;
  roleArn?: string;
  stack: StackOutcome;
  inFlight?: 'create' | 'update' | 'delete';
  unanswered?: boolean;
  differs?: string[];
  association: 'created' | 'updated' | 'unchanged' | 'failed' | 'not-started';
  associationId?: string;
  serviceAccount: 'created' | 'unchanged' | 'none' | 'failed' | 'not-started';
  error?: { message: string; hint?: string };
}

/** One association a delete worked on: the association first, then the role stack it owns. */
export interface PodIdentityDeleteResult {
  mechanism: 'pod-identity';
  id: string;
  associationId?: string;
  association: 'deleted' | 'absent' | 'failed' | 'not-started';
  stackName?: string;
  stack: 'deleted' | 'delete-requested' | 'absent' | 'kept' | 'failed' | 'not-started';
  serviceAccount: 'deleted' | 'kept' | 'absent' | 'failed' | 'not-started';
  note?: string;
  error?: string;
}
