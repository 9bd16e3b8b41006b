import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { desiredServiceAccount, isManaged, mergeServiceAccount, newServiceAccount, releaseServiceAccount } from '../../../src/k8s/service-account.js';
import type { ServiceAccountObject } from '../../../src/k8s/ports.js';
import { spec } from '../../fixtures/cfn/specs.js';

const ROLE = 'arn:aws:iam::111122223333:role/r1';
const ANN = 'eks.amazonaws.com/role-arn';
const MANAGED = 'app.kubernetes.io/managed-by';

const sa = (over: Partial<ServiceAccountObject> = {}): ServiceAccountObject => ({ namespace: 'default', name: 's3-reader', labels: {}, annotations: {}, ...over });

describe('desiredServiceAccount and newServiceAccount', () => {
  it('carries the config labels and annotations plus the role annotation, which wins over a config annotation', () => {
    const d = desiredServiceAccount(spec({ labels: { team: 'a' }, annotations: { note: 'x', [ANN]: 'arn:from-config' } }), ROLE);
    expect(d).toEqual({ namespace: 'default', name: 's3-reader', labels: { team: 'a' }, annotations: { note: 'x', [ANN]: ROLE } });
  });

  it('a new object is labelled as managed by irsactl', () => {
    const obj = newServiceAccount(desiredServiceAccount(spec({ labels: { team: 'a' } }), ROLE));
    expect(obj.labels).toEqual({ team: 'a', [MANAGED]: 'irsactl' });
    expect(obj.annotations).toEqual({ [ANN]: ROLE });
    expect(isManaged(obj)).toBe(true);
  });
});

describe('mergeServiceAccount', () => {
  const desired = desiredServiceAccount(spec({ labels: { team: 'a' } }), ROLE);

  it('keeps every other label and annotation, and does not claim the object unless asked', () => {
    const current = sa({ labels: { [MANAGED]: 'Helm', keep: 'l' }, annotations: { keep: 'a', [ANN]: 'arn:old' }, resourceVersion: '7' });
    const { changed, next } = mergeServiceAccount(current, desired, { addManagedBy: false });
    expect(changed).toBe(true);
    expect(next.labels).toEqual({ [MANAGED]: 'Helm', keep: 'l', team: 'a' });
    expect(next.annotations).toEqual({ keep: 'a', [ANN]: ROLE });
    expect(next.resourceVersion).toBe('7');
  });

  it('adds managed-by only when asked and only to an object no tool manages', () => {
    expect(mergeServiceAccount(sa(), desired, { addManagedBy: true }).next.labels[MANAGED]).toBe('irsactl');
    expect(mergeServiceAccount(sa({ labels: { [MANAGED]: 'eksctl' } }), desired, { addManagedBy: true }).next.labels[MANAGED]).toBe('eksctl');
  });

  it('reports no change when the object already carries everything', () => {
    const current = sa({ labels: { team: 'a', other: 'x' }, annotations: { [ANN]: ROLE } });
    expect(mergeServiceAccount(current, desired, { addManagedBy: false }).changed).toBe(false);
  });

  const map = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 5 });
  it('never drops a key, lets desired values win, and is idempotent (property)', () => {
    fc.assert(
      fc.property(map, map, map, map, fc.boolean(), (curLabels, curAnn, wantLabels, wantAnn, addManagedBy) => {
        const current = sa({ labels: curLabels, annotations: curAnn });
        const want = { namespace: 'default', name: 's3-reader', labels: wantLabels, annotations: wantAnn };
        const first = mergeServiceAccount(current, want, { addManagedBy });
        for (const k of Object.keys(curLabels)) expect(first.next.labels).toHaveProperty([k]);
        for (const k of Object.keys(curAnn)) expect(first.next.annotations).toHaveProperty([k]);
        for (const [k, v] of Object.entries(wantLabels)) expect(first.next.labels[k]).toBe(v);
        for (const [k, v] of Object.entries(wantAnn)) expect(first.next.annotations[k]).toBe(v);
        expect(mergeServiceAccount(first.next, want, { addManagedBy }).changed).toBe(false);
      }),
    );
  });
});

describe('releaseServiceAccount', () => {
  it('deletes an object irsactl or eksctl manages that points at this role (or at none)', () => {
    expect(releaseServiceAccount(sa({ labels: { [MANAGED]: 'irsactl' }, annotations: { [ANN]: ROLE } }), ROLE)).toEqual({ action: 'delete' });
    expect(releaseServiceAccount(sa({ labels: { [MANAGED]: 'eksctl' } }), ROLE)).toEqual({ action: 'delete' });
  });

  it('only strips the annotation from an object it does not manage', () => {
    const d = releaseServiceAccount(sa({ labels: { [MANAGED]: 'Helm' }, annotations: { [ANN]: ROLE, keep: 'me' } }), ROLE);
    expect(d).toEqual({ action: 'strip-annotation', next: sa({ labels: { [MANAGED]: 'Helm' }, annotations: { keep: 'me' } }) });
  });

  it('keeps an object annotated with another role, even a managed one', () => {
    expect(releaseServiceAccount(sa({ labels: { [MANAGED]: 'irsactl' }, annotations: { [ANN]: 'arn:other' } }), ROLE)).toMatchObject({ action: 'keep' });
    expect(releaseServiceAccount(sa({ annotations: { [ANN]: 'arn:other' } }), ROLE)).toMatchObject({ action: 'keep', reason: expect.stringContaining('arn:other') });
  });

  it('keeps an unmanaged object with no annotation', () => {
    expect(releaseServiceAccount(sa(), ROLE)).toMatchObject({ action: 'keep', reason: expect.stringContaining('not managed') });
  });

  it('with the role unknown, any role annotation counts as this one', () => {
    expect(releaseServiceAccount(sa({ annotations: { [ANN]: 'arn:x' } }), undefined)).toMatchObject({ action: 'strip-annotation' });
  });
});
