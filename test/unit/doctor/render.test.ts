import { describe, expect, it } from 'vitest';
import { buildReport, renderText, reportToJson, summaryLine } from '../../../src/doctor/render.js';

const ROLE = 'arn:aws:iam::111122223333:role/r';

const report = buildReport('prod', 'us-west-2', [
  {
    namespace: 'default',
    name: 'ok',
    roleArn: ROLE,
    mechanism: 'irsa',
    podIdentityAssociationId: null,
    checks: [
      { id: 'oidc-provider', status: 'pass', message: 'provider ok' },
      { id: 'pods', status: 'warn', message: 'non-root', fix: 'set fsGroup' },
      { id: 'live', status: 'skip', message: 'not run' },
    ],
  },
  {
    namespace: 'default',
    name: 'broken',
    roleArn: null,
    mechanism: 'none',
    podIdentityAssociationId: null,
    checks: [{ id: 'service-account', status: 'fail', message: 'no annotation', fix: 'kubectl annotate …' }],
  },
]);

describe('doctor report', () => {
  it('healthy means no failed check; warnings are counted separately', () => {
    expect(report.serviceAccounts.map((s) => s.healthy)).toEqual([true, false]);
    expect(report.summary).toEqual({ total: 2, healthy: 1, withProblems: 1, warnings: 1 });
    expect(summaryLine(report)).toBe('2 service accounts: 1 healthy, 1 with problems (1 warning)');
  });

  it('text: one line per check, the fix under each ✖ and !, a summary line', () => {
    expect(renderText(report)).toBe(
      [
        `default/ok → ${ROLE} [IRSA]`,
        '  ✔ OIDC provider            provider ok',
        '  ! pods                     non-root',
        '    → set fsGroup',
        '  - live test                not run',
        '',
        'default/broken [none]',
        '  ✖ ServiceAccount and role  no annotation',
        '    → kubectl annotate …',
        '',
        '2 service accounts: 1 healthy, 1 with problems (1 warning)',
        '',
      ].join('\n'),
    );
  });

  it('json: every key present, fix null when there is none', () => {
    const json = reportToJson(report) as { serviceAccounts: { checks: Record<string, unknown>[] }[] };
    expect(Object.keys(json)).toEqual(['cluster', 'region', 'serviceAccounts', 'summary']);
    expect(json.serviceAccounts[0]?.checks[0]).toEqual({ id: 'oidc-provider', status: 'pass', message: 'provider ok', fix: null });
    expect(json.serviceAccounts[1]).toEqual({
      namespace: 'default',
      name: 'broken',
      roleArn: null,
      mechanism: 'none',
      podIdentityAssociationId: null,
      checks: [{ id: 'service-account', status: 'fail', message: 'no annotation', fix: 'kubectl annotate …' }],
      healthy: false,
    });
  });

  it('an empty selection says so', () => {
    const empty = buildReport('prod', 'us-west-2', []);
    expect(renderText(empty)).toBe('no ServiceAccounts with an eks.amazonaws.com/role-arn annotation or a Pod Identity association found in cluster prod\n0 service accounts: 0 healthy, 0 with problems\n');
  });
});
