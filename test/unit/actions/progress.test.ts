import { describe, expect, it } from 'vitest';
import { progressText } from '../../../src/actions/progress.js';

describe('progress lines while stacks are in flight', () => {
  it('count the stacks, say how long the wait has gone on, and name each with its status', () => {
    expect(progressText([{ id: 'a/b', status: 'CREATE_IN_PROGRESS' }, { id: 'c/d', status: 'UPDATE_IN_PROGRESS' }, { id: 'e/f', status: 'DELETE_IN_PROGRESS' }], 90_000)).toBe(
      'waiting for 3 stacks (1m30s): a/b CREATE_IN_PROGRESS, c/d UPDATE_IN_PROGRESS, e/f DELETE_IN_PROGRESS',
    );
    expect(progressText([{ id: 'a/b', status: 'CREATE_IN_PROGRESS' }], 30_400)).toBe('waiting for 1 stack (30s): a/b CREATE_IN_PROGRESS');
    // a small interval (tests) still reads as a duration
    expect(progressText([{ id: 'a/b', status: 'CREATE_IN_PROGRESS' }], 40)).toBe('waiting for 1 stack (1s): a/b CREATE_IN_PROGRESS');
  });
});
