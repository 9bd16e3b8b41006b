import { defineConfig } from 'vitest/config';

// Four tiers, all run by `npm test`; `npm run test:unit` runs the first alone, with only Node installed.
// unit: no back-end at all (no moto, no servers, no python3, kubectl, cfn-lint or built binary), so no global setup.
const UNIT = [
  'test/architecture.test.ts',
  'test/actions/apply-set-plan.test.ts',
  'test/actions/execute.test.ts',
  'test/actions/plan.test.ts',
  'test/actions/service-account.test.ts',
  'test/actions/stack-waiter.test.ts',
  'test/aws/config.test.ts',
  'test/aws/factory.test.ts',
  'test/cfn/diff.test.ts',
  'test/cfn/naming.test.ts',
  'test/cfn/ownership.test.ts',
  'test/cfn/role-drift.test.ts',
  'test/cfn/stack-status.test.ts',
  'test/cfn/summary.test.ts',
  'test/cfn/template.test.ts',
  'test/cfn/trust-policy.test.ts',
  'test/cli/*.test.ts',
  'test/config/*.test.ts',
  'test/doctor/checks.test.ts',
  'test/doctor/iam-conditions.test.ts',
  'test/doctor/render.test.ts',
  'test/k8s/errors.test.ts',
  'test/net/proxy-env.test.ts',
  'test/output/reporter.test.ts',
  'test/security/policy-and-ownership.property.test.ts',
  'test/unit/**/*.test.ts',
];
// e2e: the CLI (in-process or the built binary) against the whole sandbox.
const E2E = [
  'test/e2e/**/*.test.ts',
  'test/binary/**/*.test.ts',
  'test/doctor/doctor.sandbox.test.ts',
  'test/doctor/fixes-work.test.ts',
  'test/hints/**/*.test.ts',
  'test/transport/**/*.test.ts',
];
// slow: reliability, performance, fuzzing and security runs, separately runnable (`npm run test:slow`).
const SLOW = ['test/reliability/**/*.test.ts', 'test/perf/**/*.test.ts', 'test/fuzz/**/*.test.ts', 'test/security/**/*.test.ts', 'test/slow/**/*.test.ts'];
// integration: everything else, the adapters and the sandbox's own parts against moto and the Kubernetes test server.
const ALL = ['test/**/*.test.ts', 'sandbox/**/*.test.ts'];

// The tiers with a back-end share one moto for the run; each test file gets its own moto account (test/support/aws.ts).
const MOTO = ['test/support/global-setup.ts'];

export default defineConfig({
  test: {
    setupFiles: ['test/support/setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      { extends: true, test: { name: 'integration', include: ALL, exclude: [...UNIT, ...E2E, ...SLOW], globalSetup: MOTO } },
      { extends: true, test: { name: 'e2e', include: E2E, globalSetup: MOTO } },
      { extends: true, test: { name: 'slow', include: SLOW, exclude: UNIT, globalSetup: MOTO } },
    ],
  },
});
