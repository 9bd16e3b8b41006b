import { mkdtempSync, mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IrsaError } from '../../../src/errors.js';
import { resolveConfig, type CommandKind, type ConfigFlags } from '../../../src/config/resolve.js';
import { readConfigSource } from '../../../src/config/read.js';

/**
 * Every rejected input, one row each: the error code, the field or flag the
 * message must name, and a fragment of the fix it must contain.
 */

const GOOD_HEAD = `apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata:
  name: demo
  region: us-west-2
`;
/** A file with the given service-account entries (YAML, indented as list items under serviceAccounts). */
const withSAs = (entries: string, iamExtra = '  withOIDC: true\n') => `${GOOD_HEAD}iam:\n${iamExtra}  serviceAccounts:\n${entries}`;
const S3 = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const ROLE = 'arn:aws:iam::123456789012:role/existing';

interface Row {
  name: string;
  kind?: CommandKind;
  flags?: ConfigFlags;
  /** YAML text; implies -f cluster.yaml */
  file?: string;
  code: 'USAGE' | 'CONFIG';
  names: string;
  fix: string;
}

const createFlags = (extra: ConfigFlags): ConfigFlags => ({ cluster: 'demo', name: 'app', attachPolicyArn: [S3], ...extra });

const rows: Row[] = [
  // ── flags mode: required values and exclusive spellings
  ...(['create', 'update', 'delete', 'get', 'associate', 'doctor'] as const).map(
    // associate takes --name as a deprecated alias of --cluster, so it gets no --name here.
    (kind): Row => ({ name: `missing --cluster (${kind})`, kind, flags: kind === 'associate' ? {} : { name: 'app', attachPolicyArn: [S3] }, code: 'USAGE', names: '--cluster', fix: 'pass --cluster' }),
  ),
  { name: 'apply without a file', kind: 'apply', flags: createFlags({}), code: 'USAGE', names: 'apply needs a ClusterConfig file', fix: 'pass -f cluster.yaml' },
  { name: '--name and positional differ', flags: createFlags({ positional: 'other' }), code: 'USAGE', names: '--name=app and argument other', fix: 'give the service account name once' },
  { name: 'associate --cluster and argument differ', kind: 'associate', flags: { cluster: 'a', positional: 'b' }, code: 'USAGE', names: '--cluster=a and argument b', fix: 'give the cluster name once' },
  { name: 'missing name for create', flags: { cluster: 'demo', attachPolicyArn: [S3] }, code: 'USAGE', names: '--name', fix: 'pass --name' },
  { name: 'missing name for delete', kind: 'delete', flags: { cluster: 'demo' }, code: 'USAGE', names: '--name', fix: 'pass --name' },

  // ── flags that a file replaces
  ...(
    [
      ['cluster', 'demo', '--cluster', 'metadata.name'],
      ['name', 'app', '--name', 'iam.serviceAccounts[].metadata.name'],
      ['namespace', 'x', '--namespace', 'iam.serviceAccounts[].metadata.namespace'],
      ['attachPolicyArn', [S3], '--attach-policy-arn', 'iam.serviceAccounts[].attachPolicyARNs'],
      ['attachRoleArn', ROLE, '--attach-role-arn', 'iam.serviceAccounts[].attachRoleARN'],
      ['roleName', 'r', '--role-name', 'iam.serviceAccounts[].roleName'],
      ['roleOnly', true, '--role-only', 'iam.serviceAccounts[].roleOnly'],
      ['tags', 'a=b', '--tags', 'iam.serviceAccounts[].tags'],
      ['subjectPattern', 'a-*', '--subject-pattern', 'iam.serviceAccounts[].subjectPattern'],
      ['permissionsBoundary', S3, '--permissions-boundary', 'iam.serviceAccounts[].permissionsBoundary'],
    ] as const
  ).map(
    ([key, value, flag, field]): Row => ({
      name: `${flag} with -f`,
      flags: { [key]: value },
      file: withSAs(`  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n`),
      code: 'USAGE',
      names: `${flag}: cannot be used with --config-file/-f`,
      fix: `set ${field} in the file`,
    }),
  ),
  { name: 'positional with -f', flags: { positional: 'app' }, file: withSAs(`  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n`), code: 'USAGE', names: 'the NAME argument', fix: 'drop the argument' },
  { name: '--region differs from metadata.region', flags: { region: 'eu-west-1' }, file: withSAs(`  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n`), code: 'USAGE', names: '--region', fix: 'drop --region' },

  // ── file-only flags without a file
  ...(
    [
      ['include', ['a/*'], '--include'],
      ['exclude', ['a/*'], '--exclude'],
      ['onlyMissing', true, '--only-missing'],
      ['prune', true, '--prune'],
    ] as const
  ).map(([key, value, flag]): Row => ({ name: `${flag} without -f`, flags: createFlags({ [key]: value }), code: 'USAGE', names: `${flag}: cannot be used unless a config file`, fix: 'pass -f' })),

  // ── attach-role-arn conflicts (flags)
  ...(
    [
      ['attachPolicyArn', [S3], '--attach-policy-arn'],
      ['roleName', 'r', '--role-name'],
      ['roleOnly', true, '--role-only'],
      ['permissionsBoundary', 'arn:aws:iam::123456789012:policy/b', '--permissions-boundary'],
    ] as const
  ).map(
    ([key, value, flag]): Row => ({
      name: `--attach-role-arn with ${flag}`,
      flags: { cluster: 'demo', name: 'app', attachRoleArn: ROLE, [key]: value },
      code: 'USAGE',
      names: `--attach-role-arn: cannot be combined with ${flag}`,
      fix: `drop ${flag}`,
    }),
  ),
  // ── attachRoleARN conflicts (file)
  ...(
    [
      ['attachPolicyARNs', `attachPolicyARNs: ["${S3}"]`],
      ['attachPolicy', 'attachPolicy: {Version: "2012-10-17", Statement: []}'],
      ['wellKnownPolicies', 'wellKnownPolicies: {autoScaler: true}'],
      ['roleName', 'roleName: my-role'],
    ] as const
  ).map(
    ([field, yaml]): Row => ({
      name: `attachRoleARN with ${field} in a file`,
      file: withSAs(`  - metadata: {name: app}\n    attachRoleARN: ${ROLE}\n    ${yaml}\n`),
      code: 'CONFIG',
      names: `cluster.yaml: iam.serviceAccounts[0].attachRoleARN: cannot be combined with ${field}`,
      fix: `drop ${field}`,
    }),
  ),

  // ── policy source
  ...(['create', 'update'] as const).map(
    (kind): Row => ({ name: `no policy source (${kind}, flags)`, kind, flags: { cluster: 'demo', name: 'app' }, code: 'USAGE', names: '--attach-policy-arn or --attach-role-arn must be set', fix: 'pass --attach-policy-arn' }),
  ),
  {
    name: 'no policy source (file, eksctl message)',
    file: withSAs('  - metadata: {name: a}\n    attachPolicyARNs: []\n  - metadata: {name: b}\n'),
    code: 'CONFIG',
    names: 'iam.serviceAccounts[1].wellKnownPolicies, iam.serviceAccounts[1].attachPolicyARNs,iam.serviceAccounts[1].attachRoleARN  or iam.serviceAccounts[1].attachPolicy must be set',
    fix: 'attachRoleARN',
  },

  // ── OIDC and presence
  {
    name: 'serviceAccounts without withOIDC',
    file: withSAs(`  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n`, ''),
    code: 'CONFIG',
    names: 'iam.withOIDC must be enabled explicitly for iam.serviceAccounts to be created',
    fix: 'withOIDC: true',
  },
  { name: 'create with a file without iam.serviceAccounts', file: `${GOOD_HEAD}iam:\n  withOIDC: true\n`, code: 'CONFIG', names: "'iam.serviceAccounts' is not defined", fix: 'add an iam.serviceAccounts list' },
  { name: 'delete with a file without withOIDC', kind: 'delete', file: GOOD_HEAD, code: 'CONFIG', names: "'iam.withOIDC' is not enabled", fix: 'withOIDC: true' },
  { name: 'associate with withOIDC false', kind: 'associate', file: `${GOOD_HEAD}iam:\n  withOIDC: false\n`, code: 'CONFIG', names: 'cluster.yaml: iam.withOIDC', fix: 'withOIDC: true' },
  { name: 'get with withOIDC false', kind: 'get', file: `${GOOD_HEAD}iam:\n  withOIDC: false\n`, code: 'CONFIG', names: 'cluster.yaml: iam.withOIDC', fix: 'withOIDC: true' },

  // ── names
  {
    name: 'duplicate namespace/name (second index, after defaulting)',
    file: withSAs(`  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n  - metadata: {name: other}\n    attachPolicyARNs: ["${S3}"]\n  - metadata: {name: app, namespace: default}\n    attachPolicyARNs: ["${S3}"]\n`),
    code: 'CONFIG',
    names: 'cluster.yaml: iam.serviceAccounts[2].metadata.name: default/app of iam.serviceAccounts[2] "default/app" is not unique',
    fix: 'remove one of the two entries',
  },
  { name: 'SA name missing in a file', file: withSAs(`  - metadata: {namespace: x}\n    attachPolicyARNs: ["${S3}"]\n`), code: 'CONFIG', names: 'iam.serviceAccounts[0].name must be set', fix: 'add "name:' },
  { name: 'SA name with upper case', flags: createFlags({ name: 'MyApp' }), code: 'USAGE', names: '--name: "MyApp" is not a valid Kubernetes service account name', fix: 'lower-case letters' },
  { name: 'SA name too long', flags: createFlags({ name: 'a'.repeat(254) }), code: 'USAGE', names: '--name', fix: 'at most 253 characters' },
  { name: 'SA name from the argument', flags: { cluster: 'demo', positional: 'Bad_Name', attachPolicyArn: [S3] }, code: 'USAGE', names: 'the NAME argument: "Bad_Name"', fix: 'lower-case letters' },
  { name: 'wildcard in metadata.name', file: withSAs(`  - metadata: {name: "app-*"}\n    attachPolicyARNs: ["${S3}"]\n`), code: 'CONFIG', names: 'iam.serviceAccounts[0].metadata.name', fix: 'set subjectPattern instead' },
  { name: 'namespace with a dot', flags: createFlags({ namespace: 'team.a' }), code: 'USAGE', names: '--namespace: "team.a" is not a valid Kubernetes namespace', fix: 'at most 63 characters' },
  { name: 'namespace too long', file: withSAs(`  - metadata: {name: app, namespace: ${'n'.repeat(64)}}\n    attachPolicyARNs: ["${S3}"]\n`), code: 'CONFIG', names: 'iam.serviceAccounts[0].metadata.namespace', fix: 'at most 63 characters' },
  { name: 'role name too long', flags: createFlags({ roleName: 'r'.repeat(65) }), code: 'USAGE', names: '--role-name', fix: 'at most 64' },
  { name: 'role name with a bad character', file: withSAs(`  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n    roleName: "my role"\n`), code: 'CONFIG', names: 'iam.serviceAccounts[0].roleName', fix: 'at most 64 letters' },
  { name: 'stack name with a "." (from the SA name)', flags: createFlags({ name: 'app.v2' }), code: 'USAGE', names: '--name: its CloudFormation stack name "eksctl-demo-addon-iamserviceaccount-default-app.v2"', fix: 'without "."' },
  { name: 'stack name longer than 128', flags: createFlags({ name: 'a'.repeat(100) }), code: 'USAGE', names: 'more than 128', fix: 'shorten' },
  { name: 'cluster name with a dot', flags: createFlags({ cluster: 'my.cluster' }), code: 'USAGE', names: '--cluster: "my.cluster" is not a valid EKS cluster name', fix: 'at most 100 characters' },
  { name: 'cluster name too long (file)', file: withSAs(`  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n`).replace('name: demo', `name: ${'c'.repeat(101)}`), code: 'CONFIG', names: 'cluster.yaml: metadata.name', fix: 'at most 100 characters' },
  { name: 'metadata.name missing', file: GOOD_HEAD.replace('  name: demo\n', '') + 'iam:\n  withOIDC: true\n  serviceAccounts: []\n', code: 'CONFIG', names: 'metadata.name must be set', fix: 'under metadata' },
  { name: 'metadata.region missing', file: GOOD_HEAD.replace('  region: us-west-2\n', '') + 'iam:\n  withOIDC: true\n  serviceAccounts: []\n', code: 'CONFIG', names: 'metadata.region must be set', fix: 'e.g. us-west-2' },

  // ── ARNs
  { name: 'policy ARN malformed (flag)', flags: createFlags({ attachPolicyArn: ['AmazonS3ReadOnlyAccess'] }), code: 'USAGE', names: '--attach-policy-arn: "AmazonS3ReadOnlyAccess" is not an IAM policy ARN', fix: 'arn:aws:iam::aws:policy/' },
  { name: 'policy ARN in a comma list, one bad', flags: createFlags({ attachPolicyArn: [`${S3},arn:aws:s3:::bucket`] }), code: 'USAGE', names: '"arn:aws:s3:::bucket"', fix: 'arn:aws:iam::<12-digit account id>:policy/' },
  { name: 'policy ARN missing account (file)', file: withSAs('  - metadata: {name: app}\n    attachPolicyARNs: ["arn:aws:iam:11111:policy/x"]\n'), code: 'CONFIG', names: 'iam.serviceAccounts[0].attachPolicyARNs[0]', fix: 'arn:aws:iam::' },
  { name: 'a role ARN given as a policy', flags: createFlags({ attachPolicyArn: [ROLE] }), code: 'USAGE', names: 'is not an IAM policy ARN', fix: ':policy/' },
  { name: 'permissions boundary malformed', flags: createFlags({ permissionsBoundary: 'boundary' }), code: 'USAGE', names: '--permissions-boundary', fix: ':policy/' },
  { name: 'attach role ARN malformed', flags: { cluster: 'demo', name: 'app', attachRoleArn: 'arn:aws:iam::123456789012:policy/x' }, code: 'USAGE', names: '--attach-role-arn: "arn:aws:iam::123456789012:policy/x" is not an IAM role ARN', fix: ':role/' },

  // ── tags
  { name: 'tags with an empty key', flags: createFlags({ tags: '=v' }), code: 'USAGE', names: '--tags', fix: 'key=value' },
  { name: 'tags without "="', flags: createFlags({ tags: 'team' }), code: 'USAGE', names: '--tags: "team" has no "="', fix: 'team=<value>' },
  { name: 'tags with a duplicate key', flags: createFlags({ tags: 'a=1,a=2' }), code: 'USAGE', names: '--tags: tag key "a" is given twice', fix: 'keep one' },
  { name: 'file tag with a reserved prefix', file: withSAs(`  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n    tags: {"aws:owner": x}\n`), code: 'CONFIG', names: 'iam.serviceAccounts[0].tags', fix: 'choose another key' },

  // ── AWS limits moto does not enforce (botocore models and the IAM quotas page; src/config/limits.ts)
  { name: 'empty tag value (flags)', flags: createFlags({ tags: 'team=' }), code: 'USAGE', names: '--tags: tag "team" has an empty value, which CloudFormation refuses', fix: 'give it a value' },
  { name: 'empty tag value in metadata.tags', file: withSAs(`  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n`).replace('  region: us-west-2\n', '  region: us-west-2\n  tags: {team: ""}\n'), code: 'CONFIG', names: 'cluster.yaml: metadata.tags: tag "team" has an empty value', fix: 'give it a value' },
  { name: 'tag key over 128 characters', flags: createFlags({ tags: `${'k'.repeat(129)}=v` }), code: 'USAGE', names: '--tags: tag key', fix: 'shorten it' },
  { name: 'tag value over 256 characters', flags: createFlags({ tags: `k=${'v'.repeat(257)}` }), code: 'USAGE', names: '--tags: the value of tag "k" is longer than 256', fix: 'shorten it' },
  { name: '51 stack tags (47 of the user + 4 eksctl)', flags: createFlags({ tags: Array.from({ length: 47 }, (_, i) => `t${i}=v`).join(',') }), code: 'USAGE', names: "--tags: the stack of default/app would carry 51 tags (4 eksctl tags, 47 from --tags), more than CloudFormation's limit of 50", fix: 'remove at least 1 tag(s)' },
  {
    name: 'stack tags over 50 from metadata.tags and the service account together',
    file: withSAs(`  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n    tags: {${Array.from({ length: 20 }, (_, i) => `s${i}: v`).join(', ')}}\n`).replace('  region: us-west-2\n', `  region: us-west-2\n  tags: {${Array.from({ length: 30 }, (_, i) => `m${i}: v`).join(', ')}}\n`),
    code: 'CONFIG',
    names: 'cluster.yaml: iam.serviceAccounts[0].tags: the stack of default/app would carry 54 tags (4 eksctl tags, 30 from metadata.tags, 20 from tags)',
    fix: 'at most 46 of your own fit',
  },
  { name: 'tag keys differing only in case', file: withSAs(`  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n    tags: {team: b}\n`).replace('  region: us-west-2\n', '  region: us-west-2\n  tags: {Team: a}\n'), code: 'CONFIG', names: 'iam.serviceAccounts[0].tags: tag keys "Team" and "team" differ only in case', fix: 'keep one spelling' },
  { name: 'a tag key differing from an eksctl tag only in case', flags: createFlags({ tags: 'Alpha.eksctl.io/cluster-name=x' }), code: 'USAGE', names: '--tags: tag keys "alpha.eksctl.io/cluster-name" and "Alpha.eksctl.io/cluster-name" differ only in case', fix: 'keep one spelling' },
  { name: '21 managed policies (flags)', flags: createFlags({ attachPolicyArn: Array.from({ length: 21 }, (_, i) => `arn:aws:iam::123456789012:policy/p${i}`) }), code: 'USAGE', names: '--attach-policy-arn: the role of default/app would have 21 managed policies (21 from --attach-policy-arn), more than IAM allows any role (20', fix: 'attach at most 20' },
  {
    name: '21 managed policies with the well-known ones (file)',
    file: withSAs(`  - metadata: {name: app}\n    attachPolicyARNs: [${Array.from({ length: 19 }, (_, i) => `"arn:aws:iam::123456789012:policy/p${i}"`).join(', ')}]\n    wellKnownPolicies: {imageBuilder: true, ebsCSIController: true}\n`),
    code: 'CONFIG',
    names: 'iam.serviceAccounts[0].attachPolicyARNs: the role of default/app would have 21 managed policies (19 from attachPolicyARNs + 2 from wellKnownPolicies)',
    fix: 'attach at most 20',
  },
  {
    name: 'inline policies over 10,240 characters (well-known policies plus attachPolicy)',
    file: withSAs(`  - metadata: {name: app}\n    wellKnownPolicies: {awsLoadBalancerController: true}\n    attachPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Resource: "*", Action: ["s3:${'a'.repeat(5100)}"]}]}\n`),
    code: 'CONFIG',
    names: "cluster.yaml: iam.serviceAccounts[0].attachPolicy: the inline policies of default/app come to 10,385 characters without whitespace (PolicyAWSLoadBalancerController 5,196, Policy1 5,189), more than IAM's limit of 10,240 per role",
    fix: 'remove 145 or more characters',
  },
  {
    name: 'inline policy name over 128 characters (cluster of 25 characters, the load balancer controller)',
    file: withSAs('  - metadata: {name: aws-load-balancer-controller, namespace: kube-system}\n    wellKnownPolicies: {awsLoadBalancerController: true}\n').replace('name: demo', `name: ${'c'.repeat(25)}`),
    code: 'CONFIG',
    names: `iam.serviceAccounts[0].metadata.name: the inline policy name "eksctl-${'c'.repeat(25)}-addon-iamserviceaccount-kube-system-aws-load-balancer-controller-PolicyAWSLoadBalancerController" (CloudFormation names it <stack name>-PolicyAWSLoadBalancerController) is 129 characters, more than IAM's limit of 128`,
    fix: 'by at least 1 character(s)',
  },
  {
    name: 'attachPolicy with a character IAM refuses',
    file: withSAs('  - metadata: {name: app}\n    attachPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Resource: "*", Action: "s3:GetObject", Sid: "ok\\u2713"}]}\n'),
    code: 'CONFIG',
    names: 'cluster.yaml: iam.serviceAccounts[0].attachPolicy.Statement[0].Sid: has the character U+2713, which IAM does not accept in a policy document',
    fix: 'plain ASCII',
  },
  { name: 'trust policy over 2,048 characters (a long subject pattern)', flags: createFlags({ region: 'us-west-2', subjectPattern: `app-${'a'.repeat(1600)}*` }), code: 'USAGE', names: "--subject-pattern: the trust policy of default/app would be 2,091 characters without whitespace, more than IAM's default quota of 2,048", fix: 'shorten --subject-pattern by at least 43 character(s); the "Role trust policy length" quota can be raised to 4,096' },
  { name: 'the limits apply to update too', kind: 'update', flags: createFlags({ attachPolicyArn: Array.from({ length: 21 }, (_, i) => `arn:aws:iam::123456789012:policy/p${i}`) }), code: 'USAGE', names: 'more than IAM allows any role (20', fix: 'attach at most 20' },
  { name: 'the limits apply to apply too', kind: 'apply', file: withSAs('  - metadata: {name: aws-load-balancer-controller, namespace: kube-system}\n    wellKnownPolicies: {awsLoadBalancerController: true}\n').replace('name: demo', `name: ${'c'.repeat(30)}`), code: 'CONFIG', names: 'is 134 characters, more than IAM\'s limit of 128', fix: 'by at least 6 character(s)' },

  // ── keys and types
  { name: 'unknown well-known policy key', file: withSAs('  - metadata: {name: app}\n    wellKnownPolicies: {autoscaler: true}\n'), code: 'CONFIG', names: 'cluster.yaml: iam.serviceAccounts[0].wellKnownPolicies.autoscaler: unknown key', fix: 'did you mean "autoScaler"?' },
  { name: 'unknown SA key (casing)', file: withSAs(`  - metadata: {name: app}\n    attachPolicyArns: ["${S3}"]\n`), code: 'CONFIG', names: 'iam.serviceAccounts[0].attachPolicyArns: unknown key', fix: 'did you mean "attachPolicyARNs"?' },
  { name: 'unknown iam key', file: withSAs(`  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n`).replace('withOIDC', 'withOidc'), code: 'CONFIG', names: 'cluster.yaml: iam.withOidc: unknown key', fix: 'did you mean "withOIDC"?' },
  { name: 'unknown top-level key, nothing close', file: `${GOOD_HEAD}zzzzzzzzzzzzzz: 1\n`, code: 'CONFIG', names: 'cluster.yaml: zzzzzzzzzzzzzz: unknown key', fix: 'valid keys here: apiVersion' },
  { name: 'unknown SA metadata key', file: withSAs(`  - metadata: {name: app, lables: {a: b}}\n    attachPolicyARNs: ["${S3}"]\n`), code: 'CONFIG', names: 'iam.serviceAccounts[0].metadata.lables', fix: 'did you mean "labels"?' },
  { name: 'wrong type', file: withSAs(`  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n    roleOnly: "yes"\n`), code: 'CONFIG', names: 'iam.serviceAccounts[0].roleOnly: expected boolean, got the string "yes"', fix: 'write true or false' },
  { name: 'wrong apiVersion', file: GOOD_HEAD.replace('v1alpha5', 'v1alpha4'), code: 'CONFIG', names: 'cluster.yaml: apiVersion: "eksctl.io/v1alpha4" is not supported', fix: 'apiVersion: eksctl.io/v1alpha5' },
  { name: 'missing kind', kind: 'get', file: GOOD_HEAD.replace('kind: ClusterConfig\n', ''), code: 'CONFIG', names: 'cluster.yaml: kind: must be set', fix: 'kind: ClusterConfig' },
  { name: 'document is a list', kind: 'get', file: '- a\n- b\n', code: 'CONFIG', names: 'cluster.yaml: the document is a list', fix: 'apiVersion: eksctl.io/v1alpha5' },

  // ── YAML
  { name: 'malformed YAML has line and column', file: `${GOOD_HEAD}iam:\n  serviceAccounts: [\n`, code: 'CONFIG', names: 'cluster.yaml:8:1:', fix: 'fix the YAML' },
  { name: 'duplicate YAML key', file: `${GOOD_HEAD}metadata: {}\n`, code: 'CONFIG', names: 'cluster.yaml:6:', fix: 'fix the YAML' },
  { name: 'two YAML documents', file: `${GOOD_HEAD}---\n${GOOD_HEAD}`, code: 'CONFIG', names: 'cluster.yaml: holds more than one YAML document', fix: 'one ClusterConfig per file' },
  { name: 'empty document', file: '# nothing here\n', code: 'CONFIG', names: 'cluster.yaml: is empty', fix: 'apiVersion: eksctl.io/v1alpha5' },
  {
    name: 'alias bomb',
    kind: 'get',
    file: `${GOOD_HEAD}vpc:\n  a0: &a0 [x, x, x]\n${Array.from({ length: 9 }, (_, i) => `  a${i + 1}: &a${i + 1} [${Array(12).fill(`*a${i}`).join(', ')}]\n`).join('')}`,
    code: 'CONFIG',
    names: 'cluster.yaml: expands to more than 1000000 nodes',
    fix: 'use fewer anchors',
  },
  {
    name: 'more than 100 aliases',
    kind: 'get',
    file: `${GOOD_HEAD}vpc:\n  a: &a [x]\n  b: [${Array(101).fill('*a').join(', ')}]\n`,
    code: 'CONFIG',
    names: 'cluster.yaml: uses 101 aliases, more than the 100 allowed',
    fix: 'use fewer anchors',
  },
  { name: 'alias cycle', kind: 'get', file: `${GOOD_HEAD}vpc: &v\n  self: *v\n`, code: 'CONFIG', names: 'refers to its own anchor', fix: 'use fewer anchors' },

  // ── subject pattern
  { name: 'subject pattern "*" without confirmation', flags: createFlags({ subjectPattern: '*' }), code: 'USAGE', names: '--subject-pattern: "*" lets every service account in namespace "default"', fix: '--allow-wildcard-subject' },
  { name: 'subject pattern "*" in a file', file: withSAs(`  - metadata: {name: app, namespace: team}\n    attachPolicyARNs: ["${S3}"]\n    subjectPattern: "*"\n`), code: 'CONFIG', names: 'iam.serviceAccounts[0].subjectPattern', fix: '--allow-wildcard-subject' },
  { name: 'subject pattern with a colon', flags: createFlags({ subjectPattern: 'ns:app' }), code: 'USAGE', names: '--subject-pattern: "ns:app" is not a service account name pattern', fix: 'wildcards * and ?' },

  // ── include/exclude
  { name: 'include glob matches nothing', flags: { include: ['kube-system/*,nope/*'] }, file: withSAs(`  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n`), code: 'CONFIG', names: '--include: no service account matches "kube-system/*", "nope/*"', fix: 'available: default/app' },
  { name: 'bad glob', flags: { exclude: ['default/[app'] }, file: withSAs(`  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n`), code: 'CONFIG', names: 'glob "default/[app" has a "[" without a closing "]"', fix: 'fix the --include/--exclude pattern' },
];

