import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTemplate, templateBody, type PolicyResource, type RoleResource } from '../../../src/cfn/template.js';
import { IrsaError } from '../../../src/errors.js';
import { ATTACH_POLICY, GOLDEN_CASES, OIDC, S3_READ_ONLY, spec } from '../../fixtures/cfn/specs.js';

const GOLDEN_DIR = join(import.meta.dirname, '..', '..', 'golden');
const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'cfn');
const readFixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

/** Pretty JSON in the body's own key order: readable, and still checks the order. */
const pretty = (body: string): string => `${JSON.stringify(JSON.parse(body), null, 2)}\n`;

describe('golden templates', () => {
  it.each(GOLDEN_CASES.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const actual = pretty(templateBody(renderTemplate(c.sa, c.oidc)));
    const file = join(GOLDEN_DIR, `${name}.json`);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
      if (process.env.UPDATE_GOLDEN !== '1') throw new Error(`missing golden file ${file}; run with UPDATE_GOLDEN=1`);
      writeFileSync(file, actual);
    }
    expect(actual).toBe(readFileSync(file, 'utf8'));
  });
});

describe('eksctl compatibility', () => {
  it('renders the same body as eksctl, except the GetAtt list form', () => {
    const eksctlBody = readFixture('eksctl-addon-example.json').trim();
    const ours = templateBody(renderTemplate(spec({ name: 'sa-1', attachPolicyARNs: [S3_READ_ONLY] }), OIDC));
    expect(ours).toBe(eksctlBody.replace('{"Fn::GetAtt":"Role1.Arn"}', '{"Fn::GetAtt":["Role1","Arn"]}'));
  });

  it('copies every well-known statement from eksctl', () => {
    const reference = JSON.parse(readFixture('eksctl-well-known-policies.json')) as Record<string, unknown>;
    const all = renderTemplate(
      spec({
        wellKnownPolicies: {
          autoScaler: true,
          awsLoadBalancerController: true,
          externalDNS: true,
          certManager: true,
          efsCSIController: true,
        },
      }),
      OIDC,
    );
    const docFor = (id: string): unknown => (all.Resources[id] as PolicyResource).Properties.PolicyDocument;
    for (const [id, document] of Object.entries(reference)) expect(docFor(id), id).toEqual(document);
    expect(docFor('PolicyCertManagerChangeSet')).toEqual(reference.PolicyExternalDNSChangeSet);
    expect((reference.PolicyAWSLoadBalancerController as { Statement: unknown[] }).Statement).toHaveLength(16);
    expect(Object.keys(all.Resources).sort()).toEqual(
      [
        'Role1',
        'PolicyAutoScaling',
        'PolicyAWSLoadBalancerController',
        'PolicyExternalDNSChangeSet',
        'PolicyExternalDNSHostedZones',
        'PolicyCertManagerChangeSet',
        'PolicyCertManagerGetChange',
        'PolicyCertManagerHostedZones',
        'PolicyEFSCSIController',
      ].sort(),
    );
  });

  it('copies attachPolicy verbatim into Policy1, named after the stack', () => {
    const t = renderTemplate(spec({ attachPolicy: ATTACH_POLICY }), OIDC);
    const policy = t.Resources.Policy1 as PolicyResource;
    expect(policy.Properties.PolicyDocument).toEqual(ATTACH_POLICY);
    expect(policy.Properties.PolicyDocument).not.toBe(ATTACH_POLICY);
    expect(policy.Properties.PolicyName).toEqual({ 'Fn::Sub': '${AWS::StackName}-Policy1' });
    expect(policy.Properties.Roles).toEqual([{ Ref: 'Role1' }]);
  });

  it('lists user ARNs first, then well-known managed ARNs as Fn::Sub', () => {
    const t = renderTemplate(
      spec({ attachPolicyARNs: ['arn:aws:iam::1:policy/b', 'arn:aws:iam::1:policy/a'], wellKnownPolicies: { ebsCSIController: true, imageBuilder: true } }),
      OIDC,
    );
    expect((t.Resources.Role1 as RoleResource).Properties.ManagedPolicyArns).toEqual([
      'arn:aws:iam::1:policy/b',
      'arn:aws:iam::1:policy/a',
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy' },
    ]);
  });

  it('omits empty ManagedPolicyArns, RoleName and PermissionsBoundary', () => {
    const props = (renderTemplate(spec({ roleName: '', permissionsBoundary: '' }), OIDC).Resources.Role1 as RoleResource).Properties;
    expect(Object.keys(props)).toEqual(['AssumeRolePolicyDocument']);
  });

  it('refuses to render a stack for an attachRoleARN service account', () => {
    expect(() => renderTemplate(spec({ attachRoleARN: 'arn:aws:iam::1:role/x' }), OIDC)).toThrow(IrsaError);
  });
});

describe('templateBody', () => {
  it('is compact, in struct order at struct levels and sorted elsewhere', () => {
    const body = templateBody(renderTemplate(spec({ roleName: 'r', permissionsBoundary: 'arn:aws:iam::1:policy/pb', attachPolicyARNs: [S3_READ_ONLY] }), OIDC));
    expect(body).not.toMatch(/\n| {2}/);
    expect(Object.keys(JSON.parse(body) as object)).toEqual(['AWSTemplateFormatVersion', 'Description', 'Resources', 'Outputs']);
    const role = (JSON.parse(body) as { Resources: { Role1: RoleResource } }).Resources.Role1;
    expect(Object.keys(role)).toEqual(['Type', 'Properties']);
    expect(Object.keys(role.Properties)).toEqual(['RoleName', 'AssumeRolePolicyDocument', 'ManagedPolicyArns', 'PermissionsBoundary']);
    expect(Object.keys(role.Properties.AssumeRolePolicyDocument)).toEqual(['Statement', 'Version']);
    expect(Object.keys(role.Properties.AssumeRolePolicyDocument.Statement[0])).toEqual(['Action', 'Condition', 'Effect', 'Principal']);
  });

  it('sorts user policy keys and escapes like Go', () => {
    const body = templateBody(
      renderTemplate(spec({ attachPolicy: { Version: '2012-10-17', Statement: [{ Sid: 'a<b>&c', Effect: 'Allow', Action: '*', Resource: '*' }] } }), OIDC),
    );
    expect(body).toContain('"PolicyDocument":{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*","Sid":"a\\u003cb\\u003e\\u0026c"}],"Version":"2012-10-17"}');
    expect(JSON.parse(body)).toEqual(JSON.parse(JSON.stringify(renderTemplate(spec({ attachPolicy: { Version: '2012-10-17', Statement: [{ Sid: 'a<b>&c', Effect: 'Allow', Action: '*', Resource: '*' }] } }), OIDC))));
  });

  it('is deterministic whatever the input key order', () => {
    const a = spec({ tags: { a: '1', b: '2' }, attachPolicy: { Version: '2012-10-17', Statement: [] } });
    const b = spec({ attachPolicy: { Statement: [], Version: '2012-10-17' }, tags: { b: '2', a: '1' } });
    expect(templateBody(renderTemplate(a, OIDC))).toBe(templateBody(renderTemplate(b, OIDC)));
  });
});
