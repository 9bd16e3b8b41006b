import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import pLimit from 'p-limit';
import type { MotoAccount } from './moto.js';

/**
 * Fills a region with stacks that are not the cluster's (straight into moto, past the proxy, so no count sees them):
 * a third with eksctl's iamserviceaccount names for another cluster whose name begins like this one's, a third
 * eksctl nodegroups of other clusters, a third other tools'. Each holds one WaitConditionHandle, the cheapest
 * resource moto creates. Used by the big-account test and the bench.
 */
export async function fillRegion(motoUrl: string, account: MotoAccount, region: string, cluster: string, count: number): Promise<void> {
  const client = new CloudFormationClient({
    region,
    endpoint: motoUrl,
    credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
    maxAttempts: 3,
  });
  const body = JSON.stringify({ Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } } });
  const name = (i: number) =>
    i % 3 === 0 ? `eksctl-${cluster}-x-addon-iamserviceaccount-apps-sa-${i}` : i % 3 === 1 ? `eksctl-other-${i}-nodegroup-ng` : `app-${i}`;
  const limit = pLimit(4);
  try {
    await Promise.all(Array.from({ length: count }, (_, i) => limit(() => client.send(new CreateStackCommand({ StackName: name(i), TemplateBody: body })))));
  } finally {
    client.destroy();
  }
}
