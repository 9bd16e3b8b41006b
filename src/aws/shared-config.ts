import { homedir } from 'node:os';
import { join } from 'node:path';
import { IrsaError } from '../errors.js';
import { endpointFor, nonEmpty } from './config.js';
import { type AwsService, type ProfileRetry } from './options.js';

/** The shared config and credentials files, where the SDK looks for them in `env`. */
export function sharedFilePaths(env: Record<string, string | undefined>): { configFile: string; credentialsFile: string } {
  const home = nonEmpty(env.HOME) ?? nonEmpty(env.USERPROFILE) ?? homedir();
  return {
    configFile: nonEmpty(env.AWS_CONFIG_FILE) ?? join(home, '.aws', 'config'),
    credentialsFile: nonEmpty(env.AWS_SHARED_CREDENTIALS_FILE) ?? join(home, '.aws', 'credentials'),
  };
}

export type ConfiguredEndpoints = Partial<Record<AwsService, string>>;

const SERVICES: readonly AwsService[] = ['CLOUDFORMATION', 'IAM', 'EKS', 'STS', 'EKS_AUTH'];

/**
 * The endpoint of each service as the SDK documents configured endpoints
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html): AWS_ENDPOINT_URL_<SERVICE>, then
 * AWS_ENDPOINT_URL, then the profile's `services` section, then its `endpoint_url`; none with
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or the profile's ignore_configured_endpoint_urls. The profile is the one in
 * use (--profile, else AWS_PROFILE, else default). irsactl resolves this itself because the JS SDK reads the
 * AWS_PROFILE profile's settings even when a client is given another profile.
 *
 * A profile the user named (--profile or AWS_PROFILE) that is in neither file is an error naming it and both files,
 * as with the aws CLI: the SDK would report it as "could not load credentials", or irsactl as "no region".
 */
export async function readSharedConfig(
  env: Record<string, string | undefined>,
  flagProfile: string | undefined,
): Promise<{ endpoints: ConfiguredEndpoints; retry: ProfileRetry }> {
  const named = nonEmpty(flagProfile) ?? nonEmpty(env.AWS_PROFILE);
  const { configFile, credentialsFile } = sharedFilePaths(env);
  const { loadSharedConfigFiles, CONFIG_PREFIX_SEPARATOR } = await import('@smithy/core/config');
  const files = await loadSharedConfigFiles({ configFilepath: configFile, filepath: credentialsFile, ignoreCache: true });
  const profileName = named ?? 'default';
  const profile = { ...files.credentialsFile[profileName], ...files.configFile[profileName] };
  if (named !== undefined && files.configFile[named] === undefined && files.credentialsFile[named] === undefined) {
    const from = nonEmpty(flagProfile) !== undefined ? '--profile' : 'AWS_PROFILE';
    throw new IrsaError('USAGE', `profile "${named}" (from ${from}) is not in ${configFile} or ${credentialsFile}`, {
      hint: `check the name, or create the profile (aws configure --profile ${named}); AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name other files`,
    });
  }
  const retry: ProfileRetry = {
    ...(profile.max_attempts !== undefined ? { max_attempts: profile.max_attempts } : {}),
    ...(profile.retry_mode !== undefined ? { retry_mode: profile.retry_mode } : {}),
  };
  const ignore = (nonEmpty(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) ?? nonEmpty(profile.ignore_configured_endpoint_urls))?.toLowerCase() === 'true';
  if (ignore) return { endpoints: {}, retry };
  const servicesName = nonEmpty(profile.services);
  const services = servicesName !== undefined ? files.configFile[['services', servicesName].join(CONFIG_PREFIX_SEPARATOR)] : undefined;
  if (servicesName !== undefined && services === undefined) {
    throw new IrsaError('USAGE', `profile "${profileName}" names services section "${servicesName}", which is not in ${configFile}`, {
      hint: `add [services ${servicesName}] to ${configFile}, or remove the profile's services setting`,
    });
  }
  const endpoints: ConfiguredEndpoints = {};
  for (const service of SERVICES) {
    const url =
      endpointFor(service, env) ??
      nonEmpty(services?.[[service.toLowerCase(), 'endpoint_url'].join(CONFIG_PREFIX_SEPARATOR)]) ??
      nonEmpty(profile.endpoint_url);
    if (url !== undefined) endpoints[service] = url;
  }
  return { endpoints, retry };
}
