import type { ResolvedConfig } from '../config/types.js';
import { toJson, toYaml } from '../output/format.js';
import { writeResult } from '../output/reporter.js';
import { ensureOidcProvider } from './associate.js';
import { openCluster } from '../runtime/cluster-session.js';
import type { Runtime } from '../runtime/runtime.js';

/** `irsactl utils associate-iam-oidc-provider`: plan or create the provider; idempotent. */
export async function associateOidcProvider(
  rt: Runtime,
  resolved: ResolvedConfig,
  opts: { approve: boolean; output: 'text' | 'json' | 'yaml'; profile?: string },
): Promise<void> {
  const session = await openCluster(rt, { cluster: resolved.cluster.name, region: resolved.region, profile: opts.profile });
  const result = await ensureOidcProvider(rt, session, opts.approve);
  if (opts.output === 'json') writeResult(rt.io, toJson(result));
  else if (opts.output === 'yaml') writeResult(rt.io, toYaml(result));
  else writeResult(rt.io, `${result.providerArn}\t${result.action}`);
  if (result.action === 'would-create') rt.reporter.warn("no changes were applied, run again with '--approve' to apply the changes");
}
