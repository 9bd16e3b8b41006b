import { defineConfig } from 'vitest/config';

// Four tiers, one folder each, all run by `npm test`; `npm run test:<tier>` runs one.
// unit: no back-end at all (no moto, no servers, no python3, kubectl, cfn-lint or built binary), so no global setup;
// it mirrors src/. integration: the adapters and the sandbox's own parts against moto and the Kubernetes test server.
// e2e: the CLI (in-process or the built binary) against the whole sandbox. slow: reliability, performance, fuzzing
// and security runs.
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
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: MOTO } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: MOTO } },
      { extends: true, test: { name: 'slow', include: ['test/slow/**/*.test.ts'], globalSetup: MOTO } },
    ],
  },
});
