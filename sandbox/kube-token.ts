// The kubeconfig's exec credential plugin for `npm run sandbox`: kubectl runs it for every request batch, so the
// EKS token (valid for minutes) is fresh however long the sandbox runs. Reads the credentials from the environment
// the kubeconfig sets; prints a client.authentication.k8s.io/v1 ExecCredential on stdout.
import { eksToken } from '../src/aws/eks-token.js';

async function main(): Promise<void> {
  const [clusterName, region] = process.argv.slice(2);
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (clusterName === undefined || region === undefined || accessKeyId === undefined || secretAccessKey === undefined) {
    throw new Error('usage: kube-token.js CLUSTER REGION, with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set');
  }
  const { token, expiresAt } = await eksToken({ clusterName, region, credentials: { accessKeyId, secretAccessKey } });
  const credential = {
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    status: { token, expirationTimestamp: expiresAt.toISOString() },
  };
  process.stdout.write(`${JSON.stringify(credential)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`kube-token: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
