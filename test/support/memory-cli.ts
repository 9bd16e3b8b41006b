import { runCli, type CliRun } from './run-cli.js';
import { memoryAws, type MemoryAws, type MemoryAwsOptions } from './memory-aws.js';
import { memoryKube, type MemoryKube } from './memory-kube.js';

// irsactl in-process against in-memory AWS and Kubernetes ports: the unit tier's stand-in for test/support/cli.ts's
// startE2E (moto, the rewriting proxy and the HTTPS Kubernetes test server). Nothing leaves the process.

export interface MemoryCluster {
  cluster: string;
  region: string;
  aws: MemoryAws;
  kube: MemoryKube;
  run(argv: string[]): Promise<CliRun>;
}

export function memoryCluster(
  opts: { cluster?: string; region?: string; oidcProvider?: boolean; eks?: Pick<MemoryAwsOptions, 'autoMode' | 'podIdentityAgent'>; iam?: Pick<MemoryAwsOptions, 'partition' | 'missingPolicies'> } = {},
): MemoryCluster {
  const cluster = opts.cluster ?? 'unit';
  const region = opts.region ?? 'us-west-2';
  const aws = memoryAws({ cluster, region, ...(opts.oidcProvider !== undefined ? { oidcProvider: opts.oidcProvider } : {}), ...opts.eks, ...opts.iam });
  const kube = memoryKube();
  const env = {
    AWS_ACCESS_KEY_ID: 'AKIAUNITTEST',
    AWS_SECRET_ACCESS_KEY: 'unit-test-secret',
    AWS_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
    // No shared config or credentials file of the machine's: a unit test reads nothing outside the repository.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    IRSACTL_POLL_INTERVAL_MS: '1',
  };
  return {
    cluster,
    region,
    aws,
    kube,
    run: (argv) => runCli(argv, env, { overrides: { awsPorts: async () => aws.ports, kubePort: async () => kube.port } }),
  };
}
