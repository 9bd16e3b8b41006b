import { describe, expect, it } from 'vitest';
import { IrsaError } from '../../../src/errors.js';
import { isConflict, isForbidden, isNotFound, isTransientKubeError, mapKubeError, retryDelayMs } from '../../../src/k8s/errors.js';

const site = { verb: 'patch', resource: 'serviceaccounts', namespace: 'default', name: 'app' };
/** client-node's ApiException: the HTTP status in `code`, the Status object in `body`. */
const apiError = (status: number, body: unknown = {}) => Object.assign(new Error(`HTTP ${status}`), { code: status, body });
const socketError = (code: string) => Object.assign(new Error('request failed'), { cause: Object.assign(new Error(code), { code }) });

describe('status helpers', () => {
  it('tell a conflict, a refusal and an absence apart by the mapped status', () => {
    const conflict = mapKubeError(apiError(409, JSON.stringify({ message: 'the object has been modified' })), site, 'https://k', true);
    const forbidden = mapKubeError(apiError(403), site, 'https://k', true);
    const missing = mapKubeError(apiError(404), site, 'https://k', true);
    expect([isConflict(conflict), isForbidden(conflict), isNotFound(conflict)]).toEqual([true, false, false]);
    expect([isConflict(forbidden), isForbidden(forbidden), isNotFound(forbidden)]).toEqual([false, true, false]);
    expect([isConflict(missing), isForbidden(missing), isNotFound(missing)]).toEqual([false, false, true]);
    expect(conflict.message).toBe('patch serviceaccounts "app" in namespace default failed (HTTP 409): the object has been modified');
  });
  it('take only irsactl errors: a raw client error is not yet a decision', () => {
    expect(isConflict(apiError(409))).toBe(false);
    expect(isForbidden(apiError(403))).toBe(false);
    expect(isForbidden(new IrsaError('KUBERNETES', 'x', { httpStatus: 403 }))).toBe(true);
  });
  it('a namespace being deleted is a 403 of its own message', () => {
    const err = mapKubeError(apiError(403, { details: { causes: [{ reason: 'NamespaceTerminating' }] } }), site, 'https://k', true);
    expect(isForbidden(err)).toBe(true);
    expect(err.message).toMatch(/^namespace default is being deleted \(Terminating\)/);
  });
});

describe('transient failures', () => {
  it.each([429, 500, 502, 503, 504])('HTTP %i is retried', (status) => expect(isTransientKubeError(apiError(status))).toBe(true));
  it.each([400, 401, 403, 404, 409, 422])('HTTP %i is not', (status) => expect(isTransientKubeError(apiError(status))).toBe(false));
  it('a reset socket is retried, found along the causes or by node-fetch\'s message', () => {
    expect(isTransientKubeError(socketError('ECONNRESET'))).toBe(true);
    expect(isTransientKubeError(new Error('socket hang up'))).toBe(true);
    expect(isTransientKubeError(socketError('ECONNREFUSED'))).toBe(false);
  });
  it('waits at most 100 ms × 2^(attempt-1)', () => {
    for (let attempt = 1; attempt <= 4; attempt++) {
      for (let i = 0; i < 50; i++) expect(retryDelayMs(attempt)).toBeLessThan(100 * 2 ** (attempt - 1));
    }
  });
});
