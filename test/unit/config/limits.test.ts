import { describe, expect, it } from 'vitest';
import { resolveConfig, type ConfigFlags } from '../../../src/config/resolve.js';
import { IrsaError } from '../../../src/errors.js';

/**
 * The edges of the AWS limits in src/config/limits.ts: the largest accepted value passes, one more fails (the
 * rejected side is in bad-input.test.ts), and the quotas that can be raised warn instead of failing.
 */

const policy = (i: number) => `arn:aws:iam::123456789012:policy/p${i}`;
const flags = (extra: ConfigFlags): ConfigFlags => ({ cluster: 'demo', name: 'app', region: 'us-west-2', attachPolicyArn: [policy(0)], ...extra });
const fileWith = (cluster: string, sa: string) => ({
  path: 'c.yaml',
  text: `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: ${cluster}, region: us-west-2}\niam:\n  withOIDC: true\n  serviceAccounts:\n${sa}`,
});
const problemOf = (run: () => unknown): string => {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(IrsaError);
    return (err as IrsaError).message;
  }
  throw new Error('expected an error');
};

describe('AWS limits at their edges', () => {
  it('50 stack tags (46 of the user) are accepted, 51 are not', () => {
    const tags = (k: number) => Array.from({ length: k }, (_, i) => `t${i}=v`).join(',');
    expect(resolveConfig('create', flags({ tags: tags(46) })).selected[0]?.tags).toHaveProperty('t45', 'v');
    expect(problemOf(() => resolveConfig('create', flags({ tags: tags(47) })))).toContain('would carry 51 tags');
  });

  it('10 managed policies pass silently; 11 to 20 warn that the quota must be raised; 21 fail', () => {
    const arns = (k: number) => Array.from({ length: k }, (_, i) => policy(i));
    expect(resolveConfig('create', flags({ attachPolicyArn: arns(10) })).warnings).toEqual([]);
    for (const k of [11, 20]) {
      const { warnings } = resolveConfig('create', flags({ attachPolicyArn: arns(k) }));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`--attach-policy-arn: the role of default/app would have ${k} managed policies`);
      expect(warnings[0]).toContain('more than IAM\'s default quota of 10');
      expect(warnings[0]).toContain('"Managed policies per role" quota was raised (Service Quotas, IAM, up to 20)');
    }
    expect(problemOf(() => resolveConfig('create', flags({ attachPolicyArn: arns(21) })))).toContain('21 managed policies');
  });

  it('counts the managed policies well-known policies add', () => {
    const sa = `  - metadata: {name: app}\n    attachPolicyARNs: [${Array.from({ length: 9 }, (_, i) => `"${policy(i)}"`).join(', ')}]\n    wellKnownPolicies: {imageBuilder: true, ebsCSIController: true}\n`;
    const { warnings } = resolveConfig('create', { configFile: 'c.yaml' }, fileWith('demo', sa));
    expect(warnings).toEqual([expect.stringContaining('c.yaml: iam.serviceAccounts[0].attachPolicyARNs: the role of default/app would have 11 managed policies (9 from attachPolicyARNs + 2 from wellKnownPolicies)')]);
  });

  it('repeated policy ARNs are collapsed with a warning, and then count once', () => {
    const arns = [...Array.from({ length: 20 }, (_, i) => policy(i)), policy(3), policy(3), policy(7)];
    const resolved = resolveConfig('create', flags({ attachPolicyArn: arns }));
    expect(resolved.selected[0]?.attachPolicyARNs).toEqual(Array.from({ length: 20 }, (_, i) => policy(i)));
    expect(resolved.warnings[0]).toBe(`--attach-policy-arn: "${policy(3)}", "${policy(7)}" are listed more than once; attached once`);
    // delete renders no stack: no warning there
    expect(resolveConfig('delete', { cluster: 'demo', name: 'app', attachPolicyArn: arns }).warnings).toEqual([]);
  });

  it('a 24-character cluster name fits the load balancer controller\'s inline policy name (128), 25 does not', () => {
    const sa = '  - metadata: {name: aws-load-balancer-controller, namespace: kube-system}\n    wellKnownPolicies: {awsLoadBalancerController: true}\n';
    expect(resolveConfig('create', { configFile: 'c.yaml' }, fileWith('c'.repeat(24), sa)).selected).toHaveLength(1);
    expect(problemOf(() => resolveConfig('create', { configFile: 'c.yaml' }, fileWith('c'.repeat(25), sa)))).toContain('is 129 characters');
  });

  it('every well-known policy together fits the 10,240-character inline budget, with about 3,100 characters to spare', () => {
    const all = 'wellKnownPolicies: {imageBuilder: true, autoScaler: true, awsLoadBalancerController: true, externalDNS: true, certManager: true, ebsCSIController: true, efsCSIController: true}';
    const attach = (k: number) => `    attachPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Resource: "*", Action: ["s3:${'a'.repeat(k)}"]}]}\n`;
    // 7,138 well-known + 89 characters of attachPolicy around the action
    expect(resolveConfig('create', { configFile: 'c.yaml' }, fileWith('demo', `  - metadata: {name: app}\n    ${all}\n${attach(3013)}`)).selected).toHaveLength(1);
    expect(problemOf(() => resolveConfig('create', { configFile: 'c.yaml' }, fileWith('demo', `  - metadata: {name: app}\n    ${all}\n${attach(3014)}`)))).toContain('come to 10,241 characters');
  });

  it('a trust policy of exactly 2,048 characters is accepted, 2,049 is not', () => {
    expect(resolveConfig('create', flags({ subjectPattern: `a${'b'.repeat(1560)}*` })).selected).toHaveLength(1);
    expect(problemOf(() => resolveConfig('create', flags({ subjectPattern: `a${'b'.repeat(1561)}*` })))).toContain('would be 2,049 characters');
  });

  it('without a region the trust policy is bounded by the longest issuer any region has, and says so', () => {
    const { region: _r, ...noRegion } = flags({});
    expect(problemOf(() => resolveConfig('create', { ...noRegion, subjectPattern: `a${'b'.repeat(1561)}*` }))).toMatch(/would be up to 2,\d{3} characters without whitespace \(with the longest OIDC issuer of any region\)/);
  });

  it('a region that is not a region name bounds like no region (found by the fuzzer: "@/" once made an issuer URL that did not parse)', () => {
    const { region: _r, ...noRegion } = flags({});
    const long = { ...noRegion, subjectPattern: `a${'b'.repeat(1561)}*` };
    for (const region of ['@/', 'x'.repeat(500)]) expect(problemOf(() => resolveConfig('create', { ...long, region }))).toContain('(with the longest OIDC issuer of any region)');
  });

  it('get, delete and doctor do not check what only matters when a stack is made', () => {
    const sa = '  - metadata: {name: aws-load-balancer-controller, namespace: kube-system}\n    wellKnownPolicies: {awsLoadBalancerController: true}\n';
    for (const kind of ['get', 'delete', 'doctor'] as const) {
      expect(resolveConfig(kind, { configFile: 'c.yaml' }, fileWith('c'.repeat(40), sa)).cluster.serviceAccounts).toHaveLength(1);
    }
  });
});

describe('thousands (the sizes in limit messages)', () => {
  it('writes integers as en-US does', async () => {
    const { thousands } = await import('../../../src/config/problems.js');
    for (const x of [0, 7, 999, 1000, 2048, 10_240, 999_999, 1_000_000, 123_456_789, -4096]) {
      expect(thousands(x)).toBe(x.toLocaleString('en-US'));
    }
  });
});
