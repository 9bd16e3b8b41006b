/**
 * `npm run sandbox`: the sandbox to try irsactl by hand. Starts moto, the rewriting proxy, a Kubernetes API test
 * server and one EKS cluster, prints `export` lines (stdout) for irsactl, the aws CLI and kubectl, writes a kubeconfig
 * whose user runs kube-token.js for a fresh EKS token, and runs until SIGINT/SIGTERM; then stops what it started.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox, type Sandbox } from './index.js';
import { startMoto } from './moto.js';

const CLUSTER = 'sandbox';
const REGION = 'us-west-2';
const here = import.meta.dirname;
/** Narration goes to stderr: stdout holds only the export lines, for `eval`. */
const say = (line: string) => process.stderr.write(`${line}\n`);

/** POSIX single quotes, so a value with spaces or `$` survives `eval "$(npm run --silent sandbox)"`. */
const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

function kubeconfig(server: string, caData: string, env: Record<string, string>): string {
  const plugin = resolve(here, 'kube-token.js');
  const envLines = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].map((name) => `      - {name: ${name}, value: ${JSON.stringify(env[name])}}`);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${CLUSTER}`,
    `  cluster: {server: ${JSON.stringify(server)}, certificate-authority-data: ${JSON.stringify(caData)}}`,
    'users:',
    `- name: ${CLUSTER}`,
    '  user:',
    '    exec:',
    '      apiVersion: client.authentication.k8s.io/v1',
    `      command: ${JSON.stringify(process.execPath)}`,
    `      args: [${JSON.stringify(plugin)}, ${CLUSTER}, ${REGION}]`,
    '      interactiveMode: Never',
    '      env:',
    ...envLines.map((line) => `  ${line}`),
    'contexts:',
    `- name: ${CLUSTER}`,
    `  context: {cluster: ${CLUSTER}, user: ${CLUSTER}}`,
    `current-context: ${CLUSTER}`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  say('Starting the sandbox: moto (AWS), a rewriting proxy, a Kubernetes API test server …');
  const moto = await startMoto();
  say(`moto_server: pid ${moto.pid}, ${moto.url}`);
  // From here on a signal stops what has been started so far, even while the rest is starting.
  let sandbox: Sandbox | undefined;
  let scratch: string | undefined;
  let stopping = false;
  const cleanUp = async () => {
    await sandbox?.stop();
    await moto.stop();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  };
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping the Kubernetes server, the proxy and moto_server (pid ${moto.pid}) …`);
    await cleanUp();
    say('Sandbox stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  try {
    await startCluster(async () => (sandbox = await startSandbox({ moto: { url: moto.url } })), (dir) => (scratch = dir));
  } catch (err) {
    await cleanUp();
    throw err;
  }
}

/** The sandbox, its account and cluster, the kubeconfig; then the export lines. */
async function startCluster(start: () => Promise<Sandbox>, keepScratch: (dir: string) => void): Promise<void> {
  const sandbox = await start();
  const scratch = mkdtempSync(join(tmpdir(), 'irsactl-sandbox-shell-'));
  keepScratch(scratch);
  const account = await sandbox.newAccount();
  const cluster = await sandbox.createCluster(account, CLUSTER, REGION);
  const env: Record<string, string> = { ...sandbox.cliEnv(account, REGION), AWS_DEFAULT_REGION: REGION };
  delete env.NO_COLOR;
  const kubeconfigFile = join(scratch, 'kubeconfig');
  writeFileSync(kubeconfigFile, kubeconfig(cluster.kube.url, cluster.kube.caData, env), { mode: 0o600 });
  env.KUBECONFIG = kubeconfigFile;

  say(`EKS cluster "${CLUSTER}" in ${REGION} (account ${account.accountId}), issuer ${cluster.issuer}`);
  say(`kubeconfig for kubectl: ${kubeconfigFile}`);
  say('Paste the export lines below into another shell (AWS_PROFILE must be unset there), then try for example:');
  say(`  node bin/irsactl.js utils associate-iam-oidc-provider --cluster ${CLUSTER} --approve`);
  say(`  node bin/irsactl.js create iamserviceaccount --cluster ${CLUSTER} --name s3-reader --attach-policy-arn arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess --approve`);
  say('  kubectl get serviceaccounts -A');
  say('Ctrl-C here stops the sandbox.\n');
  for (const [name, value] of Object.entries(env)) process.stdout.write(`export ${name}=${shellQuote(value)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`sandbox failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
