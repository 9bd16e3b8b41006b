import type { Command } from 'commander';
import { addAwsFlags, addCfnFlags, addClusterFlag, addConfigFileFlags, addKubeFlags, addPodIdentityFlags, addRunFlags } from './flags.js';
import { recordOutcome, resolvePodIdentityFor, runtimeFor, type CliContext } from './context.js';
import { examples, podIdentityAssociationCommand } from './help.js';
import { configFlagsFrom, type OptionBag } from './options.js';
import { convergeOptionsFrom } from './create-iamserviceaccount.js';

/** `create` and `update podidentityassociation`: the same path, in the plan's mode. */
export function podIdentityConvergeCommand(ctx: CliContext, mode: 'create' | 'update', description: string, exampleLines: string[]): Command {
  const cmd = podIdentityAssociationCommand(description);
  addClusterFlag(cmd);
  addPodIdentityFlags(cmd, mode);
  addConfigFileFlags(cmd);
  addAwsFlags(cmd);
  addCfnFlags(cmd);
  addKubeFlags(cmd);
  addRunFlags(cmd, { exitCode: true });
  cmd.addHelpText('after', examples(exampleLines));
  cmd.action(async (o: OptionBag) => {
    const flags = configFlagsFrom(undefined, o);
    const rt = runtimeFor(ctx, o);
    const [resolved, { convergePodIdentity }] = await Promise.all([resolvePodIdentityFor(ctx, rt, mode, flags), import('../actions/pod-identity.js')]);
    const { changes } = await convergePodIdentity(rt, mode, resolved, convergeOptionsFrom(o));
    recordOutcome(ctx, o, changes);
  });
  return cmd;
}

export function createPodIdentityAssociationCommand(ctx: CliContext): Command {
  return podIdentityConvergeCommand(
    ctx,
    'create',
    'Create a pod identity association (EKS Pod Identity): a role irsactl makes in the stack eksctl would (or --role-arn), then the association',
    [
      '# plan, then create, a role with a managed policy and its association for default/s3-reader',
      'irsactl create podidentityassociation --cluster prod --namespace default --service-account-name s3-reader --permission-policy-arns arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
      'irsactl create podidentityassociation --cluster prod --namespace default --service-account-name s3-reader --permission-policy-arns arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess --create-service-account --approve',
      '# an existing role, chaining into a role of another account',
      'irsactl create podidentityassociation --cluster prod --namespace default --service-account-name s3-reader --role-arn arn:aws:iam::111122223333:role/source --target-role-arn arn:aws:iam::444455556666:role/target --approve',
      '# from an eksctl ClusterConfig (iam.podIdentityAssociations)',
      'irsactl create podidentityassociation -f cluster.yaml --approve',
    ],
  );
}
