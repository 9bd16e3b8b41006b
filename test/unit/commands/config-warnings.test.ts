import { describe, expect, it } from 'vitest';
import { IrsaError } from '../../../src/errors.js';
import { runCli } from '../../support/run-cli.js';

/**
 * A config's warnings (here a placeholder account id eksctl's docs use) are printed once by every command that
 * resolves the config, before it reaches AWS; AWS is stubbed to fail at once, so no back end is needed.
 */
const FILE = `apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: { name: prod, region: us-west-2 }
iam:
  withOIDC: true
  serviceAccounts:
    - metadata: { name: app, namespace: default }
      attachPolicyARNs: [arn:aws:iam::123:policy/app]
`;
const WARNING = 'account id "123" in "arn:aws:iam::123:policy/app" is not 12 digits';
const noAws = { awsPorts: async () => Promise.reject(new IrsaError('PRECONDITION', 'no AWS in this test')) };

describe('config warnings', () => {
  for (const argv of [
    ['create', 'iamserviceaccount'],
    ['update', 'iamserviceaccount'],
    ['apply'],
    ['delete', 'iamserviceaccount'],
    ['get', 'iamserviceaccount'],
    ['doctor'],
    ['utils', 'associate-iam-oidc-provider'],
  ]) {
    it(`${argv.join(' ')} -f prints them once`, async () => {
      const r = await runCli([...argv, '-f', '-'], {}, { stdin: FILE, overrides: noAws });
      expect(r.stderr).toContain('no AWS in this test');
      expect(r.stderr.split(WARNING).length - 1, r.stderr).toBe(1);
    });
  }
});