describe('resolveConfig rejects bad input', () => {
  it.each(rows)('$name', (row) => {
    const flags: ConfigFlags = row.file === undefined ? { ...row.flags } : { ...row.flags, configFile: 'cluster.yaml' };
    const source = row.file === undefined ? undefined : { path: 'cluster.yaml', text: row.file };
    let caught: unknown;
    try {
      resolveConfig(row.kind ?? 'create', flags, source);
    } catch (err) {
      caught = err;
    }
    expect(caught, 'expected an error').toBeInstanceOf(IrsaError);
    const err = caught as IrsaError;
    expect(err.code).toBe(row.code);
    expect(err.message).toContain(row.names);
    expect(err.message).toContain(row.fix);
  });

  it('lists every problem at once, one per line', () => {
    const text = withSAs(
      `  - metadata: {name: Bad}\n    attachPolicyARNs: ["nope"]\n  - metadata: {name: ok}\n    roleName: "${'r'.repeat(70)}"\n    attachPolicyArns: []\n`,
    );
    const err = (() => {
      try {
        resolveConfig('create', { configFile: 'c.yaml' }, { path: 'c.yaml', text });
      } catch (e) {
        return e as IrsaError;
      }
      throw new Error('no error');
    })();
    // Shape problems (unknown key) are reported before the rules run, so only it shows here.
    expect(err.message).toContain('c.yaml: iam.serviceAccounts[1].attachPolicyArns: unknown key');
    const text2 = text.replace('attachPolicyArns: []', 'attachPolicyARNs: []');
    try {
      resolveConfig('create', { configFile: 'c.yaml', cluster: 'x' }, { path: 'c.yaml', text: text2 });
      throw new Error('no error');
    } catch (e) {
      const msg = (e as IrsaError).message;
      expect(msg).toMatch(/^5 problems:\n/);
      for (const part of ['--cluster: cannot be used', '[0].metadata.name: "Bad"', '[0].attachPolicyARNs[0]: "nope"', '[1].roleName', '[1].wellKnownPolicies, ']) {
        expect(msg).toContain(part);
      }
    }
  });
});

