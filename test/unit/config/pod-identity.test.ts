import { describe, expect, it } from 'vitest';
import { IrsaError } from '../../../src/errors.js';
import { resolveConfig, resolvePodIdentityConfig, type ConfigFlags, type ConfigSource } from '../../../src/config/resolve.js';
import { readConfigSource } from '../../../src/config/read.js';
import { NO_WELL_KNOWN } from '../../fixtures/cfn/specs.js';

// iam.podIdentityAssociations and the podidentityassociation flags: one rule per test, each shown failing.

const ROLE = 'arn:aws:iam::111122223333:role/app';
const POLICY = 'arn:aws:iam::111122223333:policy/p';

const file = (body: string, opts: { path?: string; region?: string; name?: string } = {}): ConfigSource => ({
  path: opts.path ?? 'cluster.yaml',
  text: `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: ${opts.name ?? 'demo'}\n  region: ${opts.region ?? 'us-west-2'}\n${body}`,
});

const piaFile = (entries: string, opts?: Parameters<typeof file>[1]): ConfigSource => file(`iam:\n  podIdentityAssociations:\n${entries}`, opts);

/** The message of the error `fn` throws (and that it is one). */
function errorOf(fn: () => unknown): IrsaError {
  try {
    fn();
  } catch (e) {
    if (e instanceof IrsaError) return e;
    throw e;
  }
  throw new Error('expected an IrsaError, got none');
}

const fromFile = (kind: 'create' | 'update' | 'delete' | 'get', src: ConfigSource, flags: ConfigFlags = {}) =>
  resolvePodIdentityConfig(kind, { configFile: src.path, ...flags }, src);
const createFlags = (flags: ConfigFlags) => resolvePodIdentityConfig('create', { cluster: 'demo', namespace: 'backend', serviceAccountName: 'app', ...flags });

describe('iam.podIdentityAssociations in a file', () => {
  it('normalizes to the model with eksctl defaults, for every command', () => {
    const src = piaFile(`  - namespace: backend
    serviceAccountName: app
    permissionPolicyARNs: ["${POLICY}"]
    roleName: app-role
    tags: {team: a}
  - {namespace: backend, serviceAccountName: other, roleARN: "${ROLE}", targetRoleARN: "arn:aws:iam::444455556666:role/b", disableSessionTags: true, policy: '{"Version":"2012-10-17","Statement":[]}'}
`);
    for (const kind of ['create', 'update', 'delete', 'get'] as const) {
      const got = fromFile(kind, src);
      expect(got.selected).toEqual([]);
      expect(got.selectedPodIdentity.map((p) => `${p.namespace}/${p.serviceAccountName}`)).toEqual(['backend/app', 'backend/other']);
      expect(got.mayAssociateOidc).toBe(false);
    }
    const [made, given] = fromFile('create', src).selectedPodIdentity;
    expect(made).toEqual({
      namespace: 'backend',
      serviceAccountName: 'app',
      createServiceAccount: false,
      permissionPolicyARNs: [POLICY],
      wellKnownPolicies: NO_WELL_KNOWN,
      roleName: 'app-role',
      tags: { team: 'a' },
    });
    expect(given).toMatchObject({ roleARN: ROLE, disableSessionTags: true, targetRoleARN: 'arn:aws:iam::444455556666:role/b' });
    expect(given).not.toHaveProperty('roleName');
  });

  it('an unknown key in an entry is an error with line:column and the nearest key', () => {
    const e = errorOf(() => fromFile('create', piaFile(`  - namespace: backend\n    serviceAccountName: app\n    roleArn: "${ROLE}"\n`)));
    expect(e.code).toBe('CONFIG');
    expect(e.message).toBe('cluster.yaml:10:5: iam.podIdentityAssociations[0].roleArn: unknown key — did you mean "roleARN"?');
  });

  it('a typo of podIdentityAssociations under iam is an error, not an ignored key', () => {
    const e = errorOf(() => fromFile('create', file('iam:\n  podIdentityAssociation: []\n')));
    expect(e.message).toContain('iam.podIdentityAssociation: unknown key — did you mean "podIdentityAssociations"?');
  });

  it('an unknown well-known policy in an entry is an error', () => {
    const e = errorOf(() => fromFile('create', piaFile('  - {namespace: a, serviceAccountName: b, wellKnownPolicies: {autoscaler: true}}\n')));
    expect(e.message).toContain('iam.podIdentityAssociations[0].wellKnownPolicies.autoscaler: unknown key — did you mean "autoScaler"?');
  });

  it('create, update and delete need the list (eksctl), get does not', () => {
    const none = file('iam:\n  withOIDC: true\n');
    expect(errorOf(() => fromFile('delete', none)).message).toBe(
      'cluster.yaml: iam.podIdentityAssociations: no iam.podIdentityAssociations specified in the config file — add an iam.podIdentityAssociations list with the associations to manage',
    );
    expect(fromFile('get', none).selectedPodIdentity).toEqual([]);
  });

  it('--include/--exclude select over <namespace>/<serviceAccountName>; an include matching nothing is an error', () => {
    const src = piaFile(`  - {namespace: backend, serviceAccountName: a, roleARN: "${ROLE}"}
  - {namespace: backend, serviceAccountName: b, roleARN: "${ROLE}"}
  - {namespace: web, serviceAccountName: a, roleARN: "${ROLE}"}
`);
    const got = fromFile('create', src, { include: ['backend/*,web/a'], exclude: ['*/b'] });
    expect(got.selectedPodIdentity.map((p) => `${p.namespace}/${p.serviceAccountName}`)).toEqual(['backend/a', 'web/a']);
    expect(errorOf(() => fromFile('create', src, { include: ['nope/*'] })).message).toContain('--include: no pod identity association matches "nope/*"');
  });

  it("the association flags and --cluster cannot be given with -f (eksctl's list)", () => {
    const src = piaFile(`  - {namespace: a, serviceAccountName: b, roleARN: "${ROLE}"}\n`);
    const e = errorOf(() => fromFile('update', src, { cluster: 'demo', namespace: 'a', roleArn: ROLE, disableSessionTags: false }));
    expect(e.code).toBe('USAGE');
    expect(e.message.split('\n').slice(1)).toEqual([
      '  - --cluster: cannot be used with --config-file/-f — set metadata.name in the file instead, or drop -f',
      '  - --namespace: cannot be used with --config-file/-f — set iam.podIdentityAssociations[].namespace in the file instead, or drop -f',
      '  - --role-arn: cannot be used with --config-file/-f — set iam.podIdentityAssociations[].roleARN in the file instead, or drop -f',
      '  - --no-disable-session-tags: cannot be used with --config-file/-f — set iam.podIdentityAssociations[].disableSessionTags in the file instead, or drop -f',
    ]);
  });
});

