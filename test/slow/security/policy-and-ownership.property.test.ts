import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveConfig, type ConfigFlags } from '../../../src/config/resolve.js';
import { renderTemplate } from '../../../src/cfn/template.js';
import { oidcInfoFrom } from '../../../src/model/oidc.js';
import { IrsaError } from '../../../src/errors.js';
import { MANAGED_BY_LABEL, ROLE_ARN_ANNOTATION } from '../../../src/model/kubernetes.js';
import { desiredServiceAccount, isManaged, mergeServiceAccount, releaseServiceAccount } from '../../../src/k8s/service-account.js';
import type { ServiceAccountObject } from '../../../src/k8s/ports.js';
import type { ServiceAccountSpec } from '../../../src/model/service-account.js';

/**
 * Issue #5, security, as properties: (1) for any accepted input the rendered trust policy is never broader
 * than asked; (2) irsactl never deletes or rewrites a ServiceAccount it does not manage.
 */

const ISSUER = 'https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const OIDC = oidcInfoFrom(ISSUER, 'aws', '123456789012');
const HP = OIDC.issuerHostPath;

// Names and patterns with wildcards, separators and blanks where an attacker (or a typo) would put them.
const validPart = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/), fc.constantFrom('app-*', 'a?c', '*', 'web-??'));
const part = fc.oneof({ weight: 3, arbitrary: validPart }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom('*', '?', '**', 'a*', '*b', 'a?c', 'app', 'x:y', '', ' ', 'ns/x', 'kube-system', 'default'), fc.stringMatching(/^[a-z*?:-]{1,8}$/)) });

const flagInput = fc.record(
  {
    name: part,
    namespace: part,
    subjectPattern: part,
    allowWildcardSubject: fc.boolean(),
  },
  { requiredKeys: ['name'] },
);

const fileInput = fc.array(fc.record({ name: part, namespace: part, subjectPattern: fc.option(part, { nil: undefined, freq: 2 }) }), { minLength: 1, maxLength: 3 }).map((sas) => {
  const entries = sas.map(
    (sa) =>
      `  - metadata: {name: ${JSON.stringify(sa.name)}, namespace: ${JSON.stringify(sa.namespace)}}\n    attachPolicyARNs: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]` +
      (sa.subjectPattern !== undefined ? `\n    subjectPattern: ${JSON.stringify(sa.subjectPattern)}` : ''),
  );
  return `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: demo, region: us-west-2}\niam:\n  withOIDC: true\n  serviceAccounts:\n${entries.join('\n')}\n`;
});

interface Statement {
  Effect: string;
  Action: unknown;
  Principal: { Federated: string };
  Condition: Record<string, Record<string, string>>;
}

function checkTrustPolicy(sa: ServiceAccountSpec, allowWildcard: boolean): void {
  const tpl = renderTemplate(sa, OIDC);
  const role = tpl.Resources.Role1;
  if (role?.Type !== 'AWS::IAM::Role') throw new Error('no role resource');
  const statements = role.Properties.AssumeRolePolicyDocument.Statement as unknown as Statement[];
  expect(statements).toHaveLength(1);
  const [st] = statements as [Statement];
  expect(st.Effect).toBe('Allow');
  expect(st.Action).toEqual(['sts:AssumeRoleWithWebIdentity']);
  expect(st.Principal.Federated).toBe(OIDC.providerArn);
  const ops = Object.keys(st.Condition);
  expect(ops.every((o) => o === 'StringEquals' || o === 'StringLike')).toBe(true);
  // sub and aud always present, each exactly once
  const subs = ops.flatMap((o) => Object.entries(st.Condition[o] ?? {}).filter(([k]) => k === `${HP}:sub`).map(([, v]) => ({ op: o, v })));
  const auds = ops.flatMap((o) => Object.entries(st.Condition[o] ?? {}).filter(([k]) => k === `${HP}:aud`).map(([, v]) => ({ op: o, v })));
  expect(subs).toHaveLength(1);
  expect(auds).toEqual([{ op: 'StringEquals', v: 'sts.amazonaws.com' }]);
  const sub = subs[0]!;
  // no wildcard under StringEquals, anywhere
  for (const v of Object.values(st.Condition.StringEquals ?? {})) expect(v).not.toMatch(/[*?]/);
  const pattern = sa.subjectPattern === '' ? undefined : sa.subjectPattern;
  if (pattern === undefined) {
    expect(sub).toEqual({ op: 'StringEquals', v: `system:serviceaccount:${sa.namespace}:${sa.name}` });
  } else {
    // a wildcard only through the explicit pattern, only under StringLike, never in the namespace
    expect(sub).toEqual({ op: 'StringLike', v: `system:serviceaccount:${sa.namespace}:${pattern}` });
    expect(sa.namespace).not.toMatch(/[*?]/);
    if (/^\*+$/.test(pattern)) expect(allowWildcard).toBe(true);
  }
}

function resolvedOrRejected(fn: () => ServiceAccountSpec[]): ServiceAccountSpec[] | undefined {
  try {
    return fn();
  } catch (err) {
    expect(err).toBeInstanceOf(IrsaError);
    expect(['USAGE', 'CONFIG']).toContain((err as IrsaError).code);
    return undefined;
  }
}

