/**
 * A machine whose clock is wrong. The SDK corrects its own signing from AWS's Date header, so every AWS call works;
 * the EKS token must be signed at the same corrected time, or Kubernetes (through STS, which allows 15 minutes of
 * age and 5 of clock skew) answers 401. The sandbox plays AWS's clock: its AWS proxy stamps every answer with a Date
 * 40 minutes away from this machine's, and the Kubernetes test server checks tokens on that same clock.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runBin } from '../support/bin.js';
import { startE2E, type E2E } from '../support/cli.js';

const REGION = 'eu-west-1';
const FORTY_MINUTES = 40 * 60_000;

let e: E2E;

beforeAll(async () => {
  ensureBuilt();
  e = await startE2E('skewed', REGION);
  await e.associate();
});
afterAll(async () => {
  e?.sandbox.proxy.setClockOffset(0);
  e?.cluster.kube.setClockOffset(0);
  await e?.stop();
});

describe('a local clock 40 minutes off AWS', () => {
  it.each([
    ['behind', FORTY_MINUTES],
    ['ahead of', -FORTY_MINUTES],
  ])('this machine %s AWS: create signs the EKS token at AWS time and writes the ServiceAccount', async (_, offsetMs) => {
    e.sandbox.proxy.setClockOffset(offsetMs);
    e.cluster.kube.setClockOffset(offsetMs);
    e.cluster.kube.resetLog();
    const name = offsetMs > 0 ? 'clock-behind' : 'clock-ahead';
    const r = await e.run([
      'create', 'iamserviceaccount', '--cluster', 'skewed', '--region', REGION, '--namespace', 'default', '--name', name,
      '--attach-policy-arn', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', '--approve',
    ]);
    expect(r.stderr).not.toMatch(/Unauthorized|401/);
    expect(r.code, r.stderr).toBe(0);
    expect(e.cluster.kube.requests.filter((q) => q.status === 401)).toEqual([]);
    const sa = e.cluster.kube.getServiceAccount('default', name) as { metadata?: { annotations?: Record<string, string> } } | undefined;
    expect(sa?.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\//);
  });
});

describe('the built binary with a credentials-file profile, its clock 40 minutes behind AWS', () => {
  it('create reaches Kubernetes with a token signed at AWS time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'irsactl-skew-'));
    try {
      const credentials = join(dir, 'credentials');
      writeFileSync(credentials, `[skewed]\naws_access_key_id = ${e.account.accessKeyId}\naws_secret_access_key = ${e.account.secretAccessKey}\n`);
      const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...withoutKeys } = e.env;
      e.sandbox.proxy.setClockOffset(FORTY_MINUTES);
      e.cluster.kube.setClockOffset(FORTY_MINUTES);
      e.cluster.kube.resetLog();
      const r = await runBin(
        ['create', 'iamserviceaccount', '--cluster', 'skewed', '--region', REGION, '--profile', 'skewed', '--namespace', 'default', '--name', 'clock-binary',
          '--attach-policy-arn', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', '--approve'],
        { ...withoutKeys, AWS_SHARED_CREDENTIALS_FILE: credentials },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(e.cluster.kube.requests.filter((q) => q.status === 401)).toEqual([]);
      const sa = e.cluster.kube.getServiceAccount('default', 'clock-binary') as { metadata?: { annotations?: Record<string, string> } } | undefined;
      expect(sa?.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\//);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