describe('the rules, every problem at once', () => {
  const problemsOf = (kind: 'create' | 'update' | 'delete' | 'get', entries: string, opts?: Parameters<typeof file>[1]) =>
    errorOf(() => fromFile(kind, piaFile(entries, opts)))
      .message.split('\n')
      .filter((l) => l.startsWith('  - ') || !l.includes('problems:'))
      .map((l) => l.replace(/^ {2}- /, ''));

  it('namespace and serviceAccountName are required (eksctl), for delete too', () => {
    expect(problemsOf('delete', '  - {}\n')).toEqual([
      'cluster.yaml: iam.podIdentityAssociations[0].namespace: namespace must be set — add "namespace: <namespace>" to the entry',
      'cluster.yaml: iam.podIdentityAssociations[0].serviceAccountName: serviceAccountName must be set — add "serviceAccountName: <service account name>" to the entry',
    ]);
  });

  it('namespace and service account follow the Kubernetes name rules; a wildcard points at IRSA patterns', () => {
    const got = problemsOf('get', '  - {namespace: Backend, serviceAccountName: "app-*"}\n');
    expect(got[0]).toContain('"Backend" is not a valid Kubernetes namespace');
    expect(got[1]).toContain('"app-*" is not a valid Kubernetes service account name');
    expect(got[1]).toContain('Pod Identity has no wildcard associations');
  });

  it('a ServiceAccount listed twice is an error (EKS allows one association each)', () => {
    const got = problemsOf('delete', '  - {namespace: a, serviceAccountName: b}\n  - {namespace: a, serviceAccountName: c}\n  - {namespace: a, serviceAccountName: b}\n');
    expect(got).toEqual([
      'cluster.yaml: iam.podIdentityAssociations[2].serviceAccountName: a/b is listed twice (iam.podIdentityAssociations[0] has it too); EKS allows one association per ServiceAccount — remove one of the two entries or give it another namespace or service account name',
    ]);
  });

  it("create needs a role or permissions (eksctl's text); delete and update do not", () => {
    expect(problemsOf('create', '  - {namespace: a, serviceAccountName: b}\n')).toEqual([
      'cluster.yaml: iam.podIdentityAssociations[0]: at least one of the following must be specified: iam.podIdentityAssociations[0].roleARN, iam.podIdentityAssociations[0].permissionPolicy, iam.podIdentityAssociations[0].permissionPolicyARNs, iam.podIdentityAssociations[0].wellKnownPolicies — use an existing role with roleARN, or give the role irsactl makes permissions with permissionPolicyARNs, permissionPolicy or wellKnownPolicies',
    ]);
    expect(fromFile('update', piaFile('  - {namespace: a, serviceAccountName: b}\n')).selectedPodIdentity).toHaveLength(1);
  });

  it('roleARN excludes permissionPolicy, permissionPolicyARNs, wellKnownPolicies (eksctl) and roleName, permissionsBoundaryARN', () => {
    const got = problemsOf(
      'create',
      `  - namespace: a
    serviceAccountName: b
    roleARN: "${ROLE}"
    permissionPolicy: {Version: "2012-10-17", Statement: []}
    permissionPolicyARNs: ["${POLICY}"]
    wellKnownPolicies: {autoScaler: true}
    roleName: r
    permissionsBoundaryARN: "${POLICY}"
`,
    );
    expect(got.map((l) => l.split(' — ')[0])).toEqual([
      'cluster.yaml: iam.podIdentityAssociations[0].permissionPolicy: cannot be specified when roleARN is set',
      'cluster.yaml: iam.podIdentityAssociations[0].permissionPolicyARNs: cannot be specified when roleARN is set',
      'cluster.yaml: iam.podIdentityAssociations[0].wellKnownPolicies: cannot be specified when roleARN is set',
      'cluster.yaml: iam.podIdentityAssociations[0].roleName: cannot be specified when roleARN is set',
      'cluster.yaml: iam.podIdentityAssociations[0].permissionsBoundaryARN: cannot be specified when roleARN is set',
    ]);
  });

  it("permissionPolicyName needs permissionPolicy and an alphanumeric character (eksctl's validatePermissionPolicyName)", () => {
    expect(problemsOf('create', `  - {namespace: a, serviceAccountName: b, permissionPolicyARNs: ["${POLICY}"], permissionPolicyName: "--"}\n`).map((l) => l.split(' — ')[0])).toEqual([
      'cluster.yaml: iam.podIdentityAssociations[0].permissionPolicyName: permissionPolicyName requires permissionPolicy to be set',
      'cluster.yaml: iam.podIdentityAssociations[0].permissionPolicyName: permissionPolicyName "--" must contain at least one alphanumeric character',
    ]);
  });

  it('ARNs have the shape of their kind: roleARN, targetRoleARN, permissionPolicyARNs, permissionsBoundaryARN', () => {
    const got = problemsOf(
      'create',
      `  - {namespace: a, serviceAccountName: b, permissionPolicyARNs: ["${ROLE}"], permissionsBoundaryARN: "boundary", targetRoleARN: "${POLICY}"}
  - {namespace: a, serviceAccountName: c, roleARN: "role/app"}
`,
    );
    expect(got.map((l) => l.split(' — ')[0])).toEqual([
      `cluster.yaml: iam.podIdentityAssociations[0].targetRoleARN: "${POLICY}" is not an IAM role ARN`,
      `cluster.yaml: iam.podIdentityAssociations[0].permissionPolicyARNs[0]: "${ROLE}" is not an IAM policy ARN`,
      'cluster.yaml: iam.podIdentityAssociations[0].permissionsBoundaryARN: "boundary" is not an IAM policy ARN',
      'cluster.yaml: iam.podIdentityAssociations[1].roleARN: "role/app" is not an IAM role ARN',
    ]);
  });

  it('an account id that is not 12 digits is a warning, as for iamserviceaccounts', () => {
    const got = fromFile('create', piaFile('  - {namespace: a, serviceAccountName: b, roleARN: "arn:aws:iam::123:role/r"}\n'));
    expect(got.warnings).toEqual(['cluster.yaml: iam.podIdentityAssociations[0].roleARN: account id "123" in "arn:aws:iam::123:role/r" is not 12 digits; IAM will reject it unless you replace it']);
  });

  it('roleName follows IAM (at most 64 characters of its set)', () => {
    const got = problemsOf('create', `  - {namespace: a, serviceAccountName: b, permissionPolicyARNs: ["${POLICY}"], roleName: "${'r'.repeat(65)}"}\n`);
    expect(got).toEqual([`cluster.yaml: iam.podIdentityAssociations[0].roleName: "${'r'.repeat(65)}" is not a valid IAM role name — use at most 64 letters, digits and + = , . @ _ -`]);
  });

  it("the role stack's name must fit CloudFormation (128 characters, no '.'); an existing role needs no stack", () => {
    const long = 'a'.repeat(80);
    const got = problemsOf('create', `  - {namespace: ${'n'.repeat(20)}, serviceAccountName: ${long}, permissionPolicyARNs: ["${POLICY}"]}\n  - {namespace: a, serviceAccountName: my.app, permissionPolicyARNs: ["${POLICY}"]}\n`);
    expect(got[0]).toContain(`its role's CloudFormation stack name "eksctl-demo-podidentityrole-${'n'.repeat(20)}-${long}" is 129 characters, more than 128`);
    expect(got[1]).toContain('has characters CloudFormation does not allow');
    expect(got).toHaveLength(2);
    expect(fromFile('create', piaFile(`  - {namespace: a, serviceAccountName: my.app, roleARN: "${ROLE}"}\n`)).selectedPodIdentity).toHaveLength(1);
    expect(fromFile('delete', piaFile(`  - {namespace: a, serviceAccountName: my.app}\n`)).selectedPodIdentity).toHaveLength(1);
  });

  it('policy: valid JSON, a document, at most 2,048 characters, and only with disableSessionTags: true', () => {
    const big = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'b'.repeat(2048)}` }] });
    const got = problemsOf(
      'create',
      `  - {namespace: a, serviceAccountName: b, roleARN: "${ROLE}", policy: "{nope", disableSessionTags: true}
  - {namespace: a, serviceAccountName: c, roleARN: "${ROLE}", policy: '[1]', disableSessionTags: true}
  - {namespace: a, serviceAccountName: d, roleARN: "${ROLE}", policy: '${big}', disableSessionTags: true}
  - {namespace: a, serviceAccountName: e, roleARN: "${ROLE}", policy: '{}'}
`,
    );
    expect(got.map((l) => l.split(' — ')[0])).toEqual([
      expect.stringMatching(/^cluster\.yaml: iam\.podIdentityAssociations\[0\]\.policy: is not valid JSON \(/),
      'cluster.yaml: iam.podIdentityAssociations[1].policy: is JSON but not a policy document (an object)',
      `cluster.yaml: iam.podIdentityAssociations[2].policy: is ${big.length.toLocaleString('en-US')} characters long, more than EKS's limit of 2,048`,
      'cluster.yaml: iam.podIdentityAssociations[3].disableSessionTags: disableSessionTags must be set to true when using policy',
    ]);
    const fits = '{"Version":"2012-10-17","Statement":[]}';
    expect(fromFile('create', piaFile(`  - {namespace: a, serviceAccountName: b, roleARN: "${ROLE}", policy: '${fits}', disableSessionTags: true}\n`)).selectedPodIdentity[0].policy).toBe(fits);
  });

  it('tags: the tag rules, and at most 50 on an association (botocore TagMap)', () => {
    const many = Array.from({ length: 51 }, (_, i) => `k${i}: v`).join(', ');
    const got = problemsOf('create', `  - {namespace: a, serviceAccountName: b, roleARN: "${ROLE}", tags: {${many}}}\n  - {namespace: a, serviceAccountName: c, roleARN: "${ROLE}", tags: {"aws:x": v}}\n`);
    expect(got.map((l) => l.split(' — ')[0])).toEqual([
      "cluster.yaml: iam.podIdentityAssociations[0].tags: has 51 tags, more than EKS's limit of 50 on an association",
      'cluster.yaml: iam.podIdentityAssociations[1].tags: tag key "aws:x" uses the reserved "aws:" prefix',
    ]);
  });

  it("the role stack's tags (eksctl's, metadata.tags and the entry's) fit CloudFormation's 50", () => {
    const many = Array.from({ length: 47 }, (_, i) => `k${i}: v`).join(', ');
    const got = problemsOf('create', `  - {namespace: a, serviceAccountName: b, permissionPolicyARNs: ["${POLICY}"], tags: {${many}}}\n`);
    expect(got[0]).toContain("the role stack of a/b would carry 51 tags (irsactl's and eksctl's own, metadata.tags and these), more than CloudFormation's limit of 50");
    // with an existing role there is no stack: 47 tags fit the association
    expect(fromFile('create', piaFile(`  - {namespace: a, serviceAccountName: b, roleARN: "${ROLE}", tags: {${many}}}\n`)).selectedPodIdentity).toHaveLength(1);
  });

  it('China Regions and aws-cn ARNs: Pod Identity is not available there', () => {
    const got = problemsOf('create', `  - {namespace: a, serviceAccountName: b, roleARN: "arn:aws-cn:iam::111122223333:role/r"}\n`, { region: 'cn-north-1' });
    expect(got).toEqual([
      'cluster.yaml: metadata.region: EKS Pod Identity is not available in the China Regions ("cn-north-1") — use an iamserviceaccount (IRSA) for this ServiceAccount instead: iam.serviceAccounts in the file, or `irsactl create iamserviceaccount`',
      'cluster.yaml: iam.podIdentityAssociations[0].roleARN: "arn:aws-cn:iam::111122223333:role/r" is in the aws-cn partition, where EKS Pod Identity is not available — use an iamserviceaccount (IRSA) for this ServiceAccount instead: iam.serviceAccounts in the file, or `irsactl create iamserviceaccount`',
    ]);
    // a China file without associations is an IRSA file like any other
    expect(resolveConfig('get', { configFile: 'c.yaml' }, file('iam:\n  withOIDC: true\n', { path: 'c.yaml', region: 'cn-north-1' })).region).toBe('cn-north-1');
  });

  it('the cluster rules run too: metadata.name and region', () => {
    const got = problemsOf('delete', '  - {namespace: a, serviceAccountName: b}\n', { name: '-bad', region: 'us-west2' });
    expect(got[0]).toContain('"-bad" is not a valid EKS cluster name');
    expect(got[1]).toContain('did you mean "us-west-2"?');
  });

  it('a ServiceAccount in both sections is a warning that Pod Identity wins at run time', () => {
    const src = file(`iam:
  withOIDC: true
  serviceAccounts:
  - metadata: {name: app, namespace: backend}
    attachPolicyARNs: ["${POLICY}"]
  podIdentityAssociations:
  - {namespace: backend, serviceAccountName: app, permissionPolicyARNs: ["${POLICY}"]}
`);
    const expected = [
      'cluster.yaml: iam.podIdentityAssociations[0]: backend/app is also iam.serviceAccounts[0]: at run time Pod Identity wins (the EKS webhook gives pods the association\'s credentials, not the IRSA role\'s); remove one of the two unless you are migrating',
    ];
    expect(fromFile('create', src).warnings).toEqual(expected);
    expect(resolveConfig('apply', { configFile: src.path }, src).warnings).toEqual(expected);
  });
});

