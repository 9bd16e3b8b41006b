import { describe, expect, it } from 'vitest';
import { podIdentityTrustPolicy, renderPodIdentityRoleTemplate } from '../../../src/cfn/pod-identity-template.js';
import { templateBody } from '../../../src/cfn/template.js';
import { podIdentityAssociationSpecSchema, type PodIdentityAssociationSpec } from '../../../src/model/pod-identity.js';
import { podIdentityStackNameFor, podIdentityStackTagsFor } from '../../../src/model/naming.js';

const spec = (over: Partial<PodIdentityAssociationSpec> = {}): PodIdentityAssociationSpec =>
  podIdentityAssociationSpecSchema.parse({
    namespace: 'apps',
    serviceAccountName: 'web',
    createServiceAccount: false,
    permissionPolicyARNs: [],
    wellKnownPolicies: {},
    tags: {},
    ...over,
  });

describe('the pod identity role template', () => {
  it('is the body eksctl sends: its description, the pods.eks.amazonaws.com trust, Role1 and its output', () => {
    // eksctl's NewIAMRoleResourceSetForPodIdentity + MakeAssumeRolePolicyDocumentForPodIdentity, encoded by Go
    // (struct fields in order, map keys sorted).
    const body = templateBody(renderPodIdentityRoleTemplate(spec({ permissionPolicyARNs: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] })));
    expect(body).toBe(
      '{"AWSTemplateFormatVersion":"2010-09-09","Description":"IAM role for pod identity association [created and managed by eksctl]",' +
        '"Resources":{"Role1":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{"Statement":[{"Action":["sts:AssumeRole","sts:TagSession"],' +
        '"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"}}],"Version":"2012-10-17"},"ManagedPolicyArns":["arn:aws:iam::aws:policy/ReadOnlyAccess"]}}},' +
        '"Outputs":{"Role1":{"Value":{"Fn::GetAtt":["Role1","Arn"]}}}}',
    );
  });

  it('attaches the inline policy under permissionPolicyName, well-known policies, a name and a boundary', () => {
    const t = renderPodIdentityRoleTemplate(
      spec({
        roleName: 'web-pod',
        permissionsBoundaryARN: 'arn:aws:iam::123456789012:policy/boundary',
        permissionPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
        permissionPolicyName: 'ReadBucket',
        wellKnownPolicies: { imageBuilder: false, autoScaler: true, awsLoadBalancerController: false, externalDNS: false, certManager: false, ebsCSIController: true, efsCSIController: false },
      }),
    );
    expect(t.Resources.Role1.Properties).toMatchObject({ RoleName: 'web-pod', PermissionsBoundary: 'arn:aws:iam::123456789012:policy/boundary' });
    expect(Object.keys(t.Resources)).toEqual(['Role1', 'PolicyAutoScaling', 'ReadBucket']);
    expect(t.Resources.ReadBucket.Properties).toMatchObject({ PolicyName: { 'Fn::Sub': '${AWS::StackName}-ReadBucket' }, Roles: [{ Ref: 'Role1' }] });
    expect(JSON.stringify(t.Resources.Role1.Properties)).toContain('AmazonEBSCSIDriverPolicy');
  });

  it('refuses to render a stack for an association that names its role', () => {
    expect(() => renderPodIdentityRoleTemplate(spec({ roleARN: 'arn:aws:iam::123456789012:role/given' }))).toThrow(/uses roleARN/);
  });

  it('trusts only the Pod Identity service principal', () => {
    expect(podIdentityTrustPolicy().Statement).toEqual([{ Action: ['sts:AssumeRole', 'sts:TagSession'], Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' } }]);
  });
});

describe('pod identity stack names and tags', () => {
  it('are eksctl’s: podidentityrole stack name, cluster tags, the association tags, the name tag last', () => {
    expect(podIdentityStackNameFor('prod', { namespace: 'apps', serviceAccountName: 'web' })).toBe('eksctl-prod-podidentityrole-apps-web');
    const tags = podIdentityStackTagsFor({ name: 'prod', tags: { env: 'p' }, withOIDC: false, serviceAccounts: [] }, spec({ tags: { team: 'a', 'alpha.eksctl.io/podidentityassociation-name': 'x/y' } }));
    expect(tags).toMatchObject({ 'alpha.eksctl.io/cluster-name': 'prod', 'eksctl.cluster.k8s.io/v1alpha1/cluster-name': 'prod', env: 'p', team: 'a', 'alpha.eksctl.io/podidentityassociation-name': 'apps/web' });
    expect(Object.keys(tags).at(-1)).toBe('alpha.eksctl.io/podidentityassociation-name');
  });

  it("renders the controller's own document under the upstream profile, eksctl's statements without it", () => {
    const wk = { imageBuilder: false, autoScaler: false, awsLoadBalancerController: false, externalDNS: false, certManager: false, ebsCSIController: false, efsCSIController: true };
    const eksctl = JSON.stringify(renderPodIdentityRoleTemplate(spec({ wellKnownPolicies: wk })));
    const upstream = JSON.stringify(renderPodIdentityRoleTemplate(spec({ wellKnownPolicies: wk, wellKnownPolicySelection: { profile: 'upstream', versions: { efsCSIController: 'v3.4.1' } } })));
    expect(eksctl).not.toContain('elasticfilesystem:DescribeMountTargets');
    expect(upstream).toContain('elasticfilesystem:DescribeMountTargets');
    expect(upstream).toContain('ec2:DescribeAvailabilityZones');
  });
});