describe('trust policy is never broader than asked', () => {
  it('flags: 3,000 name/namespace/pattern combinations', () => {
    let accepted = 0;
    fc.assert(
      fc.property(flagInput, (input) => {
        const flags: ConfigFlags = { cluster: 'demo', attachPolicyArn: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'], ...input };
        const sas = resolvedOrRejected(() => resolveConfig('create', flags).selected);
        if (!sas) return;
        accepted++;
        for (const sa of sas) checkTrustPolicy(sa, input.allowWildcardSubject === true);
      }),
      { numRuns: 3_000, seed: 42 },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it('files: 1,500 documents (no file-level confirmation flag, so a "*" pattern must be refused)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fileInput, (text) => {
        const sas = resolvedOrRejected(() => resolveConfig('apply', { configFile: 'x.yaml' }, { path: 'x.yaml', text }).selected);
        if (!sas) return;
        accepted++;
        for (const sa of sas) checkTrustPolicy(sa, false);
      }),
      { numRuns: 1_500, seed: 43 },
    );
    expect(accepted).toBeGreaterThan(50);
  });

  it('a pattern of only "*" needs --allow-wildcard-subject', () => {
    const base: ConfigFlags = { cluster: 'demo', name: 'app', namespace: 'team', attachPolicyArn: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'], subjectPattern: '*' };
    expect(() => resolveConfig('create', base)).toThrow(IrsaError);
    const ok = resolveConfig('create', { ...base, allowWildcardSubject: true }).selected;
    expect(ok[0]?.subjectPattern).toBe('*');
  });
});

describe('unmanaged ServiceAccounts are never deleted or rewritten', () => {
  const key = fc.oneof(fc.constantFrom(ROLE_ARN_ANNOTATION, MANAGED_BY_LABEL, 'helm.sh/chart', 'team'), fc.stringMatching(/^[a-z./-]{1,12}$/));
  const value = fc.oneof(fc.constantFrom('irsactl', 'eksctl', 'Helm', 'arn:aws:iam::123456789012:role/a', 'arn:aws:iam::123456789012:role/b'), fc.string({ maxLength: 10 }));
  const map = fc.dictionary(key, value, { maxKeys: 4 });
  const sa = fc.record({ name: fc.constant('app'), namespace: fc.constant('default'), labels: map, annotations: map, resourceVersion: fc.constant('7') }) as fc.Arbitrary<ServiceAccountObject>;
  const role = fc.option(fc.constantFrom('arn:aws:iam::123456789012:role/a', 'arn:aws:iam::123456789012:role/b'), { nil: undefined });

  it('releaseServiceAccount: deletes only managed objects, and otherwise removes at most the annotation naming this role', () => {
    fc.assert(
      fc.property(sa, role, (obj, roleArn) => {
        const d = releaseServiceAccount(obj, roleArn);
        if (d.action === 'delete') {
          expect(isManaged(obj)).toBe(true);
          return;
        }
        if (d.action === 'keep') return;
        // strip-annotation: exactly the annotation naming this role goes; nothing else changes
        const current = obj.annotations[ROLE_ARN_ANNOTATION];
        expect(current).toBeDefined();
        if (roleArn !== undefined) expect(current).toBe(roleArn);
        const { [ROLE_ARN_ANNOTATION]: _gone, ...rest } = obj.annotations;
        expect(d.next.annotations).toEqual(rest);
        expect(d.next.labels).toEqual(obj.labels);
        expect(d.next.name).toBe(obj.name);
        expect(d.next.namespace).toBe(obj.namespace);
      }),
      { numRuns: 3_000, seed: 7 },
    );
  });

  it('mergeServiceAccount: never removes a label or annotation, changes only the keys asked for, and claims nothing unasked', () => {
    const spec = fc.record({ labels: fc.dictionary(key, value, { maxKeys: 2 }), annotations: fc.dictionary(key, value, { maxKeys: 2 }) });
    fc.assert(
      fc.property(sa, spec, fc.constantFrom('arn:aws:iam::123456789012:role/a', 'arn:aws:iam::123456789012:role/c'), fc.boolean(), (obj, s, roleArn, addManagedBy) => {
        const desired = desiredServiceAccount({ name: obj.name, namespace: obj.namespace, labels: s.labels, annotations: s.annotations } as unknown as ServiceAccountSpec, roleArn);
        const { changed, next } = mergeServiceAccount(obj, desired, { addManagedBy });
        for (const k of Object.keys(obj.labels)) expect(next.labels).toHaveProperty([k]);
        for (const k of Object.keys(obj.annotations)) expect(next.annotations).toHaveProperty([k]);
        for (const [k, v] of Object.entries(next.annotations)) if (!(k in desired.annotations)) expect(v).toBe(obj.annotations[k]);
        for (const [k, v] of Object.entries(next.labels)) {
          if (k in desired.labels) continue;
          if (k === MANAGED_BY_LABEL && addManagedBy && !isManaged(obj)) continue;
          expect(v).toBe(obj.labels[k]);
        }
        if (!addManagedBy && !(MANAGED_BY_LABEL in desired.labels)) expect(next.labels[MANAGED_BY_LABEL]).toBe(obj.labels[MANAGED_BY_LABEL]);
        expect(next.resourceVersion).toBe(obj.resourceVersion); // the write keeps its precondition
        if (!changed) {
          expect(next.labels).toEqual(obj.labels);
          expect(next.annotations).toEqual(obj.annotations);
        }
      }),
      { numRuns: 3_000, seed: 8 },
    );
  });
});