describe('the well-known policy profile of an association (irsactl-only keys, as on a service account)', () => {
  const efs = '  - {namespace: storage, serviceAccountName: efs, wellKnownPolicies: {efsCSIController: true}'
  it("iam.wellKnownPolicyProfile applies to associations too; an entry's own profile wins; a pin alone means upstream", () => {
    const src = file(`iam:\n  wellKnownPolicyProfile: upstream\n  podIdentityAssociations:\n${efs}}\n${efs.replace('efs,', 'efs-old,')}, wellKnownPolicyProfile: eksctl}\n`);
    const [up, old] = fromFile('create', src).selectedPodIdentity;
    expect(up!.wellKnownPolicySelection).toEqual({ profile: 'upstream', versions: {} });
    expect(old!.wellKnownPolicySelection).toEqual({ profile: 'eksctl', versions: {} });
    const pinned = fromFile('create', piaFile(`${efs}, wellKnownPolicyVersions: {efsCSIController: v3.4.1}}\n`)).selectedPodIdentity[0]!;
    expect(pinned.wellKnownPolicySelection).toEqual({ profile: 'upstream', versions: { efsCSIController: 'v3.4.1' } });
    expect(fromFile('create', piaFile(`${efs}}\n`)).selectedPodIdentity[0]).not.toHaveProperty('wellKnownPolicySelection');
  });

  it('an unknown version, a pin under the eksctl profile, inputs for a key not enabled: errors naming the entry', () => {
    const msg = errorOf(() =>
      fromFile(
        'create',
        piaFile(`${efs}, wellKnownPolicyVersions: {efsCSIController: v0.0.1}}\n${efs.replace('efs,', 'b,')}, wellKnownPolicyProfile: eksctl, wellKnownPolicyVersions: {efsCSIController: v3.4.1}}\n${efs.replace('efs,', 'c,')}, wellKnownPolicyInputs: {externalDNS: {hostedZoneArns: ["arn:aws:route53:::hostedzone/Z1"]}}}\n`),
      ),
    ).message;
    expect(msg).toContain('iam.podIdentityAssociations[0].wellKnownPolicyVersions.efsCSIController: "v0.0.1" is not a catalogued efsCSIController version; known: v3.4.1');
    expect(msg).toContain('iam.podIdentityAssociations[1].wellKnownPolicyVersions.efsCSIController: pins a controller version, but the profile is "eksctl"');
    expect(msg).toContain('iam.podIdentityAssociations[2].wellKnownPolicyInputs.externalDNS: gives inputs for externalDNS, which wellKnownPolicies does not enable');
  });
});

