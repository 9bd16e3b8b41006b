import { describe, expect, it } from 'vitest';
import { resolveConfig, type ConfigSource } from '../../../src/config/resolve.js';

/** What differs by source is decided once in resolveConfig: the actions read these fields, never `source`. */
const S3 = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const file = (withOIDC: boolean, path = 'cluster.yaml'): ConfigSource => ({
  path,
  text: `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: demo, region: us-west-2}\niam:\n  withOIDC: ${withOIDC}\n  serviceAccounts: []\n`,
});
const byFlags = { cluster: 'demo', name: 'app', attachPolicyArn: [S3] };

describe('resolved intent', () => {
  it('a file plans first, may associate the OIDC provider (create, apply) and stops on a foreign stack', () => {
    const create = resolveConfig('create', { configFile: 'cluster.yaml' }, file(true));
    expect(create).toMatchObject({ planFirst: true, mayAssociateOidc: true, withOidcWouldAssociate: false, stopOnForeignStack: true, configPathForHints: 'cluster.yaml' });
    expect(resolveConfig('update', { configFile: 'cluster.yaml' }, file(true))).toMatchObject({ mayAssociateOidc: false, withOidcWouldAssociate: false });
    expect(resolveConfig('apply', { configFile: 'cluster.yaml' }, file(false))).toMatchObject({ mayAssociateOidc: false, withOidcWouldAssociate: true });
    const fromStdin = resolveConfig('delete', { configFile: '-' }, file(true, '-'));
    expect(fromStdin).toMatchObject({ planFirst: true, stopOnForeignStack: true });
    expect(fromStdin.configPathForHints).toBeUndefined();
  });

  it('by flags: delete acts at once, nothing associates, only update stops on a foreign stack', () => {
    expect(resolveConfig('create', byFlags)).toMatchObject({ planFirst: true, mayAssociateOidc: false, withOidcWouldAssociate: false, stopOnForeignStack: false });
    expect(resolveConfig('create', byFlags).configPathForHints).toBeUndefined();
    expect(resolveConfig('update', byFlags)).toMatchObject({ stopOnForeignStack: true });
    expect(resolveConfig('delete', { cluster: 'demo', name: 'app' })).toMatchObject({ planFirst: false });
  });

  it('get and doctor look up by flags and act on the selection from a file', () => {
    expect(resolveConfig('get', { cluster: 'demo', namespace: 'ns' }).lookup).toEqual({ namespace: 'ns' });
    expect(resolveConfig('doctor', { configFile: 'cluster.yaml' }, file(true)).lookup).toBeUndefined();
  });
});
