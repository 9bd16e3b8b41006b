import { describe, expect, it } from 'vitest';
import { renderTemplate, type PolicyResource } from '../../../src/cfn/template.js';
import { applyInputs, extraControllers, upstreamPolicy, upstreamVersions } from '../../../src/cfn/well-known-policies.js';
import { resolveConfig, type ConfigSource } from '../../../src/config/resolve.js';
import { OIDC, spec } from '../../fixtures/cfn/specs.js';

const file = (sa: string): ConfigSource => ({
  path: 'cluster.yaml',
  text: `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: demo\n  region: us-west-2\niam:\n  withOIDC: true\n  serviceAccounts:\n  - metadata: {name: a, namespace: velero}\n${sa}`,
});
const resolve = (sa: string) => resolveConfig('create', { configFile: 'cluster.yaml' }, file(sa)).cluster.serviceAccounts[0]!;

describe('controllerPolicies (controllers eksctl has no key for)', () => {
  it('catalogues the controllers eksctl has no key for, documents and managed-policy entries', () => {
    expect(extraControllers().sort()).toEqual([
      'amazonManagedPrometheus',
      'awsLoadBalancerControllerTGB',
      'cloudWatchObservability',
      'externalSecrets',
      'fsxCSIController',
      'karpenter',
      'mountpointS3CSIController',
      'nodeTerminationHandler',
      'velero',
      'vpcCNIIPv4',
      'vpcCNIIPv6',
    ]);
  });

  const karpenter = '    controllerPolicies:\n      karpenter: {inputs: {nodeRoleArn: "arn:aws:iam::123456789012:role/KNode", interruptionQueueArn: "arn:aws:sqs:us-west-2:123456789012:demo"}}\n';

  it("karpenter: clusterName defaults to the cluster's name, in condition keys too; pseudo parameters stay CloudFormation's", () => {
    const sa = resolve(karpenter);
    expect(sa.controllerPolicies![0]!.inputs.clusterName).toBe('demo');
    const doc = (renderTemplate(sa, OIDC).Resources.PolicyKarpenter as PolicyResource).Properties.PolicyDocument;
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/\$\{(ClusterName|KarpenterNodeRole|KarpenterInterruptionQueue)/);
    expect(text).toContain('"aws:ResourceTag/kubernetes.io/cluster/demo":"owned"');
    expect(text).toContain('{"Fn::Sub":"arn:${AWS::Partition}:eks:${AWS::Region}:${AWS::AccountId}:cluster/demo"}');
    expect(text).toContain('"Resource":{"Fn::Sub":"arn:${AWS::Partition}:iam::123456789012:role/KNode"}');
    expect(text).toContain('"Resource":{"Fn::Sub":"arn:${AWS::Partition}:sqs:us-west-2:123456789012:demo"}');
    // Every action of the five upstream policies is there.
    const actions = (doc.Statement as { Action: string | string[] }[]).flatMap((st) => [st.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['ec2:RunInstances', 'iam:PassRole', 'eks:DescribeCluster', 'sqs:ReceiveMessage', 'pricing:GetProducts']));
  });

  it('karpenter: a named clusterName wins; the node role and the queue are required', () => {
    expect(resolve(karpenter.replace('{inputs: {', '{inputs: {clusterName: other, ')).controllerPolicies![0]!.inputs.clusterName).toBe('other');
    expect(() => resolve('    controllerPolicies:\n      karpenter: {}\n')).toThrow(/karpenter\.inputs\.nodeRoleArn: must be set/);
    expect(() => resolve('    controllerPolicies:\n      karpenter: {}\n')).toThrow(/karpenter\.inputs\.interruptionQueueArn: must be set/);
  });

  it('mountpoint: each bucket name takes both ARNs (the bucket and its objects)', () => {
    const sa = resolve('    controllerPolicies:\n      mountpointS3CSIController: {inputs: {buckets: [a, b]}}\n');
    const text = JSON.stringify((renderTemplate(sa, OIDC).Resources.PolicyMountpointS3CSIController as PolicyResource).Properties.PolicyDocument);
    for (const r of ['s3:::a', 's3:::b', 's3:::a/*', 's3:::b/*']) expect(text).toContain(`"arn:\${AWS::Partition}:${r}"`);
    expect(text).not.toContain('amzn-s3-demo-bucket');
    expect(() => resolve('    controllerPolicies:\n      mountpointS3CSIController: {}\n')).toThrow(/inputs\.buckets: must be set/);
  });

  it('managed-policy entries render as ManagedPolicyArns with ${AWS::Partition}, no inline policy; they take no inputs', () => {
    const sa = resolve('    controllerPolicies:\n      cloudWatchObservability: {}\n      amazonManagedPrometheus: {}\n');
    const t = renderTemplate(sa, OIDC);
    expect(Object.keys(t.Resources)).toEqual(['Role1']);
    expect(JSON.stringify(t.Resources.Role1)).toContain(
      '"ManagedPolicyArns":[{"Fn::Sub":"arn:${AWS::Partition}:iam::aws:policy/CloudWatchAgentServerPolicy"},{"Fn::Sub":"arn:${AWS::Partition}:iam::aws:policy/AmazonPrometheusRemoteWriteAccess"}]',
    );
    expect(() => resolve('    controllerPolicies:\n      cloudWatchObservability: {inputs: {x: y}}\n')).toThrow(/it takes no inputs/);
  });

  it("velero's bucket input replaces ${BUCKET} in its ARNs; the rendered policy is partition-neutral", () => {
    const sa = resolve('    controllerPolicies:\n      velero: {inputs: {bucket: my-backups}}\n');
    expect(sa.controllerPolicies).toEqual([{ name: 'velero', inputs: { bucket: 'my-backups' } }]);
    const t = renderTemplate(sa, OIDC);
    const text = JSON.stringify((t.Resources.PolicyVelero as PolicyResource).Properties.PolicyDocument);
    expect(text).toContain('"Fn::Sub":"arn:${AWS::Partition}:s3:::my-backups/*"');
    expect(text).not.toContain('BUCKET');
  });

  it("external-secrets' secretArns list takes the place of the example ARN, one element per value", () => {
    const f = upstreamPolicy('externalSecrets')!;
    const out = applyInputs(f.document.Statement, f, { secretArns: ['arn:aws:secretsmanager:eu-west-1:1:secret:a-*', 'arn:aws:secretsmanager:eu-west-1:1:secret:b-*'] });
    expect(JSON.stringify(out)).toContain('["arn:aws:secretsmanager:eu-west-1:1:secret:a-*","arn:aws:secretsmanager:eu-west-1:1:secret:b-*"]');
    expect(JSON.stringify(out)).not.toContain('111122223333');
  });

  it('a missing required input, an unknown input, version or controller are config errors naming the fix', () => {
    expect(() => resolve('    controllerPolicies:\n      velero: {}\n')).toThrow(/controllerPolicies\.velero\.inputs\.bucket: must be set: the name of the S3 bucket/);
    expect(() => resolve('    controllerPolicies:\n      velero: {inputs: {bucket: b, region: x}}\n')).toThrow(/has no input "region"/);
    expect(() => resolve('    controllerPolicies:\n      velero: {version: v0.1.0, inputs: {bucket: b}}\n')).toThrow(
      `"v0.1.0" is not a catalogued velero version; known: ${upstreamVersions('velero').join(', ')}`,
    );
    expect(() => resolve('    controllerPolicies:\n      karpenterx: {}\n')).toThrow(/no catalogued controller "karpenterx"/);
    expect(() => resolve('    controllerPolicies:\n      externalDNS: {}\n')).toThrow(/externalDNS is a wellKnownPolicies key/);
  });

  it('a service account with only controllerPolicies has permissions (no "must be set" error)', () => {
    expect(resolve('    controllerPolicies:\n      nodeTerminationHandler: {}\n').controllerPolicies).toEqual([{ name: 'nodeTerminationHandler', inputs: {} }]);
  });

  it('renders one inline policy per controller, named after it', () => {
    const t = renderTemplate(spec({ controllerPolicies: [{ name: 'fsxCSIController', inputs: {} }, { name: 'nodeTerminationHandler', inputs: {} }] }), OIDC);
    expect(Object.keys(t.Resources)).toEqual(['Role1', 'PolicyFsxCSIController', 'PolicyNodeTerminationHandler']);
  });
});
