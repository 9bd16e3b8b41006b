import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// moto_server as a child process, and the raw-HTTP helpers the sandbox needs
// (no SDK: the harness must not depend on the code under test).

export interface MotoServer {
  url: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

export interface MotoAccount {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const NOT_INSTALLED =
  "moto_server not found: install it with pip install 'moto[server]' (moto 5.2.1 is preinstalled on the project's machines)";
const READY_TIMEOUT_MS = 30_000;
/** A fixed seed, sent before the first EKS request, makes the EKS issuer and endpoint the same on every run. */
const MOTO_SEED = 42;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function logTail(logFile: string, lines = 30): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

interface Spawned {
  child: ChildProcess;
  /** Resolves with the exit code once the process ends (null for a signal). */
  exited: Promise<number | null>;
}

function spawnLogged(command: string, args: string[], logFile: string): Promise<Spawned | 'ENOENT'> {
  return new Promise((resolve) => {
    const fd = openSync(logFile, 'a');
    // AWS-managed policy ARNs (arn:aws:iam::aws:policy/...) exist in moto only when it loads them; the proxy attaches them
    // to CloudFormation-made roles (cfn-iam-sync.ts) as CloudFormation would.
    const child = spawn(command, args, { stdio: ['ignore', fd, fd], env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' } });
    closeSync(fd);
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ENOENT' ? 'ENOENT' : { child, exited }));
    child.once('spawn', () => resolve({ child, exited }));
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

async function stopChild(spawned: Spawned): Promise<void> {
  const { child, exited } = spawned;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killed = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * moto_server, with one thing made as CloudFormation does it: the name it generates for an AWS::IAM::Role without
 * RoleName. CloudFormation keeps IAM's 64-character limit (`<stack name, cut>-<logical id>-<suffix>`); moto 5.2.1
 * writes the whole stack name, so a long stack gets a role whose ARN EKS and IAM would never have seen (EKS refuses
 * it as "not valid"). Patched in moto's process, before the server starts; everything else is moto's own.
 */
const CLOUDFORMATION_ROLE_NAMES = [
  'import sys',
  'import moto.cloudformation.parsing as parsing',
  'moto_name = parsing.generate_resource_name',
  'def generate_resource_name(resource_type, stack_name, logical_id):',
  '    if resource_type != "AWS::IAM::Role":',
  '        return moto_name(resource_type, stack_name, logical_id)',
  '    right = "-" + logical_id + "-" + parsing.random_suffix()',
  '    return stack_name[: max(0, 64 - len(right))] + right',
  'parsing.generate_resource_name = generate_resource_name',
  'from moto.server import main',
  'sys.exit(main())',
].join('\n');

/**
 * Starts moto_server on a free port (python3 with moto; else the moto_server command, unpatched), waits until it
 * answers, and seeds it. Its request log goes to a file, never to the test output.
 */
export async function startMoto(opts: { logFile?: string } = {}): Promise<MotoServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = opts.logFile ?? join(tmpdir(), `irsactl-moto-${port}.log`);
  const args = ['-H', '127.0.0.1', '-p', String(port)];

  let spawned = await spawnLogged('python3', ['-c', CLOUDFORMATION_ROLE_NAMES, ...args], logFile);
  if (spawned === 'ENOENT') spawned = await spawnLogged('moto_server', args, logFile);
  if (spawned === 'ENOENT') throw new Error(NOT_INSTALLED);
  const running = spawned;

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let ready = false;
  while (!ready && Date.now() < deadline) {
    if (running.child.exitCode !== null) break;
    ready = await answers(`${url}/moto-api/data.json`);
    if (!ready) await sleep(100);
  }
  if (!ready) {
    const exitCode = running.child.exitCode;
    await stopChild(running);
    const tail = logTail(logFile);
    // The python fallback exits at once with "No module named moto" when moto is absent.
    if (/No module named moto|moto_server: command not found/.test(tail)) throw new Error(NOT_INSTALLED);
    throw new Error(
      `moto_server did not answer on ${url} within ${READY_TIMEOUT_MS / 1000} s` +
        (exitCode !== null ? ` (it exited with code ${exitCode})` : '') +
        `; log ${logFile}:\n${tail}`,
    );
  }

  const seeded = await fetch(`${url}/moto-api/seed?a=${MOTO_SEED}`, { method: 'POST' });
  await seeded.arrayBuffer();

  return {
    url,
    pid: running.child.pid ?? -1,
    logFile,
    stop: () => stopChild(running),
  };
}

/**
 * A placeholder SigV4 header: moto does not check signatures, but it picks the service and
 * region from the credential scope and the account from the access key.
 */
export function fakeAuthorization(accessKeyId: string, region: string, service: string): string {
  return `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20240101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
}

async function queryApi(
  motoUrl: string,
  service: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
  accessKeyId = 'AKIAIOSFODNN7EXAMPLE',
): Promise<string> {
  const res = await fetch(motoUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: fakeAuthorization(accessKeyId, 'us-east-1', service),
      ...headers,
    },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`moto ${service} ${params.Action} answered HTTP ${res.status}: ${text.slice(0, 500)}`);
  return text;
}

const xmlField = (xml: string, field: string): string | undefined =>
  new RegExp(`<${field}>([^<]*)</${field}>`).exec(xml)?.[1];

/**
 * A fresh AWS account in moto: an IAM user and access key created with `x-moto-account-id`.
 * Every later request signed with that key lands in the account, so test files stay isolated
 * on one shared server without resets.
 */
export async function createMotoAccount(motoUrl: string): Promise<MotoAccount> {
  const accountId = `${randomInt(1, 10)}${String(randomInt(0, 1e11)).padStart(11, '0')}`;
  const header = { 'x-moto-account-id': accountId };
  await queryApi(motoUrl, 'iam', { Action: 'CreateUser', UserName: 'tester', Version: '2010-05-08' }, header);
  const xml = await queryApi(motoUrl, 'iam', { Action: 'CreateAccessKey', UserName: 'tester', Version: '2010-05-08' }, header);
  const accessKeyId = xmlField(xml, 'AccessKeyId');
  const secretAccessKey = xmlField(xml, 'SecretAccessKey');
  if (accessKeyId === undefined || secretAccessKey === undefined) throw new Error(`moto CreateAccessKey gave no key: ${xml}`);
  return { accountId, accessKeyId, secretAccessKey };
}

/** Another access key for the account's IAM user (moto allows two): a second identity of the same account. */
export async function createMotoAccessKey(motoUrl: string, account: MotoAccount): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const xml = await queryApi(
    motoUrl,
    'iam',
    { Action: 'CreateAccessKey', UserName: 'tester', Version: '2010-05-08' },
    { 'x-moto-account-id': account.accountId },
  );
  const accessKeyId = xmlField(xml, 'AccessKeyId');
  const secretAccessKey = xmlField(xml, 'SecretAccessKey');
  if (accessKeyId === undefined || secretAccessKey === undefined) throw new Error(`moto CreateAccessKey gave no key: ${xml}`);
  return { accessKeyId, secretAccessKey };
}

export interface MotoCluster {
  name: string;
  arn: string;
  /** moto's issuer, the same for every cluster of a server; the sandbox (index.ts) gives each cluster its own through the proxy */
  issuer: string;
}

/** EKS CreateCluster in moto (test setup only: irsactl never creates clusters). */
export async function createMotoCluster(
  motoUrl: string,
  account: MotoAccount,
  name: string,
  region: string,
  tags: Record<string, string> = {},
): Promise<MotoCluster> {
  const res = await fetch(`${motoUrl}/clusters`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: fakeAuthorization(account.accessKeyId, region, 'eks') },
    body: JSON.stringify({
      name,
      roleArn: `arn:aws:iam::${account.accountId}:role/eks-cluster`,
      resourcesVpcConfig: { subnetIds: ['subnet-00000001', 'subnet-00000002'] },
      ...(Object.keys(tags).length > 0 ? { tags } : {}),
    }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`moto EKS CreateCluster ${name} answered HTTP ${res.status}: ${text.slice(0, 500)}`);
  const body = JSON.parse(text) as { cluster?: { arn?: string; identity?: { oidc?: { issuer?: string } } } };
  const arn = body.cluster?.arn;
  const issuer = body.cluster?.identity?.oidc?.issuer;
  if (arn === undefined || issuer === undefined) throw new Error(`moto EKS CreateCluster gave no ARN or issuer: ${text.slice(0, 500)}`);
  return { name, arn, issuer };
}

/** One cheap CloudFormation call: moto loads each service on first use, and CloudFormation takes seconds. */
export async function warmMoto(motoUrl: string): Promise<void> {
  await queryApi(motoUrl, 'cloudformation', { Action: 'DescribeStacks', Version: '2010-05-15' });
}
