import { afterAll, beforeAll } from 'vitest';
import type { RuntimeOverrides } from '../../src/runtime/runtime.js';
import { startSandbox, type Sandbox, type SandboxCluster } from '../../sandbox/index.js';
import type { MotoAccount } from '../../sandbox/moto.js';
import { motoUrl } from './aws.js';
import { runCli, type CliRun } from './run-cli.js';

export interface E2E {
  sandbox: Sandbox;
  account: MotoAccount;
  cluster: SandboxCluster;
  env: Record<string, string>;
  run(argv: string[], opts?: { overrides?: RuntimeOverrides; stdin?: string }): Promise<CliRun>;
  /** `utils associate-iam-oidc-provider --approve` for this cluster; throws with irsactl's stderr if it fails. */
  associate(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The end-to-end fixture: the suite's moto, a rewriting proxy, a fresh moto account and an EKS cluster whose
 * DescribeCluster points at a Kubernetes test server. irsactl runs its real default path (EKS token, TLS) against it.
 */
export async function startE2E(clusterName: string, region = 'us-west-2'): Promise<E2E> {
  const sandbox = await startSandbox({ moto: { url: motoUrl() } });
  const account = await sandbox.newAccount();
  const cluster = await sandbox.createCluster(account, clusterName, region);
  // Poll fast (moto's stacks are complete at once) and do not retry moto's rare 500s into AlreadyExists.
  const env = { ...sandbox.cliEnv(account, region), IRSACTL_POLL_INTERVAL_MS: '50', AWS_MAX_ATTEMPTS: '2' };
  return {
    sandbox,
    account,
    cluster,
    env,
    run: (argv, opts) => runCli(argv, env, opts),
    async associate() {
      const r = await runCli(['utils', 'associate-iam-oidc-provider', '--cluster', clusterName, '--region', region, '--approve'], env);
      if (r.code !== 0) throw new Error(`associate-iam-oidc-provider failed (${r.code}): ${r.stderr}`);
    },
    stop: () => sandbox.stop(),
  };
}

/**
 * startE2E for a whole test file: started in beforeAll (associated when asked), stopped in afterAll. The handle may be
 * used only inside tests and hooks, once the sandbox is up.
 */
export function useE2E(clusterName: string, opts: { region?: string; associate?: boolean } = {}): E2E {
  let started: E2E | undefined;
  beforeAll(async () => {
    started = await startE2E(clusterName, opts.region);
    if (opts.associate) await started.associate();
  }, 60_000);
  afterAll(async () => {
    await started?.stop();
  });
  const current = (): E2E => {
    if (started === undefined) throw new Error(`useE2E(${clusterName}): used before its beforeAll ran`);
    return started;
  };
  return {
    get sandbox() {
      return current().sandbox;
    },
    get account() {
      return current().account;
    },
    get cluster() {
      return current().cluster;
    },
    get env() {
      return current().env;
    },
    run: (argv, runOpts) => current().run(argv, runOpts),
    associate: () => current().associate(),
    stop: () => current().stop(),
  };
}
