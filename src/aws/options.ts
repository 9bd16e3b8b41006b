import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { RunControl } from '../net/run-control.js';

// What every AWS adapter is configured from: the client settings (config.ts) and the HTTP side (request-handler.ts).

export interface AwsOptions {
  region: string;
  profile?: string;
  /** Read instead of process.env, so the CLI can run in-process under tests. */
  env: Record<string, string | undefined>;
  /** The run's one credential provider (credentials.ts), shared with the EKS token; else chosen here from env and profile. */
  credentials?: AwsCredentialIdentityProvider;
  /** The endpoints AWS_ENDPOINT_URL* and the profile in use configure (shared-config.ts); without it, AWS_ENDPOINT_URL* only. */
  configuredEndpoints?: Partial<Record<AwsService, string>>;
  /** The profile's max_attempts and retry_mode, below AWS_MAX_ATTEMPTS and AWS_RETRY_MODE (shared-config.ts). */
  profileRetry?: ProfileRetry;
  maxAttempts?: number;
  retryMode?: 'standard' | 'adaptive';
  /** --cfn-role-arn: the role CloudFormation acts as for CreateStack, UpdateStack and DeleteStack (eksctl's flag) */
  cfnRoleArn?: string;
  /** --cfn-disable-rollback: a failed CreateStack keeps its resources, for debugging (eksctl's flag) */
  cfnDisableRollback?: boolean;
  /** the run's deadline and stop (--timeout, SIGINT): every request checks in with it */
  run?: RunControl;
}

/** EKS_AUTH: the EKS Auth API (AWS_ENDPOINT_URL_EKS_AUTH, the services section's eks_auth), which doctor --live calls. */
export type AwsService = 'CLOUDFORMATION' | 'IAM' | 'EKS' | 'STS' | 'EKS_AUTH';

export interface ProfileRetry {
  max_attempts?: string;
  retry_mode?: string;
}
