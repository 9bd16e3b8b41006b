import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { staticCredentials } from './config.js';

/**
 * The resolved AWS credentials, for signing the EKS bearer token: the same choice as the AWS clients'
 * (staticCredentials), else the SDK's default chain for the profile. Cached per run.
 */
export function credentialsResolver(env: Record<string, string | undefined>, profile?: string): () => Promise<AwsCredentialIdentity> {
  let cached: Promise<AwsCredentialIdentity> | undefined;
  return () => {
    cached ??= (async () => {
      const fromEnv = staticCredentials(env, profile);
      if (fromEnv) return fromEnv;
      const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
      return defaultProvider(profile ? { profile } : {})();
    })();
    return cached;
  };
}
