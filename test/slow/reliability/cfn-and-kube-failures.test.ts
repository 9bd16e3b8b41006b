/**
 * Issue #5's failure sequences, each with one clear message (the service account, the failing resource and its
 * reason, the next step) and a state the next run repairs. CloudFormation's asynchronous failures come from a
 * FAKE CloudFormation port over the real one (test/support/fake-cfn.ts) because moto cannot produce them;
 * throttling and Kubernetes conflicts come from the sandbox's real fault hooks, so the SDK's retry strategy
 * and the Kubernetes client run for real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackEvent, StackRecord } from '../../../src/aws/ports.js';
import { IrsaError } from '../../../src/errors.js';
import { awsThrottle } from '../../../sandbox/fault-plan.js';
import { runCli } from '../../support/run-cli.js';
import { startE2E, type E2E } from '../../support/cli.js';
import { clusterConfigYaml, S3_READ } from '../../support/config.js';
import { withCloudFormation } from '../../support/fake-cfn.js';

const REGION = 'us-west-2';
const CLUSTER = 'cfn-failures';
const S3_FULL = 'arn:aws:iam::aws:policy/AmazonS3FullAccess';
const ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';
const stackName = (ns: string, name: string) => `eksctl-${CLUSTER}-addon-iamserviceaccount-${ns}-${name}`;

let e: E2E;

const create = (ns: string, name: string, extra: string[] = []) =>
  e.run(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', ns, '--name', name, '--attach-policy-arn', S3_READ, '--approve', ...extra]);
const annotation = (ns: string, name: string) =>
  (e.cluster.kube.getServiceAccount(ns, name)?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.[ROLE_ANNOTATION];
const failedEvent = (logicalResourceId: string, resourceStatus: string, reason: string): StackEvent => ({
  timestamp: new Date(),
  logicalResourceId,
  resourceType: 'AWS::IAM::Role',
  resourceStatus,
  resourceStatusReason: reason,
});
/** A stack record that advances through `statuses`, one per DescribeStacks, then stays at the last. */
function sequence(base: StackRecord, statuses: string[]): () => StackRecord {
  let i = 0;
  return () => ({ ...base, status: statuses[Math.min(i++, statuses.length - 1)]! });
}

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  await e.associate();
});
afterAll(async () => {
  await e?.stop();
});

