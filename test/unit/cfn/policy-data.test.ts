import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EKSCTL_POLICIES, MANAGED_POLICIES, UPSTREAM_POLICIES } from '../../../src/cfn/policy-data.js';
import { partitionNeutral, wellKnownInlinePolicies, wellKnownManagedPolicyArns } from '../../../src/cfn/well-known-policies.js';
import { WELL_KNOWN_POLICY_KEYS, type WellKnownPolicies } from '../../../src/model/service-account.js';
import {
  documentSha256,
  extractDocument,
  checkActionsIn,
  extractManagedPolicies,
  parseEksctlStatements,
  parseEksctlWellKnown,
  sha256,
} from '../../../scripts/lib/policy-sources.mjs';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const VENDORED = join(ROOT, 'test', 'fixtures', 'upstream', 'eksctl');
const vendored = (path: string): string => readFileSync(join(VENDORED, path.split('/').pop()!), 'utf8');
const only = (key: string): WellKnownPolicies =>
  Object.fromEntries(WELL_KNOWN_POLICY_KEYS.map((k) => [k, k === key])) as WellKnownPolicies;

describe('the eksctl profile is eksctl\'s source', () => {
  it('the vendored Go files are the ones the data file names (same sha256)', () => {
    for (const f of EKSCTL_POLICIES.source.files) expect(sha256(vendored(f.path)), f.path).toBe(f.sha256);
  });

  it('re-reading the Go files gives the data file, key for key and in eksctl\'s order', () => {
    const [statementGo, helperGo, iamGo] = EKSCTL_POLICIES.source.files.map((f) => vendored(f.path));
    const statements = parseEksctlStatements(statementGo);
    const layout = parseEksctlWellKnown(helperGo, iamGo);
    expect(Object.keys(layout)).toEqual([...WELL_KNOWN_POLICY_KEYS]);
    for (const [key, { managed, inline }] of Object.entries(layout)) {
      const data = EKSCTL_POLICIES.wellKnownPolicies[key as keyof WellKnownPolicies]!;
      expect(data.managed, key).toEqual(managed);
      expect(JSON.stringify(data.inline), key).toBe(
        JSON.stringify(inline.map((p) => ({ logicalId: p.logicalId, statements: statements[p.statements] }))),
      );
    }
  });

  it('renders each key from eksctl\'s statements and managed names, nothing else', () => {
    for (const key of WELL_KNOWN_POLICY_KEYS) {
      const data = EKSCTL_POLICIES.wellKnownPolicies[key]!;
      expect(wellKnownInlinePolicies(only(key)).map((p) => [p.logicalId, p.document.Statement])).toEqual(
        data.inline.map((p) => [p.logicalId, p.statements]),
      );
      expect(wellKnownManagedPolicyArns(only(key))).toEqual(
        data.managed.map((n) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::aws:policy/${n}` })),
      );
    }
  });

  it('the parser fails loudly on Go it does not understand (so a changed eksctl file cannot be half read)', () => {
    expect(() => parseEksctlStatements('func x() []cft.MapOfInterfaces {\n\treturn []cft.MapOfInterfaces{{"A": someCall()}}\n}')).toThrow(
      /cannot read/,
    );
  });
});

describe('the data files', () => {
  const documentFiles = [...UPSTREAM_POLICIES.values()].flat();
  const managedFiles = [...MANAGED_POLICIES.values()].flat();
  const upstreamFiles = [...documentFiles, ...managedFiles];

  it('each carries the checksum of its own content (a hand edit fails here; re-run the refresh script)', () => {
    expect(documentSha256(EKSCTL_POLICIES.wellKnownPolicies)).toBe(EKSCTL_POLICIES.documentSha256);
    for (const f of documentFiles) expect(documentSha256(f.document), `${f.controller} ${f.version}`).toBe(f.documentSha256);
    for (const f of managedFiles) expect(documentSha256(f.managedPolicies), `${f.controller} ${f.version}`).toBe(f.documentSha256);
  });

  it('are exactly the entries of policies/sources.json, each with a 40-hex commit', () => {
    const { sources } = JSON.parse(readFileSync(join(ROOT, 'policies', 'sources.json'), 'utf8')) as {
      sources: { controller: string; version: string; repository: string; path: string; ref: string }[];
    };
    const onDisk = readdirSync(join(ROOT, 'policies', 'upstream'), { recursive: true, encoding: 'utf8' })
      .filter((p) => p.endsWith('.json'))
      .sort();
    expect(onDisk).toEqual(sources.map((s) => join(s.controller, `${s.version}.json`)).sort());
    expect(upstreamFiles).toHaveLength(sources.length);
    for (const f of upstreamFiles) {
      const s = sources.find((x) => x.controller === f.controller && x.version === f.version)!;
      expect([f.source.repository, f.source.path, f.source.ref]).toEqual([s.repository, s.path, s.ref]);
      expect(f.source.commit).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it("carry sources.json's inputs (an added statement also the sha256 of the file it comes from)", () => {
    const { sources } = JSON.parse(readFileSync(join(ROOT, 'policies', 'sources.json'), 'utf8')) as {
      sources: { controller: string; version: string; inputs?: Record<string, { adds?: { from?: string } }> }[];
    };
    for (const f of documentFiles) {
      const s = sources.find((x) => x.controller === f.controller && x.version === f.version)!;
      const stripped = JSON.parse(JSON.stringify(f.inputs ?? null), (k, v: unknown) => (k === 'sha256' ? undefined : v)) as unknown;
      expect(stripped, f.controller).toEqual(s.inputs ?? null);
      for (const input of Object.values(f.inputs ?? {})) if (input.adds?.from) expect(input.adds.sha256, f.controller).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('upstream documents render partition-neutral: no arn:aws: literal is left', () => {
    for (const f of documentFiles) expect(JSON.stringify(partitionNeutral(f.document)), f.controller).not.toContain('"arn:aws:');
  });
});

describe('extractDocument', () => {
  const md = ['# t', '```json', '{"a": 1}', '```', '## Policy', 'text', '   ```json', '   {"b": 2}', '   ```', '```json', '{"c": 3}', '```'].join('\n');
  it('takes the n-th json block after a heading, indented blocks included', () => {
    expect(extractDocument(md, { kind: 'markdown' })).toEqual({ a: 1 });
    expect(extractDocument(md, { kind: 'markdown', after: '## Policy' })).toEqual({ b: 2 });
    expect(extractDocument(md, { kind: 'markdown', after: '## Policy', index: 1 })).toEqual({ c: 3 });
  });
  it('fails when the heading or block is gone (an upstream page moved)', () => {
    expect(() => extractDocument(md, { kind: 'markdown', after: '## Gone' })).toThrow(/no line containing/);
    expect(() => extractDocument(md, { kind: 'markdown', index: 5 })).toThrow(/no json block #5/);
  });
});

describe('extractDocument: other kinds', () => {
  const cfn = [
    'Parameters: {ClusterName: {Type: String}}',
    'Resources:',
    '  Node: {Type: "AWS::IAM::Role", Properties: {RoleName: !Sub "n-${ClusterName}"}}',
    '  A:',
    '    Type: AWS::IAM::ManagedPolicy',
    '    Properties:',
    '      PolicyDocument: !Sub |',
    '        {"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow", "Action": "eks:DescribeCluster", "Resource": "arn:${AWS::Partition}:eks:${AWS::Region}:${AWS::AccountId}:cluster/${ClusterName}"}]}',
    '  B:',
    '    Type: AWS::IAM::ManagedPolicy',
    '    Properties:',
    '      PolicyDocument: {Version: "2012-10-17", Statement: [{Sid: B, Effect: Allow, Action: "sqs:ReceiveMessage", Resource: !GetAtt Q.Arn}]}',
  ].join('\n');
  it("cloudformation: every managed policy's statements in template order, a !Sub JSON string read as JSON", () => {
    const doc = extractDocument(cfn, { kind: 'cloudformation' }) as { Statement: { Sid: string; Resource: unknown }[] };
    expect(doc.Statement.map((s) => s.Sid)).toEqual(['A', 'B']);
    expect(doc.Statement[0]!.Resource).toBe('arn:${AWS::Partition}:eks:${AWS::Region}:${AWS::AccountId}:cluster/${ClusterName}');
    expect(doc.Statement[1]!.Resource).toEqual({ 'Fn::GetAtt': 'Q.Arn' });
    expect(() => extractDocument(cfn, { kind: 'cloudformation', resourceType: 'AWS::IAM::Policy' })).toThrow(/no AWS::IAM::Policy resource/);
  });
  it('a bare fence after another language\'s block is found (the other block\'s closing fence is not an opening)', () => {
    const md = ['## P', '```sh', 'echo', '```', '```', '{"d": 4}', '```'].join('\n');
    expect(extractDocument(md, { kind: 'markdown', after: '## P', lang: '' })).toEqual({ d: 4 });
    expect(() => extractDocument('```\n{}', { kind: 'markdown', lang: '' })).toThrow(/no json block/);
  });
  it("an input's added statement must have its actions in the file it names", () => {
    expect(() => checkActionsIn('kms:Decrypt and kms:CreateGrant', { Action: ['kms:Decrypt', 'kms:CreateGrant'] }, 'x')).not.toThrow();
    expect(() => checkActionsIn('kms:Decrypt', { Action: ['kms:Decrypt', 'kms:CreateGrant'] }, 'docs/install.md')).toThrow('docs/install.md does not mention kms:CreateGrant');
  });
  it('managed: the names, each checked to be in the source', () => {
    const tf = 'policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonPrometheusRemoteWriteAccess"';
    expect(extractManagedPolicies(tf, { kind: 'managed', names: ['AmazonPrometheusRemoteWriteAccess'] })).toEqual(['AmazonPrometheusRemoteWriteAccess']);
    expect(() => extractManagedPolicies(tf, { kind: 'managed', names: ['CloudWatchAgentServerPolicy'] })).toThrow(/does not name the managed policy CloudWatchAgentServerPolicy/);
  });
});
