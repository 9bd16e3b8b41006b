import { describe, expect, it } from 'vitest';
import { CLUSTER_NAME_TAG, EKSCTL_VERSION_TAG, IRSA_NAME_TAG, LEGACY_CLUSTER_NAME_TAG, capabilitiesFor, stackNameFor, stackTagsFor } from '../../../src/model/naming.js';
import { cluster, spec } from '../../fixtures/cfn/specs.js';

describe('stackNameFor', () => {
  it("is eksctl's name, unsanitised", () => {
    expect(stackNameFor('prod', { namespace: 'kube-system', name: 'aws-node' })).toBe(
      'eksctl-prod-addon-iamserviceaccount-kube-system-aws-node',
    );
    // eksctl's known ambiguity, kept for compatibility.
    expect(stackNameFor('c', { namespace: 'a-b', name: 'c' })).toBe(stackNameFor('c', { namespace: 'a', name: 'b-c' }));
  });
});

describe('stackTagsFor', () => {
  it('carries the four eksctl tag groups, the SA id last', () => {
    const tags = stackTagsFor(cluster({ name: 'prod', tags: { team: 'core', env: 'x' } }), spec({ namespace: 'ns', name: 'sa', tags: { env: 'prod' } }));
    expect(tags).toEqual({
      [CLUSTER_NAME_TAG]: 'prod',
      [LEGACY_CLUSTER_NAME_TAG]: 'prod',
      [EKSCTL_VERSION_TAG]: 'irsactl-0.1.0',
      team: 'core',
      env: 'prod',
      [IRSA_NAME_TAG]: 'ns/sa',
    });
    expect(Object.keys(tags).at(-1)).toBe(IRSA_NAME_TAG);
  });

  it('never lets a user tag override the tags discovery depends on', () => {
    const tags = stackTagsFor(
      cluster({ name: 'prod', tags: { [CLUSTER_NAME_TAG]: 'other' } }),
      spec({ namespace: 'ns', name: 'sa', tags: { [IRSA_NAME_TAG]: 'x/y', [LEGACY_CLUSTER_NAME_TAG]: 'other' } }),
    );
    expect(tags[IRSA_NAME_TAG]).toBe('ns/sa');
    expect(tags[CLUSTER_NAME_TAG]).toBe('prod');
    expect(tags[LEGACY_CLUSTER_NAME_TAG]).toBe('prod');
  });
});

describe('capabilitiesFor', () => {
  it('asks for CAPABILITY_NAMED_IAM only with a role name', () => {
    expect(capabilitiesFor(spec())).toEqual(['CAPABILITY_IAM']);
    expect(capabilitiesFor(spec({ roleName: '' }))).toEqual(['CAPABILITY_IAM']);
    expect(capabilitiesFor(spec({ roleName: 'r' }))).toEqual(['CAPABILITY_NAMED_IAM']);
  });
});
