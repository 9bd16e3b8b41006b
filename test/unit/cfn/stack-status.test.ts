import { describe, expect, it } from 'vitest';
import {
  isCreateFailure,
  isInProgress,
  isStableOk,
  isUpdateRolledBack,
  isUsable,
  isMoving,
  isStuck,
  stuckNextStep,
  ALL_STACK_STATUSES,
  LIVE_STACK_STATUSES,
  MOVING_STACK_STATUSES,
} from '../../../src/cfn/stack-status.js';

// Every StackStatus value in the CloudFormation API.
const ALL = [
  'CREATE_IN_PROGRESS', 'CREATE_FAILED', 'CREATE_COMPLETE',
  'ROLLBACK_IN_PROGRESS', 'ROLLBACK_FAILED', 'ROLLBACK_COMPLETE',
  'DELETE_IN_PROGRESS', 'DELETE_FAILED', 'DELETE_COMPLETE',
  'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE', 'UPDATE_FAILED',
  'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_FAILED', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE',
  'REVIEW_IN_PROGRESS',
  'IMPORT_IN_PROGRESS', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_IN_PROGRESS', 'IMPORT_ROLLBACK_FAILED', 'IMPORT_ROLLBACK_COMPLETE',
];
const where = (p: (s: string) => boolean): string[] => ALL.filter(p);

describe('stack status predicates', () => {
  it('classify every status', () => {
    expect(where(isInProgress)).toEqual(ALL.filter((s) => s.endsWith('IN_PROGRESS')));
    expect(where(isStableOk)).toEqual(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);
    expect(where(isCreateFailure)).toEqual(['CREATE_FAILED', 'ROLLBACK_FAILED', 'ROLLBACK_COMPLETE']);
    expect(where(isUpdateRolledBack)).toEqual(['UPDATE_ROLLBACK_COMPLETE']);
    expect(where(isUsable)).toEqual(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);
    expect(where(isStuck)).toEqual(['UPDATE_FAILED', 'UPDATE_ROLLBACK_FAILED', 'REVIEW_IN_PROGRESS', 'IMPORT_ROLLBACK_FAILED']);
  });

  it('put every terminal status but the deletion\'s own in exactly one of usable, create failure, stuck', () => {
    for (const s of ALL.filter((x) => !isInProgress(x) && !x.startsWith('DELETE_'))) {
      expect([isUsable(s), isCreateFailure(s), isStuck(s)].filter(Boolean), s).toHaveLength(1);
    }
  });
});

describe('statuses for listing, waiting and next steps', () => {
  it('the status list is the API model\'s, and discovery lists every one but DELETE_COMPLETE', () => {
    expect([...ALL_STACK_STATUSES]).toEqual(ALL);
    expect(LIVE_STACK_STATUSES).toEqual(ALL.filter((s) => s !== 'DELETE_COMPLETE'));
  });

  it('the waiter waits only on statuses CloudFormation finishes by itself', () => {
    expect(MOVING_STACK_STATUSES).toEqual(ALL.filter((s) => s.endsWith('_IN_PROGRESS') && s !== 'REVIEW_IN_PROGRESS'));
    expect(where(isMoving)).toEqual(MOVING_STACK_STATUSES);
  });

  it('names the way out of each status that needs a person, and nothing for the others', () => {
    const stuck = where((s) => stuckNextStep(s, 'st', 'eu-west-1') !== undefined);
    expect(stuck).toEqual(['UPDATE_FAILED', 'UPDATE_ROLLBACK_FAILED', 'REVIEW_IN_PROGRESS', 'IMPORT_ROLLBACK_FAILED']);
    expect(stuckNextStep('UPDATE_ROLLBACK_FAILED', 'st', 'eu-west-1')).toContain('aws cloudformation continue-update-rollback --stack-name st --region eu-west-1');
    expect(stuckNextStep('UPDATE_FAILED', 'st', 'eu-west-1')).toContain('aws cloudformation rollback-stack --stack-name st --region eu-west-1');
    expect(stuckNextStep('REVIEW_IN_PROGRESS', 'st', 'eu-west-1')).toContain('aws cloudformation delete-stack --stack-name st --region eu-west-1');
  });
});