describe('apply reads both sections', () => {
  const both = file(`iam:
  withOIDC: true
  serviceAccounts:
  - metadata: {name: s3-reader, namespace: backend}
    attachPolicyARNs: ["${POLICY}"]
  podIdentityAssociations:
  - {namespace: backend, serviceAccountName: cache, permissionPolicyARNs: ["${POLICY}"]}
  - {namespace: web, serviceAccountName: front, roleARN: "${ROLE}"}
`);

  it('fills selectedPodIdentity from the file, filtered by the same globs', () => {
    const all = resolveConfig('apply', { configFile: both.path }, both);
    expect(all.selected.map((sa) => sa.name)).toEqual(['s3-reader']);
    expect(all.selectedPodIdentity.map((p) => p.serviceAccountName)).toEqual(['cache', 'front']);
    const web = resolveConfig('apply', { configFile: both.path, include: ['web/*'] }, both);
    expect(web.selected).toEqual([]);
    expect(web.selectedPodIdentity.map((p) => p.serviceAccountName)).toEqual(['front']);
    expect(errorOf(() => resolveConfig('apply', { configFile: both.path, include: ['nope/*'] }, both)).message).toContain(
      '--include: no service account or pod identity association matches "nope/*"',
    );
  });

  it('a file with only podIdentityAssociations is fine for apply (not for create iamserviceaccount)', () => {
    const only = piaFile(`  - {namespace: web, serviceAccountName: front, roleARN: "${ROLE}"}\n`);
    const got = resolveConfig('apply', { configFile: only.path }, only);
    expect(got.selected).toEqual([]);
    expect(got.selectedPodIdentity).toHaveLength(1);
    expect(errorOf(() => resolveConfig('create', { configFile: only.path }, only)).message).toContain("'iam.serviceAccounts' is not defined");
  });

  it('runs the association rules; the iamserviceaccount commands do not', () => {
    const bad = piaFile('  - {namespace: web, serviceAccountName: front}\n');
    expect(errorOf(() => resolveConfig('apply', { configFile: bad.path }, bad)).message).toContain('at least one of the following must be specified');
    const withSa = file(`iam:\n  withOIDC: true\n  serviceAccounts:\n  - metadata: {name: a}\n    attachPolicyARNs: ["${POLICY}"]\n  podIdentityAssociations:\n  - {namespace: web, serviceAccountName: front}\n`);
    expect(resolveConfig('create', { configFile: withSa.path }, withSa).selectedPodIdentity).toEqual([]);
  });
});

