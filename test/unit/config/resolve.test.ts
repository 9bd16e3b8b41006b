import { describe, expect, it } from 'vitest';
import { IrsaError } from '../../../src/errors.js';
import { resolveConfig, type ConfigSource } from '../../../src/config/resolve.js';

import { NO_WELL_KNOWN } from '../../fixtures/cfn/specs.js';

const S3 = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const DDB = 'arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess';

const file = (body: string, path = 'cluster.yaml'): ConfigSource => ({
  path,
  text: `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: demo\n  region: us-west-2\n${body}`,
});

const SIX = file(`iam:
  withOIDC: true
  serviceAccounts:
  - metadata: {name: s3-reader, namespace: backend}
    attachPolicyARNs: ["${S3}"]
  - metadata: {name: s3-writer, namespace: backend}
    attachPolicyARNs: ["${S3}"]
  - metadata: {name: dynamo-reader}
    attachPolicyARNs: ["${DDB}"]
  - metadata: {name: external-dns, namespace: kube-system}
    wellKnownPolicies: {externalDNS: true}
  - metadata: {name: cert-manager, namespace: cert-manager}
    wellKnownPolicies: {certManager: true}
  - metadata: {name: lbc, namespace: kube-system}
    wellKnownPolicies: {awsLoadBalancerController: true}
`);

const ids = (sas: { namespace: string; name: string }[]) => sas.map((sa) => `${sa.namespace}/${sa.name}`);

