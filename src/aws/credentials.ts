import type { AwsCredentialIdentity } from '@aws-sdk/types';

/**
 * The resolved AWS credentials, for signing the EKS bearer token: static keys
 * from the given environment when present (so in-process runs need no
 * process.env), else the SDK's default chain for the profile. Cached per run.
 */
export function credentialsResolver(env: Record<string, string | undefined>, profile?: string): () => Promise<AwsCredentialIdentity> {
  let cached: Promise<AwsCredentialIdentity> | undefined;
  return () => {
    cached ??= (async () => {
      const accessKeyId = env.AWS_ACCESS_KEY_ID;
      const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
      if (accessKeyId && secretAccessKey && !profile) {
        return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
      }
      const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
      return defaultProvider(profile ? { profile } : {})();
    })();
    return cached;
  };
}
