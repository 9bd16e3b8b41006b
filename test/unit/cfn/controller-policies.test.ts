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
  it('catalogues velero, external-secrets, the FSx driver and node-termination-handler', () => {
    expect(extraControllers().sort()).toEqual(['externalSecrets', 'fsxCSIController', 'nodeTerminationHandler', 'velero']);
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
