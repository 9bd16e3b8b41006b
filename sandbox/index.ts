import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAwsProxy, type AwsProxy } from './aws-proxy.js';
import { startKubeServer, type KubeTestServer } from './kube-server.js';
import { createMotoAccount, createMotoCluster, startMoto, type MotoAccount, type MotoServer } from './moto.js';

export type { MotoAccount } from './moto.js';

export interface SandboxCluster {
  cluster: string;
  region: string;
  kube: KubeTestServer;
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
export async function startSandbox(opts: { moto?: { url: string } } = {}): Promise<Sandbox> {
  const ownMoto: MotoServer | undefined = opts.moto === undefined ? await startMoto() : undefined;
  const motoUrl = opts.moto?.url ?? (ownMoto as MotoServer).url;
  const stoppers: (() => Promise<void>)[] = [];
  if (ownMoto !== undefined) stoppers.push(() => ownMoto.stop());

  const proxy = await startAwsProxy(motoUrl);
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
      const kube = await startKubeServer({ clusterName: name, credentials: { [account.accessKeyId]: account.secretAccessKey } });
      stoppers.push(() => kube.stop());
      proxy.registerCluster(name, { endpoint: kube.url, caData: kube.caData });
      return { cluster: name, region, kube, issuer: created.issuer, arn: created.arn };
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
