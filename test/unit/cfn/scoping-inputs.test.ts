import { describe, expect, it } from 'vitest';
import { renderTemplate, type PolicyResource } from '../../../src/cfn/template.js';
import { upstreamPolicy } from '../../../src/cfn/well-known-policies.js';
import { resolveConfig, type ConfigSource } from '../../../src/config/resolve.js';
import { OIDC } from '../../fixtures/cfn/specs.js';

// wellKnownPolicyInputs: the scoping inputs the controllers document, on wellKnownPolicies keys of the upstream profile.

const file = (sa: string): ConfigSource => ({
  path: 'cluster.yaml',
  text: `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: demo\n  region: us-west-2\niam:\n  withOIDC: true\n  serviceAccounts:\n  - metadata: {name: a, namespace: kube-system}\n${sa}`,
});
const resolve = (sa: string) => resolveConfig('create', { configFile: 'cluster.yaml' }, file(sa)).cluster.serviceAccounts[0]!;
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
const statementsOf = (sa: string, logicalId: string): Statement[] =>
  (renderTemplate(resolve(sa), OIDC).Resources[logicalId] as PolicyResource).Properties.PolicyDocument.Statement as Statement[];
const ZONE = 'arn:aws:route53:::hostedzone/Z0123';
const neutral = (arn: string) => ({ 'Fn::Sub': arn.replace(/^arn:aws:/, 'arn:${AWS::Partition}:') });

describe('wellKnownPolicyInputs', () => {
  it('externalDNS and certManager: hostedZoneArns take the place of hostedzone/* (inputs alone imply the upstream profile)', () => {
    const dns = statementsOf(`    wellKnownPolicies: {externalDNS: true}\n    wellKnownPolicyInputs: {externalDNS: {hostedZoneArns: [${ZONE}, ${ZONE}9]}}\n`, 'PolicyExternalDNS');
    expect(dns[0]!.Resource).toEqual([neutral(ZONE), neutral(`${ZONE}9`)]);
    expect(dns[1]!.Resource).toEqual(['*']);
    const cert = statementsOf(
      `    wellKnownPolicies: {certManager: true}\n    wellKnownPolicyProfile: upstream\n    wellKnownPolicyInputs: {certManager: {hostedZoneArns: [${ZONE}]}}\n`,
      'PolicyCertManager',
    );
    const change = cert.find((s) => [s.Action].flat().includes('route53:ChangeResourceRecordSets'))!;
    expect(change.Resource).toEqual(neutral(ZONE));
    expect(change.Condition).toEqual({ 'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'] } });
  });

  it('without inputs the document is as published (every zone)', () => {
    const dns = statementsOf('    wellKnownPolicies: {externalDNS: true}\n    wellKnownPolicyProfile: upstream\n', 'PolicyExternalDNS');
    expect(dns[0]!.Resource).toEqual([neutral('arn:aws:route53:::hostedzone/*')]);
  });

  it("ebsCSIController: kmsKeyArns add the driver's KMS statement, limited to those keys", () => {
    const key = 'arn:aws:kms:us-west-2:111122223333:key/k1';
    const ebs = statementsOf(`    wellKnownPolicies: {ebsCSIController: true}\n    wellKnownPolicyInputs: {ebsCSIController: {kmsKeyArns: [${key}]}}\n`, 'PolicyEBSCSIController');
    expect(ebs).toHaveLength(upstreamPolicy('ebsCSIController')!.document.Statement.length + 1);
    expect(ebs[ebs.length - 1]).toEqual({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:CreateGrant'], Resource: neutral(key) });
  });

  it('autoScaler: clusterName moves the scaling actions to a statement conditioned on the auto-discovery tag', () => {
    const ca = statementsOf('    wellKnownPolicies: {autoScaler: true}\n    wellKnownPolicyInputs: {autoScaler: {clusterName: demo}}\n', 'PolicyAutoScaling');
    const scaling = ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'];
    expect(ca.filter((s) => [s.Action].flat().some((a) => scaling.includes(a)))).toEqual([
      { Effect: 'Allow', Action: scaling, Resource: ['*'], Condition: { StringEquals: { 'aws:ResourceTag/k8s.io/cluster-autoscaler/demo': 'owned' } } },
    ]);
    expect(ca.flatMap((s) => [s.Action].flat())).toContain('autoscaling:DescribeAutoScalingGroups');
  });

  it('nodeTerminationHandler (controllerPolicies): queueArns move the SQS actions onto those queues', () => {
    const q = 'arn:aws:sqs:us-west-2:111122223333:nth';
    const nth = statementsOf(`    controllerPolicies:\n      nodeTerminationHandler: {inputs: {queueArns: [${q}]}}\n`, 'PolicyNodeTerminationHandler');
    expect(nth[0]!.Action).not.toContain('sqs:ReceiveMessage');
    expect(nth[1]).toEqual({ Effect: 'Allow', Action: ['sqs:DeleteMessage', 'sqs:ReceiveMessage'], Resource: [neutral(q)] });
  });

  it('config errors before any request: eksctl profile, a key not enabled, an unknown input, a list for one value', () => {
    expect(() => resolve(`    wellKnownPolicies: {externalDNS: true}\n    wellKnownPolicyProfile: eksctl\n    wellKnownPolicyInputs: {externalDNS: {hostedZoneArns: [${ZONE}]}}\n`)).toThrow(
      /wellKnownPolicyInputs\.externalDNS: gives inputs, but the profile is "eksctl"/,
    );
    expect(() => resolve(`    wellKnownPolicies: {certManager: true}\n    wellKnownPolicyInputs: {externalDNS: {hostedZoneArns: [${ZONE}]}}\n`)).toThrow(
      /gives inputs for externalDNS, which wellKnownPolicies does not enable/,
    );
    expect(() => resolve('    wellKnownPolicies: {externalDNS: true}\n    wellKnownPolicyInputs: {externalDNS: {zones: [x]}}\n')).toThrow(
      /wellKnownPolicyInputs\.externalDNS\.zones: externalDNS v0\.22\.0 has no input "zones".*its inputs: hostedZoneArns/s,
    );
    expect(() => resolve('    wellKnownPolicies: {autoScaler: true}\n    wellKnownPolicyInputs: {autoScaler: {clusterName: [a, b]}}\n')).toThrow(/takes one value, not a list/);
    expect(() => resolve('    wellKnownPolicies: {imageBuilder: true}\n    wellKnownPolicyInputs: {imageBuilder: {x: y}}\n')).toThrow(/imageBuilder has no upstream document/);
  });
});