describe('CloudFormation failure sequences', () => {
  it('UPDATE_ROLLBACK_COMPLETE: names the account, Role1 and its reason; the role stays as it was; apply then converges', async () => {
    expect((await create('apps', 'upd')).code).toBe(0);
    const reason = 'Policy arn:aws:iam::aws:policy/AmazonS3FullAccess does not exist or is not attachable.';
    const r = await e.run(['update', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'upd', '--attach-policy-arn', S3_FULL, '--approve'], {
      overrides: withCloudFormation(e, (real) => {
        let next: (() => StackRecord) | undefined;
        return {
          updateStack: async (input) => {
            const live = (await real.describeStack(input.stackName))!;
            next = sequence(live, ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE']);
            return 'updated';
          },
          describeStack: async (id) => (next && id.includes('apps-upd') ? next() : real.describeStack(id)),
          describeStackEvents: async (id) => (id.includes('apps-upd') ? [failedEvent('Role1', 'UPDATE_FAILED', reason)] : real.describeStackEvents(id)),
        };
      }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('apps/upd');
    expect(r.stderr).toContain(`Role1 UPDATE_FAILED: ${reason}`);
    expect(r.stderr).toContain('rolled the update back; the role is as it was');
    // The real stack was never touched; apply converges it to the file.
    const apply = await e.run(['apply', '-f', '-', '--approve'], { stdin: clusterConfigYaml(CLUSTER, REGION, [{ id: 'apps/upd', policies: [S3_FULL] }]) });
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/apps\s+upd\s+updated/);
  });

  it('DELETE_FAILED: names Role1 and its reason, keeps the ServiceAccount, and the same delete run again finishes', async () => {
    expect((await create('apps', 'del')).code).toBe(0);
    const reason = 'Cannot delete entity, must detach all policies first. (Service: Iam, Status Code: 409)';
    const r = await e.run(['delete', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'del', '--wait'], {
      overrides: withCloudFormation(e, (real) => {
        let next: (() => StackRecord) | undefined;
        return {
          setTerminationProtection: async () => undefined,
          deleteStack: async (id) => {
            next = sequence((await real.describeStack(id))!, ['DELETE_IN_PROGRESS', 'DELETE_FAILED']);
          },
          describeStack: async (id) => (next && id.includes('apps-del') ? next() : real.describeStack(id)),
          describeStackEvents: async (id) => (id.includes('apps-del') ? [failedEvent('Role1', 'DELETE_FAILED', reason)] : real.describeStackEvents(id)),
        };
      }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('apps/del');
    expect(r.stderr).toContain(`Role1 DELETE_FAILED: ${reason}`);
    expect(r.stderr).toContain('run the same delete again');
    expect(annotation('apps', 'del')).toBeDefined();
    const again = await e.run(['delete', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'del', '--wait']);
    expect(again.code, again.stderr).toBe(0);
    expect(e.cluster.kube.getServiceAccount('apps', 'del')).toBeUndefined();
  });

  it('InsufficientCapabilities: names the account and the capability; nothing half-made, the next run creates it', async () => {
    const r = await e.run(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'cap2', '--attach-policy-arn', S3_READ, '--role-name', 'cfn-failures-cap2', '--approve'], {
      overrides: withCloudFormation(e, () => ({
        createStack: async () => {
          throw new IrsaError('AWS', 'CreateStack failed: Requires capabilities : [CAPABILITY_NAMED_IAM]', { httpStatus: 400 });
        },
      })),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('apps/cap2');
    expect(r.stderr).toContain('Requires capabilities : [CAPABILITY_NAMED_IAM]');
    expect(e.cluster.kube.getServiceAccount('apps', 'cap2')).toBeUndefined();
    const again = await e.run(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'cap2', '--attach-policy-arn', S3_READ, '--role-name', 'cfn-failures-cap2', '--approve']);
    expect(again.code, again.stderr).toBe(0);
    expect(annotation('apps', 'cap2')).toMatch(/:role\/cfn-failures-cap2$/);
  });
});

describe('throttled DescribeStacks while waiting (the real SDK retry strategy against the proxy)', () => {
  it('a few throttles are retried and the run finishes', async () => {
    let created = false;
    let throttled = 0;
    e.sandbox.proxy.setFaultInjector((req) => {
      if (req.action === 'CreateStack') created = true;
      if (created && req.action === 'DescribeStacks' && throttled < 2) {
        throttled++;
        return awsThrottle(req.service);
      }
      return 'pass';
    });
    try {
      const r = await runWith({ AWS_MAX_ATTEMPTS: '5' }, 'thr1');
      expect(r.code, r.stderr).toBe(0);
      expect(throttled).toBe(2);
      expect(annotation('apps', 'thr1')).toBeDefined();
    } finally {
      e.sandbox.proxy.setFaultInjector(undefined);
    }
  });

  it('throttling that outlasts the retries names the account; the next run finishes what was started', async () => {
    let created = false;
    e.sandbox.proxy.setFaultInjector((req) => {
      if (req.action === 'CreateStack') created = true;
      return created && req.action === 'DescribeStacks' ? awsThrottle(req.service) : 'pass';
    });
    let r;
    try {
      r = await runWith({ AWS_MAX_ATTEMPTS: '2' }, 'thr2');
    } finally {
      e.sandbox.proxy.setFaultInjector(undefined);
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('apps/thr2');
    expect(r.stderr).toMatch(/Rate exceeded/);
    const again = await create('apps', 'thr2');
    expect(again.code, again.stderr).toBe(0);
    expect(annotation('apps', 'thr2')).toBeDefined();
  });
});

/** create with extra environment (AWS_MAX_ATTEMPTS) for this run only */
const runWith = (env: Record<string, string>, name: string) =>
  runCli(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', name, '--attach-policy-arn', S3_READ, '--approve'], { ...e.env, ...env });

describe('Kubernetes conflicts', () => {
  it('a 409 on the ServiceAccount write is retried on a fresh read', async () => {
    e.cluster.kube.putServiceAccount({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'conflict', namespace: 'apps', labels: { team: 'x' } } });
    let conflicts = 0;
    e.cluster.kube.setFaultInjector((req) => {
      if (req.method === 'PATCH' && req.path.endsWith('/serviceaccounts/conflict') && conflicts === 0) {
        conflicts++;
        return { status: 409, reason: 'Conflict', message: 'Operation cannot be fulfilled on serviceaccounts "conflict": the object has been modified' };
      }
      return 'pass';
    });
    try {
      const r = await create('apps', 'conflict', ['--override-existing-serviceaccounts']);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      e.cluster.kube.setFaultInjector(undefined);
    }
    expect(conflicts).toBe(1);
    // the stack's role: CloudFormation names it after the stack, cut to IAM's 64 characters
    const roleName = annotation('apps', 'conflict')?.split('/').pop() ?? '';
    expect(roleName.length).toBeLessThanOrEqual(64);
    expect(roleName).toMatch(/-Role1-[A-Z0-9]+$/);
    expect(stackName('apps', 'conflict').startsWith(roleName.split('-Role1-')[0] ?? '-')).toBe(true);
    expect((e.cluster.kube.getServiceAccount('apps', 'conflict')?.metadata as { labels: Record<string, string> }).labels.team).toBe('x');
  });

  it('create leaves alone a ServiceAccount someone else creates while it works', async () => {
    e.cluster.kube.setFaultInjector((req) => {
      if (req.method === 'POST' && req.path === '/api/v1/namespaces/apps/serviceaccounts' && !e.cluster.kube.getServiceAccount('apps', 'raced')) {
        e.cluster.kube.putServiceAccount({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'raced', namespace: 'apps', labels: { owner: 'helm' } } });
      }
      return 'pass';
    });
    let r;
    try {
      r = await create('apps', 'raced');
    } finally {
      e.cluster.kube.setFaultInjector(undefined);
    }
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('appeared in Kubernetes while irsactl worked');
    expect(annotation('apps', 'raced')).toBeUndefined();
  });
});