describe('flags build the same entry', () => {
  it('create: every flag maps to its field', () => {
    const got = createFlags({
      permissionPolicyArns: [`${POLICY},arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess`, POLICY],
      wellKnownPolicies: 'autoScaler,EXTERNALDNS',
      roleName: 'r',
      permissionsBoundaryArn: POLICY,
      tags: 'team=a,env=prod',
      createServiceAccount: true,
      targetRoleArn: 'arn:aws:iam::444455556666:role/b',
      disableSessionTags: true,
      policy: '{"Version":"2012-10-17","Statement":[]}',
      region: 'eu-west-1',
    });
    expect(got.source).toEqual({ kind: 'flags' });
    expect(got.region).toBe('eu-west-1');
    expect(got.selectedPodIdentity).toEqual([
      {
        namespace: 'backend',
        serviceAccountName: 'app',
        createServiceAccount: true,
        permissionPolicyARNs: [POLICY, 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', POLICY],
        wellKnownPolicies: { ...NO_WELL_KNOWN, autoScaler: true, externalDNS: true },
        roleName: 'r',
        permissionsBoundaryARN: POLICY,
        tags: { team: 'a', env: 'prod' },
        targetRoleARN: 'arn:aws:iam::444455556666:role/b',
        disableSessionTags: true,
        policy: '{"Version":"2012-10-17","Statement":[]}',
      },
    ]);
    expect(got.planFirst).toBe(true);
  });

  it("create: the problems are named after the flags, eksctl's texts where it has them", () => {
    const e = errorOf(() => resolvePodIdentityConfig('create', { policy: '{}', include: ['a/*'] }));
    expect(e.code).toBe('USAGE');
    expect(e.message.split('\n').slice(1)).toEqual([
      '  - --include: cannot be used unless a config file is specified via --config-file/-f — pass -f <ClusterConfig file>, or drop --include',
      '  - --cluster: must be set — pass --cluster <EKS cluster name>',
      '  - --namespace: is required — pass --namespace <namespace>',
      '  - --service-account-name: is required — pass --service-account-name <service account name>',
      '  - --role-arn: at least one of the following flags must be specified: --role-arn, --permission-policy-arns, --well-known-policies — pass --role-arn <role ARN> to use an existing role, or --permission-policy-arns / --well-known-policies for the role irsactl makes; permissionPolicy needs a config file (-f)',
      '  - --disable-session-tags: --disable-session-tags must be set to true when using --policy — add --disable-session-tags (EKS refuses a session policy with session tags on)',
    ]);
  });

  it('--role-arn excludes --permission-policy-arns and --well-known-policies', () => {
    const e = errorOf(() => createFlags({ roleArn: ROLE, permissionPolicyArns: [POLICY], wellKnownPolicies: 'autoScaler' }));
    expect(e.message).toContain('--permission-policy-arns: cannot be specified when --role-arn is set');
    expect(e.message).toContain('--well-known-policies: cannot be specified when --role-arn is set');
  });

  it('--well-known-policies: an unknown name gets the nearest one', () => {
    expect(errorOf(() => createFlags({ wellKnownPolicies: 'autoScaler,certManger' })).message).toBe(
      '--well-known-policies: "certManger" is not a well-known policy — did you mean "certManager"?',
    );
    expect(errorOf(() => createFlags({ wellKnownPolicies: 'nothing-like-it-at-all' })).message).toContain('use a comma-separated list of imageBuilder, autoScaler');
  });

  it('both boundary spellings set one field; given differently they are a usage error', () => {
    const other = 'arn:aws:iam::111122223333:policy/other';
    expect(createFlags({ permissionPolicyArns: [POLICY], permissionBoundaryArn: POLICY, permissionsBoundaryArn: POLICY }).selectedPodIdentity[0].permissionsBoundaryARN).toBe(POLICY);
    expect(createFlags({ permissionPolicyArns: [POLICY], permissionsBoundaryArn: POLICY }).selectedPodIdentity[0].permissionsBoundaryARN).toBe(POLICY);
    expect(errorOf(() => createFlags({ permissionPolicyArns: [POLICY], permissionBoundaryArn: POLICY, permissionsBoundaryArn: other })).message).toBe(
      `--permissions-boundary-arn: "${other}" differs from --permission-boundary-arn "${POLICY}" — the two spellings set the same permissions boundary: give it once`,
    );
    // a bad ARN is named after the spelling that was given
    expect(errorOf(() => createFlags({ permissionPolicyArns: [POLICY], permissionsBoundaryArn: 'nope' })).message).toContain('--permissions-boundary-arn: "nope" is not an IAM policy ARN');
  });

  it('--tags and --permission-policy-arns problems are usage errors', () => {
    const e = errorOf(() => createFlags({ permissionPolicyArns: [`${POLICY},`], tags: 'a' }));
    expect(e.message).toContain('--permission-policy-arns: has an empty ARN');
    expect(e.message).toContain('--tags: "a" has no "="');
  });

  it('--region cn-*: Pod Identity is not available there', () => {
    expect(errorOf(() => createFlags({ roleArn: ROLE, region: 'cn-northwest-1' })).message).toContain('--region: EKS Pod Identity is not available in the China Regions');
  });

  it('update: --role-arn may be left out (the plan keeps the role irsactl or eksctl made); an explicit session-tags false with --policy is refused', () => {
    const got = resolvePodIdentityConfig('update', { cluster: 'demo', namespace: 'a', serviceAccountName: 'b', policy: '{"Version":"2012-10-17","Statement":[]}' });
    expect(got.selectedPodIdentity[0]).toMatchObject({ namespace: 'a', serviceAccountName: 'b', policy: '{"Version":"2012-10-17","Statement":[]}' });
    expect(got.selectedPodIdentity[0]).not.toHaveProperty('disableSessionTags');
    const off = resolvePodIdentityConfig('update', { cluster: 'demo', namespace: 'a', serviceAccountName: 'b', disableSessionTags: false });
    expect(off.selectedPodIdentity[0].disableSessionTags).toBe(false);
    expect(errorOf(() => resolvePodIdentityConfig('update', { cluster: 'demo', namespace: 'a', serviceAccountName: 'b', disableSessionTags: false, policy: '{}' })).message).toContain(
      '--disable-session-tags must be set to true when using --policy',
    );
  });

  it('delete: --namespace and --service-account-name are required; by flags it acts at once', () => {
    expect(errorOf(() => resolvePodIdentityConfig('delete', { cluster: 'demo', namespace: 'a' })).message).toBe(
      '--service-account-name: is required — pass --service-account-name <service account name>',
    );
    expect(resolvePodIdentityConfig('delete', { cluster: 'demo', namespace: 'a', serviceAccountName: 'b' }).planFirst).toBe(false);
  });

  it('get: a lookup; --service-account-name needs --namespace (eksctl); names are checked', () => {
    expect(resolvePodIdentityConfig('get', { cluster: 'demo' })).toMatchObject({ lookup: {}, selectedPodIdentity: [], planFirst: false });
    expect(resolvePodIdentityConfig('get', { cluster: 'demo', namespace: 'a', serviceAccountName: 'b' }).lookup).toEqual({ namespace: 'a', name: 'b' });
    expect(errorOf(() => resolvePodIdentityConfig('get', { cluster: 'demo', serviceAccountName: 'b' })).message).toBe(
      '--service-account-name: --namespace must be set in order to specify --service-account-name — add --namespace <namespace>',
    );
    expect(errorOf(() => resolvePodIdentityConfig('get', { cluster: 'demo', namespace: 'A_B' })).message).toContain('"A_B" is not a valid Kubernetes namespace');
    expect(errorOf(() => resolvePodIdentityConfig('get', {})).message).toBe('--cluster: must be set — pass --cluster <EKS cluster name>');
  });
});

describe("eksctl's example with podIdentityAssociations", () => {
  const path = '/work/shared/eksctl-examples/39-pod-identity-association.yaml';

  it('39-pod-identity-association.yaml resolves cleanly for every command and apply', async () => {
    const src = await readConfigSource(path);
    for (const kind of ['create', 'update', 'delete', 'get'] as const) {
      const got = resolvePodIdentityConfig(kind, { configFile: path }, src);
      expect(got.warnings).toEqual([]);
      expect(got.selectedPodIdentity.map((p) => `${p.namespace}/${p.serviceAccountName}`)).toEqual([
        'default/s3-reader',
        'dev/app-cache-access',
        'dev/nginx',
        'default/cross-account-s3-reader',
        'default/cross-account-s3-reader-b',
      ]);
    }
    const applied = resolveConfig('apply', { configFile: path }, src);
    expect(applied.warnings).toEqual([]);
    expect(applied.selectedPodIdentity).toHaveLength(5);
    const [, cache, nginx, cross] = applied.selectedPodIdentity;
    expect(cache).toMatchObject({ roleName: 'pod-identity-role-app-cache', wellKnownPolicies: { autoScaler: true, externalDNS: true }, permissionsBoundaryARN: 'arn:aws:iam::111122223333:policy/permission-boundary' });
    expect(nginx.permissionPolicy).toMatchObject({ Version: '2012-10-17' });
    expect(cross).toMatchObject({ roleARN: 'arn:aws:iam::111122223333:role/role-a', targetRoleARN: 'arn:aws:iam::444455556666:role/role-b', disableSessionTags: true, createServiceAccount: true });
  });
});
