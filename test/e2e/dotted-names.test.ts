/**
 * Issue 12: a ServiceAccount name with "." (valid in Kubernetes, impossible in an eksctl stack name) is accepted or
 * rejected the same way by every command: refused where a stack would be made or changed, accepted where none is
 * (--attach-role-arn), and so found, diagnosed and deleted by get, doctor and delete.
 */
import { describe, expect, it } from 'vitest';
import { useE2E } from '../support/cli.js';

const REGION = 'us-east-2';
const CLUSTER = 'dots';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const ROLE = 'arn:aws:iam::123456789012:role/made-elsewhere';
const id = ['--cluster', CLUSTER, '--namespace', 'apps', '--name', 'api.v2'];
const e = useE2E(CLUSTER, { region: REGION, associate: true });

describe('a ServiceAccount name with "."', () => {
  it('create and update with a stack to make refuse it before any request, saying why', async () => {
    for (const verb of ['create', 'update']) {
      e.sandbox.proxy.resetLog();
      const r = await e.run([verb, 'iamserviceaccount', ...id, '--attach-policy-arn', S3_READ, '--approve']);
      expect(r.code, verb).toBe(2);
      expect(r.stderr).toContain('has characters CloudFormation does not allow');
      expect(e.sandbox.proxy.requests).toEqual([]);
    }
  });

  it('create --attach-role-arn makes it, and get, doctor and delete accept the same name', async () => {
    const created = await e.run(['create', 'iamserviceaccount', ...id, '--attach-role-arn', ROLE, '--approve']);
    expect(created.code, created.stderr).toBe(0);
    const get = await e.run(['get', 'iamserviceaccount', ...id, '-o', 'json']);
    expect(get.code, get.stderr).toBe(0);
    expect(JSON.parse(get.stdout)).toEqual([]); // no stack: nothing eksctl-style to list
    const doctor = await e.run(['doctor', ...id]);
    // the role is in another account: warnings the doctor explains (exit 0), never a usage error (2)
    expect(doctor.code, doctor.stderr).toBe(0);
    expect(doctor.stdout).toContain('1 service account:');
    expect(doctor.stdout).toContain('apps/api.v2 → arn:aws:iam::123456789012:role/made-elsewhere');
    const del = await e.run(['delete', 'iamserviceaccount', ...id]);
    expect(del.code, del.stderr).toBe(0);
    expect(e.cluster.kube.getServiceAccount('apps', 'api.v2')).toBeUndefined();
  });
});
