import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAwsProxy, type AwsProxy } from './aws-proxy.js';
import { startKubeServer, type KubeTestServer } from './kube/server.js';
import { createMotoAccount, createMotoCluster, startMoto, type MotoAccount, type MotoServer } from './moto.js';

export type { MotoAccount } from './moto.js';

export interface SandboxCluster {
  cluster: string;
  region: string;
  kube: KubeTestServer;
  /** the cluster's own OIDC issuer, as the proxy's DescribeCluster answers it (not moto's shared one) */
  issuer: string;
  arn: string;
}

export interface Sandbox {
  motoUrl: string;
  proxyUrl: string;
  proxy: AwsProxy;
  newAccount(): Promise<MotoAccount>;
  /** An EKS cluster in moto, a Kubernetes test server for it, and the proxy pointing one at the other. */
  createCluster(account: MotoAccount, name: string, region: string): Promise<SandboxCluster>;
  /** The environment for running irsactl against this sandbox as `account`. */
  cliEnv(account: MotoAccount, region: string): Record<string, string>;
  stop(): Promise<void>;
}

/**
 * moto (started here unless given), the rewriting proxy and one Kubernetes test server
 * per cluster: everything irsactl's real code path needs, with nothing on the internet.
 */
/**
 * The OIDC issuer the sandbox gives a cluster: EKS's form (32 upper-case hex characters), one per account, region
 * and name. moto gives every cluster of a server the same issuer, which would hide a trust policy for another cluster.
 */
export function sandboxIssuer(accountId: string, region: string, name: string): string {
  const id = createHash('sha256').update(`${accountId}/${region}/${name}`).digest('hex').slice(0, 32).toUpperCase();
  return `https://oidc.eks.${region}.amazonaws.com/id/${id}`;
}

/**
 * `guardDescribeStacks` (default on): the proxy denies DescribeStacks without a StackName, as AWS's documented
 * guard policy does, so everything run against the sandbox proves it works under that policy.
 */
export async function startSandbox(opts: { moto?: { url: string }; guardDescribeStacks?: boolean } = {}): Promise<Sandbox> {
  const ownMoto: MotoServer | undefined = opts.moto === undefined ? await startMoto() : undefined;
  const motoUrl = opts.moto?.url ?? (ownMoto as MotoServer).url;
  const stoppers: (() => Promise<void>)[] = [];
  if (ownMoto !== undefined) stoppers.push(() => ownMoto.stop());

  const proxy = await startAwsProxy(motoUrl, { guardDescribeStacks: opts.guardDescribeStacks ?? true });
  stoppers.push(() => proxy.stop());

  // Empty config and credentials files keep a developer's ~/.aws out of the tests.
  const scratch = mkdtempSync(join(tmpdir(), 'irsactl-sandbox-'));
  const emptyAwsFile = join(scratch, 'aws-empty');
  writeFileSync(emptyAwsFile, '');
  stoppers.push(async () => rmSync(scratch, { recursive: true, force: true }));

  return {
    motoUrl,
    proxyUrl: proxy.url,
    proxy,
    newAccount: () => createMotoAccount(motoUrl),
    async createCluster(account, name, region) {
      const created = await createMotoCluster(motoUrl, account, name, region);
      const issuer = sandboxIssuer(account.accountId, region, name);
      // EKS tells its webhook the cluster's associations: here it asks the proxy's EKS state at each pod creation.
      const key = { accountId: account.accountId, region, name };
      const kube = await startKubeServer({
        clusterName: name,
        credentials: { [account.accessKeyId]: account.secretAccessKey },
        webhook: {
          region,
          hasPodIdentityAssociation: (namespace, serviceAccount) =>
            proxy.eks.associations(key).some((a) => a.namespace === namespace && a.serviceAccount === serviceAccount),
        },
      });
      stoppers.push(() => kube.stop());
      // The cluster's own issuer everywhere: DescribeCluster (so provider ARNs and trust policies), and the `iss` of its tokens.
      kube.setIssuer(issuer);
      proxy.registerCluster(name, { endpoint: kube.url, caData: kube.caData, issuer, verifyToken: (token) => kube.verifyServiceAccountToken(token) });
      return { cluster: name, region, kube, issuer, arn: created.arn };
    },
    cliEnv(account, region) {
      return {
        AWS_ENDPOINT_URL: proxy.url,
        AWS_ACCESS_KEY_ID: account.accessKeyId,
        AWS_SECRET_ACCESS_KEY: account.secretAccessKey,
        AWS_REGION: region,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: emptyAwsFile,
        AWS_SHARED_CREDENTIALS_FILE: emptyAwsFile,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        NO_COLOR: '1',
      };
    },
    async stop() {
      // Newest first: Kubernetes servers, then the proxy, then moto.
      for (const stop of stoppers.reverse()) {
        await stop().catch(() => undefined);
      }
      stoppers.length = 0;
    },
  };
}
