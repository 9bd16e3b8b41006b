import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { eksToken } from '../../src/aws/eks-token.js';
import type { E2E } from './cli.js';

// Running the doctor's fixes as printed: parsed by sh (so their quoting is tested too), irsactl in-process, kubectl
// and the aws CLI for real against the sandbox.

const run = promisify(execFile);

/** argv of a printed command line, as sh parses it. */
export function argvOf(line: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${line.replace(/^\S+/, '')}`], { encoding: 'utf8' });
  return [line.split(' ')[0]!, ...out.split('\0').slice(0, -1)];
}

/** A kubeconfig for the sandbox cluster with an EKS token of the account (valid for the token's 10 minutes). */
export async function sandboxKubeconfig(e: E2E, cluster: string, region: string, dir: string): Promise<string> {
  const { token } = await eksToken({ clusterName: cluster, region, credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey } });
  writeFileSync(join(dir, 'ca.pem'), e.cluster.kube.caPem);
  const path = join(dir, 'kubeconfig');
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: cluster, cluster: { server: e.cluster.kube.url, 'certificate-authority': join(dir, 'ca.pem') } }],
      users: [{ name: 'me', user: { token } }],
      contexts: [{ name: cluster, context: { cluster, user: 'me' } }],
      'current-context': cluster,
    }),
  );
  return path;
}

/** Runs one printed command; `fill` replaces placeholders the doctor cannot know. */
export async function runPrintedCommand(e: E2E, line: string, opts: { kubeconfig: string; dir: string; region: string; fill?: Record<string, string> }): Promise<void> {
  const argv = argvOf(line).map((a) => opts.fill?.[a] ?? a);
  if (argv[0] === 'irsactl') {
    const out = await e.run(argv.slice(1));
    expect(out.code, `${line}\n${out.stderr}`).toBe(0);
  } else if (argv[0] === 'kubectl') {
    await run('kubectl', ['--kubeconfig', opts.kubeconfig, '--cache-dir', join(opts.dir, 'cache'), ...argv.slice(1)], { env: { PATH: process.env.PATH, HOME: opts.dir } });
  } else if (argv[0] === 'aws') {
    await run('aws', argv.slice(1), { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...e.env, AWS_DEFAULT_REGION: opts.region } });
  } else {
    throw new Error(`not a command the doctor prints: ${line}`);
  }
}
