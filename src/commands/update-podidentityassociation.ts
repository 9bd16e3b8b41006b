import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { podIdentityConvergeCommand } from './create-podidentityassociation.js';

export function updatePodIdentityAssociationCommand(ctx: CliContext): Command {
  return podIdentityConvergeCommand(ctx, 'update', 'Update pod identity associations: the role stack irsactl or eksctl made (a semantic diff) and the association (role, target role, session tags, session policy)', [
    '# the diff first, then the update',
    'irsactl update podidentityassociation --cluster prod --namespace default --service-account-name s3-reader --target-role-arn arn:aws:iam::444455556666:role/other',
    'irsactl update podidentityassociation -f cluster.yaml --approve',
  ]);
}
