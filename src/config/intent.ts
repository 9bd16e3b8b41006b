import type { ClusterModel } from '../model/service-account.js';
import type { CommandKind, ResolvedConfig } from './types.js';

// What a command does differently when its service accounts come from a file: decided here, once, so that the
// actions read intent and never the source.

export type Intent = Pick<ResolvedConfig, 'planFirst' | 'mayAssociateOidc' | 'withOidcWouldAssociate' | 'stopOnForeignStack' | 'configPathForHints'>;

export function intentFor(kind: CommandKind, source: ResolvedConfig['source'], cluster: ClusterModel): Intent {
  const fromFile = source.kind === 'file';
  const associates = fromFile && (kind === 'create' || kind === 'apply');
  const intent: Intent = {
    planFirst: kind === 'delete' ? fromFile : kind !== 'get' && kind !== 'doctor',
    mayAssociateOidc: associates && cluster.withOIDC,
    withOidcWouldAssociate: associates && !cluster.withOIDC,
    stopOnForeignStack: fromFile || kind === 'update',
  };
  if (source.kind === 'file' && source.path !== '-') intent.configPathForHints = source.path;
  return intent;
}