describe('flags mode', () => {
  it('create builds one service account with defaults', () => {
    const got = resolveConfig('create', {
      cluster: 'demo',
      name: 'app',
      attachPolicyArn: [`${S3}, ${DDB}`, 'arn:aws:iam::123456789012:policy/team/Custom'],
      tags: 'team=payments, cost-center=42',
      region: 'eu-west-1',
    });
    expect(got.source).toEqual({ kind: 'flags' });
    expect(got.region).toBe('eu-west-1');
    expect(got.warnings).toEqual([]);
    expect(got.cluster).toEqual({
      name: 'demo',
      region: 'eu-west-1',
      tags: {},
      withOIDC: true,
      serviceAccounts: [
        {
          name: 'app',
          namespace: 'default',
          labels: {},
          annotations: {},
          attachPolicyARNs: [S3, DDB, 'arn:aws:iam::123456789012:policy/team/Custom'],
          wellKnownPolicies: NO_WELL_KNOWN,
          roleOnly: false,
          tags: { team: 'payments', 'cost-center': '42' },
        },
      ],
    });
    expect(got.selected).toEqual(got.cluster.serviceAccounts);
  });

  it('takes the name from the positional argument, and accepts both when equal', () => {
    const byArg = resolveConfig('create', { cluster: 'demo', positional: 'app', attachPolicyArn: [S3] });
    expect(byArg.selected[0].name).toBe('app');
    const both = resolveConfig('create', { cluster: 'demo', name: 'app', positional: 'app', attachPolicyArn: [S3] });
    expect(both.selected[0].name).toBe('app');
  });

  it('carries every create flag into the model', () => {
    const got = resolveConfig('create', {
      cluster: 'demo',
      name: 'app',
      namespace: 'team-a',
      attachPolicyArn: [S3],
      roleName: 'app-role',
      roleOnly: true,
      subjectPattern: 'app-*',
      permissionsBoundary: 'arn:aws:iam::123456789012:policy/boundary',
    });
    expect(got.selected[0]).toMatchObject({
      namespace: 'team-a',
      roleName: 'app-role',
      roleOnly: true,
      subjectPattern: 'app-*',
      permissionsBoundary: 'arn:aws:iam::123456789012:policy/boundary',
    });
  });

  it('accepts --attach-role-arn alone, warning about a placeholder account id', () => {
    const got = resolveConfig('create', { cluster: 'demo', name: 'app', attachRoleArn: 'arn:aws:iam::123:role/existing' });
    expect(got.selected[0].attachRoleARN).toBe('arn:aws:iam::123:role/existing');
    expect(got.warnings).toEqual([
      '--attach-role-arn: account id "123" in "arn:aws:iam::123:role/existing" is not 12 digits; IAM will reject it unless you replace it',
    ]);
  });

  it('accepts subjectPattern "*" with allowWildcardSubject', () => {
    const got = resolveConfig('create', { cluster: 'demo', name: 'app', attachPolicyArn: [S3], subjectPattern: '*', allowWildcardSubject: true });
    expect(got.selected[0].subjectPattern).toBe('*');
  });

  it('delete needs cluster and name but no policy', () => {
    const got = resolveConfig('delete', { cluster: 'demo', name: 'app', namespace: 'team-a' });
    expect(ids(got.selected)).toEqual(['team-a/app']);
  });

  it('get without a name lists everything: no service accounts, an empty lookup', () => {
    const got = resolveConfig('get', { cluster: 'demo' });
    expect(got.cluster.serviceAccounts).toEqual([]);
    expect(got.selected).toEqual([]);
    expect(got.lookup).toEqual({});
  });

  it('get with name and namespace puts exact filters in lookup, without defaulting the namespace', () => {
    expect(resolveConfig('get', { cluster: 'demo', positional: 'app', namespace: 'team-a' }).lookup).toEqual({ name: 'app', namespace: 'team-a' });
    expect(resolveConfig('get', { cluster: 'demo', name: 'app' }).lookup).toEqual({ name: 'app' });
    expect(resolveConfig('doctor', { cluster: 'demo', namespace: 'kube-system' }).lookup).toEqual({ namespace: 'kube-system' });
  });

  it('doctor takes NAME or NAMESPACE/NAME as its argument', () => {
    expect(resolveConfig('doctor', { cluster: 'demo', positional: 'app', namespace: 'team-a' }).lookup).toEqual({ name: 'app', namespace: 'team-a' });
    expect(resolveConfig('doctor', { cluster: 'demo', positional: 'team-a/app' }).lookup).toEqual({ name: 'app', namespace: 'team-a' });
    expect(resolveConfig('doctor', { cluster: 'demo', positional: 'team-a/app', namespace: 'team-a' }).lookup).toEqual({ name: 'app', namespace: 'team-a' });
    expect(() => resolveConfig('doctor', { cluster: 'demo', positional: 'team-a/app', namespace: 'team-b' })).toThrow(
      '--namespace: --namespace=team-b and argument team-a/app cannot be used at the same time — give the namespace once, either as --namespace or in the argument',
    );
    for (const bad of ['/app', 'team-a/', 'a/b/c']) {
      expect(() => resolveConfig('doctor', { cluster: 'demo', positional: bad })).toThrow(`the NAME argument: "${bad}" is neither NAME nor NAMESPACE/NAME`);
    }
    // Only doctor reads a slash this way; get still checks the name as a Kubernetes name.
    expect(() => resolveConfig('get', { cluster: 'demo', positional: 'team-a/app' })).toThrow();
  });

  it('get still validates --namespace', () => {
    expect(() => resolveConfig('get', { cluster: 'demo', namespace: 'Bad_NS' })).toThrow(/--namespace: "Bad_NS"/);
  });

  it('associate takes the cluster from --cluster, the argument, or the deprecated --name', () => {
    for (const flags of [{ cluster: 'demo' }, { positional: 'demo' }, { name: 'demo' }, { cluster: 'demo', positional: 'demo' }]) {
      const got = resolveConfig('associate', { ...flags, region: 'us-east-1' });
      expect(got.cluster).toEqual({ name: 'demo', region: 'us-east-1', tags: {}, withOIDC: true, serviceAccounts: [] });
      expect(got.selected).toEqual([]);
    }
  });

  it('names the argument, not --cluster, when the argument is the bad cluster name', () => {
    expect(() => resolveConfig('associate', { positional: 'bad.name' })).toThrow(/^the CLUSTER argument: "bad.name" is not a valid EKS cluster name/);
  });

  it('asks for the file to be read when --config-file is set without a source', () => {
    const err = (() => {
      try {
        resolveConfig('create', { configFile: 'x.yaml' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(IrsaError);
    expect((err as IrsaError).code).toBe('INTERNAL');
  });
});

describe('file mode', () => {
  it('defaults namespace, roleOnly, maps and withOIDC before validation', () => {
    const got = resolveConfig('get', { configFile: 'cluster.yaml' }, file(''));
    expect(got.cluster).toEqual({ name: 'demo', region: 'us-west-2', tags: {}, withOIDC: false, serviceAccounts: [] });
    expect(got.region).toBe('us-west-2');
  });

  it('get with a file without iam lists all instead of crashing (eksctl panics)', () => {
    const got = resolveConfig('get', { configFile: 'cluster.yaml' }, file('vpc: {cidr: 10.0.0.0/16}\n'));
    expect(got.selected).toEqual([]);
    expect(got.lookup).toBeUndefined();
  });

  it('accepts --region equal to metadata.region', () => {
    expect(resolveConfig('create', { configFile: 'cluster.yaml', region: 'us-west-2' }, SIX).region).toBe('us-west-2');
  });

  it('accepts an empty serviceAccounts list for create and apply (explicitly nothing)', () => {
    const got = resolveConfig('apply', { configFile: 'cluster.yaml' }, file('iam:\n  withOIDC: true\n  serviceAccounts: []\n'));
    expect(got.selected).toEqual([]);
  });

  it('keeps labels, annotations, tags, metadata.tags, and ignores unused ObjectMeta and status', () => {
    const got = resolveConfig(
      'create',
      { configFile: 'cluster.yaml' },
      file(`  tags: {env: prod}
iam:
  withOIDC: true
  serviceRoleARN: whatever
  serviceAccounts:
  - metadata:
      name: app
      namespace: ""
      labels: {a: b}
      annotations: {x: y}
      uid: 1234
      generateName: foo-
    attachPolicyARNs: ["${S3}"]
    attachRoleARN: ""
    tags: {team: t}
    status: {roleARN: ignored}
`),
    );
    expect(got.cluster.tags).toEqual({ env: 'prod' });
    expect(got.selected).toEqual([
      {
        name: 'app',
        namespace: 'default',
        labels: { a: 'b' },
        annotations: { x: 'y' },
        attachPolicyARNs: [S3],
        wellKnownPolicies: NO_WELL_KNOWN,
        roleOnly: false,
        tags: { team: 't' },
      },
    ]);
  });

  it('honours YAML merge keys and anchors, as eksctl does', () => {
    const got = resolveConfig(
      'create',
      { configFile: 'cluster.yaml' },
      file(`iam:
  withOIDC: true
  serviceAccounts:
  - &base
    metadata: {name: a, namespace: team}
    attachPolicyARNs: ["${S3}"]
  - <<: *base
    metadata: {name: b, namespace: team}
`),
    );
    expect(ids(got.selected)).toEqual(['team/a', 'team/b']);
    expect(got.selected[1].attachPolicyARNs).toEqual([S3]);
  });

  it('reads stdin sources and names them <stdin>', () => {
    expect(() => resolveConfig('create', { configFile: '-' }, { path: '-', text: 'kind: x\n' })).toThrow(/^5 problems:\n {2}- <stdin>: apiVersion: must be set/);
  });

  it('warns for an empty attachPolicy', () => {
    const got = resolveConfig('create', { configFile: 'c.yaml' }, file(`iam:\n  withOIDC: true\n  serviceAccounts:\n  - metadata: {name: app}\n    attachPolicy: {}\n`, 'c.yaml'));
    expect(got.warnings).toEqual(['c.yaml: iam.serviceAccounts[0].attachPolicy: is empty, so it grants nothing (eksctl accepts it too)']);
  });
});

describe('include/exclude through resolveConfig', () => {
  const select = (include?: string[], exclude?: string[]) =>
    ids(resolveConfig('create', { configFile: 'cluster.yaml', include, exclude }, SIX).selected);

  it('selects everything without globs', () => {
    expect(select()).toHaveLength(6);
  });

  it('matches "*" across the "/" like eksctl', () => {
    expect(select(['*-reader'])).toEqual(['backend/s3-reader', 'default/dynamo-reader']);
  });

  it('splits comma lists and keeps brace alternations whole', () => {
    expect(select(['kube-system/*,cert-manager/*'])).toEqual(['kube-system/external-dns', 'cert-manager/cert-manager', 'kube-system/lbc']);
    expect(select(['backend/{s3-reader,s3-writer}'])).toEqual(['backend/s3-reader', 'backend/s3-writer']);
  });

  it('lets exclude win over include', () => {
    expect(select(['backend/*'], ['*/s3-writer'])).toEqual(['backend/s3-reader']);
    expect(select(undefined, ['kube-system/*', 'backend/*'])).toEqual(['default/dynamo-reader', 'cert-manager/cert-manager']);
  });

  it('matches the defaulted namespace (eksctl matches "/name" here)', () => {
    expect(select(['default/dynamo-reader'])).toEqual(['default/dynamo-reader']);
  });
});

describe('scale', () => {
  it('resolves a 5,000-service-account file', () => {
    const entries = Array.from(
      { length: 5000 },
      (_, i) => `  - metadata: {name: sa-${i}, namespace: ns-${i % 50}}\n    attachPolicyARNs: ["${S3}"]\n`,
    ).join('');
    const got = resolveConfig('create', { configFile: 'big.yaml', include: ['ns-*/*'] }, file(`iam:\n  withOIDC: true\n  serviceAccounts:\n${entries}`, 'big.yaml'));
    expect(got.cluster.serviceAccounts).toHaveLength(5000);
    expect(got.selected).toHaveLength(5000);
  });
});
