import type { AwsPorts } from './ports.js';
import { nonEmpty } from './config.js';
import { type AwsOptions } from './options.js';

export type { AwsOptions } from './options.js';

/**
 * Builds the adapters. Each is loaded with a dynamic import so that commands
 * which never reach AWS (`--help`, `--version`) do not pay for loading the SDK.
 */
export async function createAwsPorts(opts: AwsOptions): Promise<AwsPorts> {
  const [eks, iam, cfn, sts, eksAuth] = await Promise.all([
    import('./eks.js'),
    import('./iam.js'),
    import('./cloudformation.js'),
    import('./sts.js'),
    import('./eks-auth.js'),
  ]);
  return {
    eks: eks.createEksPort(opts),
    iam: iam.createIamPort(opts),
    cfn: cfn.createCloudFormationPort(opts),
    sts: sts.createStsPort(opts),
    eksAuth: eksAuth.createEksAuthPort(opts),
  };
}

/**
 * The region, in the SDK's order: the flag, AWS_REGION, AWS_DEFAULT_REGION, then the
 * profile's `region` in the shared config file. undefined when none says.
 */
export async function resolveRegion(
  flagRegion: string | undefined,
  profile: string | undefined,
  env: Record<string, string | undefined>,
): Promise<string | undefined> {
  const direct = nonEmpty(flagRegion) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
  if (direct !== undefined) return direct;
  const profileName = nonEmpty(profile) ?? nonEmpty(env.AWS_PROFILE) ?? 'default';
  try {
    // The SDK's own ini loader (about 25 ms), so profile syntax matches what the clients read.
    const { loadSharedConfigFiles } = await import('@smithy/core/config');
    const configFilepath = nonEmpty(env.AWS_CONFIG_FILE);
    const filepath = nonEmpty(env.AWS_SHARED_CREDENTIALS_FILE);
    const files = await loadSharedConfigFiles({
      ...(configFilepath !== undefined ? { configFilepath } : {}),
      ...(filepath !== undefined ? { filepath } : {}),
      ignoreCache: true,
    });
    return nonEmpty(files.configFile?.[profileName]?.region) ?? nonEmpty(files.credentialsFile?.[profileName]?.region);
  } catch {
    // An unreadable config file means no region from it; the caller reports the missing region.
    return undefined;
  }
}
