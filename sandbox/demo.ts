/**
 * `npm run demo`: the whole job on one machine. Starts the sandbox (moto, the
 * rewriting proxy, a Kubernetes API test server), creates an EKS cluster in it,
 * runs what a user would run with the real irsactl binary, shows the resulting
 * ServiceAccount with the real kubectl, and stops everything it started.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox } from './index.js';
import { eksToken } from '../src/aws/eks-token.js';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'irsactl.js');
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function heading(text: string): void {
  process.stdout.write(`\n${bold(`# ${text}`)}\n`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { env, stdio: 'inherit', cwd: root });
    child.on('error', (err) => {
      process.stdout.write(`(${cmd}: ${err.message})\n`);
      resolvePromise(127);
    });
    child.on('exit', (code) => resolvePromise(code ?? 1));
  });
}

async function main(): Promise<number> {
  process.stdout.write('Starting the sandbox: moto (AWS), a rewriting proxy, a Kubernetes API test server …\n');
  const sandbox = await startSandbox();
  const scratch = mkdtempSync(join(tmpdir(), 'irsactl-demo-'));
  try {
    const account = await sandbox.newAccount();
    const region = 'us-west-2';
    const cluster = await sandbox.createCluster(account, 'demo', region);
    process.stdout.write(`EKS cluster "demo" in ${region} (account ${account.accountId}), issuer ${cluster.issuer}\n`);
    const env: NodeJS.ProcessEnv = { ...process.env, ...sandbox.cliEnv(account, region), IRSACTL_POLL_INTERVAL_MS: '200' };
    delete env.AWS_PROFILE;

    let failures = 0;
    // The proxy and the Kubernetes server live in this process: children must run asynchronously.
    const irsactl = async (args: string[], expectOk = true) => {
      process.stdout.write(`\n${bold(`$ irsactl ${args.join(' ')}`)}\n`);
      const status = await run(process.execPath, [bin, ...args], env);
      if ((status === 0) !== expectOk) {
        failures++;
        process.stdout.write(`(unexpected exit code ${status})\n`);
      }
    };

    heading('1. Associate the IAM OIDC provider with the cluster (plan, then apply)');
    await irsactl(['utils', 'associate-iam-oidc-provider', '--cluster', 'demo']);
    await irsactl(['utils', 'associate-iam-oidc-provider', '--cluster', 'demo', '--approve']);

    heading('2. Create an iamserviceaccount by flags: the plan, then --approve');
    const byFlags = ['create', 'iamserviceaccount', '--cluster', 'demo', '--namespace', 'backend-apps', '--name', 's3-reader', '--attach-policy-arn', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'];
    await irsactl(byFlags);
    await irsactl([...byFlags, '--approve']);

    heading("3. Create from eksctl's example ClusterConfig, only the kube-system accounts");
    await irsactl(['create', 'iamserviceaccount', '-f', 'examples/iamserviceaccounts.yaml', '--include', 'kube-system/*', '--approve']);

    heading('4. What exists now, with the STATUS column eksctl lacks');
    await irsactl(['get', 'iamserviceaccount', '--cluster', 'demo']);

    heading('5. EKS Pod Identity beside IRSA: an association whose role irsactl makes in eksctl\'s stack (plan, then --approve)');
    const podIdentity = ['create', 'podidentityassociation', '--cluster', 'demo', '--namespace', 'backend-apps', '--service-account-name', 's3-writer', '--permission-policy-arns', 'arn:aws:iam::aws:policy/AmazonS3FullAccess', '--create-service-account'];
    await irsactl(podIdentity);
    await irsactl([...podIdentity, '--approve']);
    await irsactl(['get', 'podidentityassociation', '--cluster', 'demo']);

    heading('6. The ServiceAccount, as kubectl sees it');
    const creds = { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey };
    const { token } = await eksToken({ clusterName: 'demo', region, credentials: creds });
    const caFile = join(scratch, 'ca.pem');
    writeFileSync(caFile, cluster.kube.caPem);
    writeFileSync(join(scratch, 'none'), 'apiVersion: v1\nkind: Config\n');
    const kubectlArgs = ['--server', cluster.kube.url, '--certificate-authority', caFile, '--token', token, '--cache-dir', join(scratch, 'cache'), '--kubeconfig', join(scratch, 'none')];
    process.stdout.write(`\n${bold('$ kubectl get serviceaccount s3-reader -n backend-apps -o yaml')}\n`);
    const k = await run('kubectl', [...kubectlArgs, 'get', 'serviceaccount', 's3-reader', '-n', 'backend-apps', '-o', 'yaml'], process.env);
    if (k !== 0) process.stdout.write('(kubectl could not show it)\n');

    heading('7. Re-running is safe: nothing is duplicated');
    await irsactl([...byFlags, '--approve']);

    heading('8. Converge the whole file: the plan shows what apply would create');
    await irsactl(['apply', '-f', 'examples/iamserviceaccounts.yaml', '--exclude', 'default/*']);

    heading('9. Prove the role works for the ServiceAccount, link by link (--live: a real token exchanged at STS)');
    await irsactl(['doctor', '--cluster', 'demo', '--namespace', 'backend-apps', '--name', 's3-reader', '--live']);

    process.stdout.write(`\n${failures === 0 ? 'Demo finished.' : `Demo finished with ${failures} unexpected result(s).`}\n`);
    return failures === 0 ? 0 : 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await sandbox.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
