import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
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
