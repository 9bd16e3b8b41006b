import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor, exitCodeForOutcome, IrsaError, processExitCode, signalExitCode } from '../../src/errors.js';

describe('exit codes', () => {
  it('usage and config errors exit 2, an interrupt with its signal, everything else 1', () => {
    expect(exitCodeFor(new IrsaError('USAGE', 'x'))).toBe(EXIT.USAGE);
    expect(exitCodeFor(new IrsaError('CONFIG', 'x'))).toBe(EXIT.USAGE);
    expect(exitCodeFor(new IrsaError('INTERRUPTED', 'x', { signal: 'SIGTERM' }))).toBe(143);
    expect(exitCodeFor(new IrsaError('INTERRUPTED', 'x'))).toBe(130);
    expect(exitCodeFor(new IrsaError('STACK_FAILED', 'x'))).toBe(EXIT.FAILURE);
    expect(exitCodeFor(new Error('x'))).toBe(EXIT.FAILURE);
  });
  it('a signalled run exits with the signal\'s code whatever main returned', () => {
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
    expect(processExitCode(EXIT.OK, 'SIGTERM')).toBe(143);
    expect(processExitCode(EXIT.USAGE, 'SIGINT')).toBe(130);
    expect(processExitCode(EXIT.USAGE, undefined)).toBe(EXIT.USAGE);
  });
  it('a run that did not fail exits 3 for changes only when --exit-code asked for it', () => {
    expect(EXIT.CHANGES).toBe(3);
    expect(exitCodeForOutcome({ changes: true, detailed: true })).toBe(3);
    expect(exitCodeForOutcome({ changes: false, detailed: true })).toBe(0);
    expect(exitCodeForOutcome({ changes: true, detailed: false })).toBe(0);
    expect(exitCodeForOutcome(undefined)).toBe(0);
  });
});