describe('readConfigSource rejects unreadable input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsactl-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const readRows: { name: string; setup: () => string; names: string; fix: string }[] = [
    { name: 'missing file', setup: () => join(dir, 'nope.yaml'), names: 'nope.yaml: no such file', fix: 'check the path' },
    { name: 'empty file', setup: () => { const p = join(dir, 'empty.yaml'); writeFileSync(p, '  \n'); return p; }, names: 'empty.yaml: is empty', fix: 'write a ClusterConfig' },
    { name: 'a directory', setup: () => { const p = join(dir, 'sub'); mkdirSync(p); return p; }, names: 'sub: is a directory', fix: 'pass the path of a ClusterConfig' },
    { name: 'larger than 5 MB', setup: () => { const p = join(dir, 'big.yaml'); writeFileSync(p, '#'.repeat(5 * 1024 * 1024 + 1)); return p; }, names: 'big.yaml: is larger than 5 MB', fix: 'right file' },
  ];
  it.each(readRows)('$name', async (row) => {
    const err = await readConfigSource(row.setup()).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(IrsaError);
    expect((err as IrsaError).code).toBe('CONFIG');
    expect((err as IrsaError).message).toContain(row.names);
    expect((err as IrsaError).message).toContain(row.fix);
  });

  const isRoot = process.getuid?.() === 0;
  it.skipIf(isRoot)('unreadable file (skipped as root: root reads anything)', async () => {
    const p = join(dir, 'secret.yaml');
    writeFileSync(p, 'a: 1\n');
    chmodSync(p, 0o000);
    const err = await readConfigSource(p).then(() => undefined, (e: unknown) => e);
    expect((err as IrsaError).code).toBe('CONFIG');
    expect((err as IrsaError).message).toContain('secret.yaml: cannot be read (permission denied)');
  });
});
