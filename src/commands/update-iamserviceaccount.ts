import type { Command } from 'commander';
import { serviceAccountConvergeCommand } from './create-iamserviceaccount.js';
import type { CliContext } from './context.js';

export function updateIamServiceAccountCommand(ctx: CliContext): Command {
  return serviceAccountConvergeCommand(ctx, 'update', 'Update an iamserviceaccount: policies, inline and well-known policies, boundary, tags, subject pattern; shows a real diff first', [
    '# the diff of the live stack against the new policies, then the update',
    'irsactl update iamserviceaccount --cluster prod --name s3-reader --attach-policy-arn arn:aws:iam::aws:policy/AmazonS3FullAccess',
    'irsactl update iamserviceaccount --cluster prod --name s3-reader --attach-policy-arn arn:aws:iam::aws:policy/AmazonS3FullAccess --approve',
    'irsactl update iamserviceaccount -f cluster.yaml -o json        # the diff in machine form',
  ]);
}
