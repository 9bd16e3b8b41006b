import { Command } from 'commander';
import { addAwsFlags, addCfnFlags, addClusterFlag, addKubeFlags, addRunFlags, repeat } from './flags.js';
import { recordOutcome, runtimeFor, type CliContext } from './context.js';
import { examples } from './help.js';
import { connectionFrom, optionsOf, outputOf, type OptionBag } from './options.js';
import { usageError } from '../errors.js';

export function migrateToPodIdentityCommand(ctx: CliContext): Command {
  const cmd = new Command('migrate-to-pod-identity').description(
    'Move annotated ServiceAccounts from IRSA to EKS Pod Identity in verified phases: (1) the role trusts pods.eks.amazonaws.com too, (2) associations, (3) verification, (4) with --remove-oidc-provider-trust-relationship: the annotation, then the OIDC trust. Blocked ServiceAccounts (Fargate, subjectPattern, another account, China, add-on roles, no agent) are skipped with the reason. --rollback undoes any phase.',
  );
  addClusterFlag(cmd);
  cmd
    .option('--remove-oidc-provider-trust-relationship', "phase 4, the cut-over: remove each migrated ServiceAccount's role-arn annotation, then its OIDC provider trust")
    .option('--rollback', 'undo the migration: annotations and OIDC trust back, the associations it made and the pods.eks.amazonaws.com trust it added removed')
    .option('--include <globs>', 'annotated ServiceAccounts to include, as namespace/name globs (repeatable, comma-separated), e.g. default/*,prod/api-*', repeat)
    .option('--exclude <globs>', 'ServiceAccounts to leave alone (wins over --include)', repeat)
    .option('--live', "phase 3 also proves each association as the agent would: a token for pods.eks.amazonaws.com exchanged at EKS Auth (needs RBAC create on serviceaccounts/token; as doctor --live)");
  addAwsFlags(cmd);
  addCfnFlags(cmd);
  addKubeFlags(cmd);
  addRunFlags(cmd, { exitCode: true, concurrency: false, output: ['text', 'json'] });
  cmd.addHelpText(
    'after',
    examples([
      'irsactl utils migrate-to-pod-identity --cluster prod                          # plan: every annotated ServiceAccount, its blockers and steps',
      'irsactl utils migrate-to-pod-identity --cluster prod --include "default/*" --approve --live',
      'irsactl utils migrate-to-pod-identity --cluster prod --remove-oidc-provider-trust-relationship --approve',
      'irsactl utils migrate-to-pod-identity --cluster prod --rollback               # plan the way back; add --approve to run it',
    ]),
  );
  cmd.action(async (o: OptionBag) => {
    const opt = optionsOf(o);
    const cluster = opt.string('cluster');
    if (cluster === undefined || cluster === '') throw usageError('--cluster is required', 'irsactl utils migrate-to-pod-identity --cluster <name>');
    const rollback = opt.flag('rollback') === true;
    const live = opt.flag('live') === true;
    if (rollback && live) throw usageError('--live proves the migration, and --rollback undoes it', 'drop --live; after the rollback, irsactl doctor --live checks IRSA');
    const cutOver = opt.flag('removeOidcProviderTrustRelationship') === true;
    if (rollback && cutOver) throw usageError('--rollback and --remove-oidc-provider-trust-relationship go opposite ways', 'pass one of them');
    const rt = runtimeFor(ctx, o);
    const [{ matchesFilter, splitGlobList }, { migrateToPodIdentity }] = await Promise.all([import('../config/filter.js'), import('../actions/migrate-to-pod-identity.js')]);
    const filter = { include: splitGlobList(opt.list('include')), exclude: splitGlobList(opt.list('exclude')) };
    // a glob that does not parse is bad usage, said before any request (compiling them is matching one id)
    matchesFilter('-/-', { include: [], exclude: [...filter.include, ...filter.exclude] });
    const { changes } = await migrateToPodIdentity(rt, {
      cluster,
      region: opt.string('region'),
      ...connectionFrom(o),
      approve: opt.flag('approve') === true,
      rollback,
      cutOver,
      filter,
      live,
      output: outputOf(o, ['text', 'json']),
    });
    recordOutcome(ctx, o, changes);
  });
  return cmd;
}
