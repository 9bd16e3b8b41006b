import type { ResolvedConfig } from '../config/types.js';
import { writeOutput } from '../output/format.js';
import { ensureOidcProvider, type AssociateResult } from './associate.js';
import { runDocument } from './run-document.js';
import type { RunDocument } from '../output/run-document.js';
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
  writeOutput(rt.io, opts.output, () => associateDocument(result, opts.approve), () => `${result.providerArn}\t${result.action}`);
  if (result.action === 'would-create') rt.reporter.warn("no changes were applied, run again with '--approve' to apply the changes");
}

/** The run document of associate: the provider, and no items (it works on no service account). */
export function associateDocument(result: AssociateResult, approve: boolean): RunDocument {
  // Whether it existed before this run: a created one did not.
  const existed = result.action === 'exists';
  return runDocument(approve ? 'Result' : 'Plan', {
    command: 'utils associate-iam-oidc-provider',
    cluster: result.cluster,
    region: result.region,
    oidcProvider: {
      arn: result.providerArn,
      exists: existed,
      action: existed ? 'none' : 'create',
      ...(result.thumbprint !== undefined ? { thumbprint: result.thumbprint } : {}),
      ...(approve ? { outcome: existed ? ('exists' as const) : ('created' as const) } : {}),
    },
  }, []);
}
