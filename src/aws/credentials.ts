import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { staticCredentials } from './config.js';
import { sharedFilePaths } from './shared-config.js';
import type { awsRequestHandler } from './request-handler.js';

export interface CredentialOptions {
  env: Record<string, string | undefined>;
  profile?: string;
  /** The region of the run, for the STS calls of assume-role and web-identity profiles. */
  region: string;
  /** The STS endpoint for those calls, when AWS_ENDPOINT_URL* or the profile set one. */
  stsEndpoint?: string;
  /** Where the chain's own messages go (-v): else it prints to the console, e.g. that AWS_PROFILE beats env keys
   * when --profile was given on purpose. */
  debug?: (message: string) => void;
  /** The run's request handler for those STS calls: its proxies, CAs, timeouts and deadline. */
  requestHandler?: ReturnType<typeof awsRequestHandler>;
}

/**
 * The one credential provider of a run, for the AWS clients and the EKS token alike, so both act as one identity:
 * static keys from the environment unless --profile names a profile (as with the aws CLI), else the SDK's default
 * chain for the profile. The chain memoizes, and resolves again when temporary credentials have less than
 * 5 minutes left; callers must call it each time they sign rather than keep what it returned. The chain and the STS
 * client are loaded on the first call: a run with keys in the environment never needs them.
 */
export function credentialProvider(opts: CredentialOptions): AwsCredentialIdentityProvider {
  const fromEnv = staticCredentials(opts.env, opts.profile);
  if (fromEnv !== undefined) return async (): Promise<AwsCredentialIdentity> => fromEnv;
  let chain: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (props) => {
    chain ??= defaultChain(opts);
    return (await chain)(props);
  };
}

async function defaultChain(opts: CredentialOptions): Promise<AwsCredentialIdentityProvider> {
  const [{ getDefaultRoleAssumer, getDefaultRoleAssumerWithWebIdentity }, { defaultProvider }] = await Promise.all([
    import('@aws-sdk/client-sts'),
    import('@aws-sdk/credential-provider-node'),
  ]);
  const { configFile, credentialsFile } = sharedFilePaths(opts.env);
  // The STS client of assume-role and web-identity credentials: the run's region and STS endpoint. Given as role
  // assumers rather than the chain's clientConfig, which SSO would also take (and its region over sso_region).
  const sts = {
    region: opts.region,
    // irsactl resolves configured endpoints for the right profile itself (shared-config.ts).
    ignoreConfiguredEndpointUrls: true,
    ...(opts.stsEndpoint !== undefined ? { endpoint: opts.stsEndpoint } : {}),
    ...(opts.requestHandler !== undefined ? { requestHandler: opts.requestHandler } : {}),
  };
  const debug = opts.debug ?? (() => undefined);
  const log = (...parts: unknown[]): void => debug(parts.map(String).join(' '));
  return defaultProvider({
    logger: { debug: log, info: log, warn: log, error: log },
    ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
    configFilepath: configFile,
    filepath: credentialsFile,
    roleAssumer: getDefaultRoleAssumer(sts),
    roleAssumerWithWebIdentity: getDefaultRoleAssumerWithWebIdentity(sts),
    // The SSO portal and SSO-OIDC token refresh clients: only the request handler (proxies, CAs, timeouts, deadline),
    // never a region, which they would take over the profile's sso_region.
    ...(opts.requestHandler !== undefined ? { clientConfig: { requestHandler: opts.requestHandler } } : {}),
  });
}
