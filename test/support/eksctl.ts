import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreatePodIdentityAssociationCommand, EKSClient } from '@aws-sdk/client-eks';
import type { E2E } from './cli.js';

/**
 * CreateStack exactly as eksctl 0.190.0 sends it for an iamserviceaccount (eksctl-irsa.md §3.2): its stack name,
 * the four tag groups, CAPABILITY_IAM and termination protection — straight through CloudFormation, not irsactl.
 */
export async function createStackAsEksctl(e: E2E, opts: { cluster: string; region: string; id: string; templateBody: string }): Promise<string> {
  const [namespace, name] = opts.id.split('/');
  const stackName = `eksctl-${opts.cluster}-addon-iamserviceaccount-${namespace}-${name}`;
  const client = new CloudFormationClient({
    region: opts.region,
    // through the sandbox's proxy, which does to the role what CloudFormation would (moto alone leaves it drifted)
    endpoint: e.sandbox.proxyUrl,
    credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey },
    maxAttempts: 1,
  });
  try {
    await client.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: opts.templateBody,
        Capabilities: ['CAPABILITY_IAM'],
        EnableTerminationProtection: true,
        Tags: [
          { Key: 'alpha.eksctl.io/cluster-name', Value: opts.cluster },
          { Key: 'eksctl.cluster.k8s.io/v1alpha1/cluster-name', Value: opts.cluster },
          { Key: 'alpha.eksctl.io/eksctl-version', Value: '0.190.0' },
          { Key: 'alpha.eksctl.io/iamserviceaccount-name', Value: opts.id },
        ],
      }),
    );
  } finally {
    client.destroy();
  }
  return stackName;
}

/**
 * A pod identity association as eksctl 0.190.0 makes one (pkg/actions/podidentityassociation: IAMRoleCreator, then
 * createPodIdentityAssociationTask): CreateStack `eksctl-<cluster>-podidentityrole-<ns>-<sa>` with its cluster tags
 * and the podidentityassociation-name tag, CAPABILITY_IAM and termination protection; then
 * CreatePodIdentityAssociation with the stack's Role1 — straight through the sandbox, not irsactl. Returns the role ARN
 * and the association's id.
 */
export async function createPodIdentityAsEksctl(
  e: E2E,
  opts: { cluster: string; region: string; namespace: string; serviceAccount: string; templateBody: string },
): Promise<{ stackName: string; roleArn: string; associationId: string }> {
  const stackName = `eksctl-${opts.cluster}-podidentityrole-${opts.namespace}-${opts.serviceAccount}`;
  const common = { region: opts.region, endpoint: e.sandbox.proxyUrl, credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey }, maxAttempts: 1 };
  const cfn = new CloudFormationClient(common);
  const eks = new EKSClient(common);
  try {
    await cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: opts.templateBody,
        Capabilities: ['CAPABILITY_IAM'],
        EnableTerminationProtection: true,
        Tags: [
          { Key: 'alpha.eksctl.io/cluster-name', Value: opts.cluster },
          { Key: 'eksctl.cluster.k8s.io/v1alpha1/cluster-name', Value: opts.cluster },
          { Key: 'alpha.eksctl.io/eksctl-version', Value: '0.190.0' },
          { Key: 'alpha.eksctl.io/podidentityassociation-name', Value: `${opts.namespace}/${opts.serviceAccount}` },
        ],
      }),
    );
    const described = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const roleArn = described.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'Role1')?.OutputValue;
    if (roleArn === undefined) throw new Error(`stack ${stackName} has no Role1 output`);
    const created = await eks.send(new CreatePodIdentityAssociationCommand({ clusterName: opts.cluster, namespace: opts.namespace, serviceAccount: opts.serviceAccount, roleArn }));
    return { stackName, roleArn, associationId: created.association?.associationId ?? '' };
  } finally {
    cfn.destroy();
    eks.destroy();
  }
}
