import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { listenOnLoopback } from '../../../sandbox/listen.js';

/**
 * The built-binary tier: irsactl as users run it (`node bin/irsactl.js`, the esbuild bundle), plus the local
 * credential sources the sandbox can serve besides files: an STS tap that learns the temporary keys moto's STS
 * hands out, and a container-credentials endpoint.
 */

export const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin/irsactl.js');

/** `npm test` builds first; a lone `npx vitest run test/e2e/binary` may not have. */
export function ensureBuilt(): void {
  if (!existsSync(join(ROOT, 'dist/cli.cjs'))) execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'ignore' });
}

export interface BinaryRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with exactly `env` (plus PATH), never the developer's environment or ~/.aws. */
export function runBinary(args: string[], env: Record<string, string>): Promise<BinaryRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => done(Buffer.concat(chunks)));
    stream.on('error', fail);
  });
}

const xmlField = (xml: string, field: string): string | undefined => new RegExp(`<${field}>([^<]*)</${field}>`).exec(xml)?.[1];

export interface StsTap {
  url: string;
  /** The temporary keys STS issued through the tap, oldest first. */
  issued: { action: string; accessKeyId: string }[];
  stop(): Promise<void>;
}

/**
 * A pass-through in front of the sandbox proxy for STS (AWS_ENDPOINT_URL_STS): real EKS asks STS about any key STS
 * issued, and the Kubernetes test server can only check tokens whose secret it knows, so the tap hands every
 * secret AssumeRole or AssumeRoleWithWebIdentity returns to `onIssued`.
 */
export async function startStsTap(upstreamUrl: string, onIssued: (accessKeyId: string, secretAccessKey: string) => void): Promise<StsTap> {
  const upstream = new URL(upstreamUrl);
  const issued: StsTap['issued'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then((body) => {
      const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? '';
      const forwarded = httpRequest(
        { hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (upstreamRes) => {
          void readBody(upstreamRes).then((answer) => {
            const xml = answer.toString('utf8');
            const accessKeyId = xmlField(xml, 'AccessKeyId');
            const secretAccessKey = xmlField(xml, 'SecretAccessKey');
            if (action.startsWith('AssumeRole') && accessKeyId !== undefined && secretAccessKey !== undefined) {
              issued.push({ action, accessKeyId });
              onIssued(accessKeyId, secretAccessKey);
            }
            res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
            res.end(answer);
          });
        },
      );
      forwarded.on('error', (err) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`sts tap: ${err.message}`);
      });
      forwarded.end(body);
    });
  });
  const { port, close } = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}`, issued, stop: close };
}

export interface ContainerCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface ContainerCredentialsServer {
  /** for AWS_CONTAINER_CREDENTIALS_FULL_URI */
  url: string;
  /** for AWS_CONTAINER_AUTHORIZATION_TOKEN */
  authorizationToken: string;
  /** The access key of each answer, in order; refused requests (wrong Authorization) are not counted. */
  served: string[];
  refused: number;
  /** What the next requests get. */
  serve(credentials: ContainerCredentials): void;
  stop(): Promise<void>;
}

/** The ECS/EKS container-credentials endpoint (what AWS_CONTAINER_CREDENTIALS_FULL_URI points at), on loopback. */
export async function startContainerCredentialsServer(initial: ContainerCredentials): Promise<ContainerCredentialsServer> {
  const authorizationToken = `irsactl-test-${Math.random().toString(36).slice(2)}`;
  let current = initial;
  const served: string[] = [];
  let refused = 0;
  const server = createServer((req, res) => {
    if (req.headers.authorization !== authorizationToken) {
      refused++;
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'wrong authorization token' }));
      return;
    }
    served.push(current.accessKeyId);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        AccessKeyId: current.accessKeyId,
        SecretAccessKey: current.secretAccessKey,
        Token: current.sessionToken,
        Expiration: current.expiration.toISOString(),
      }),
    );
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}/v2/credentials/irsactl-test`,
    authorizationToken,
    served,
    get refused() {
      return refused;
    },
    serve(credentials) {
      current = credentials;
    },
    stop: close,
  };
}

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface FakeCredentialService {
  url: string;
  /** Every request as "METHOD path", in order. */
  requests: string[];
  stop(): Promise<void>;
}

/**
 * The IAM Identity Center (SSO) portal's GetRoleCredentials, for AWS_ENDPOINT_URL_SSO: moto has no SSO portal. It
 * answers only the bearer token of the SSO cache file the test wrote, as the portal answers only a live session.
 */
export async function startSsoPortal(keys: Keys, accessToken: string): Promise<FakeCredentialService> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (!req.url?.startsWith('/federation/credentials') || req.headers['x-amz-sso_bearer_token'] !== accessToken) {
      res.writeHead(401, { 'content-type': 'application/json', 'x-amzn-errortype': 'UnauthorizedException' });
      res.end(JSON.stringify({ message: 'Session token not found or invalid' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ roleCredentials: { ...keys, sessionToken: 'sso-session', expiration: Date.now() + 60 * 60_000 } }));
  });
  const { port, close } = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}`, requests, stop: close };
}

/** The EC2 instance metadata service (IMDSv2: a PUT for a session token first), for AWS_EC2_METADATA_SERVICE_ENDPOINT. */
export async function startInstanceMetadata(keys: Keys, roleName: string): Promise<FakeCredentialService> {
  const requests: string[] = [];
  const sessionToken = `imds-${Math.random().toString(36).slice(2)}`;
  const base = '/latest/meta-data/iam/security-credentials/';
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(sessionToken);
      return;
    }
    if (req.method !== 'GET' || req.headers['x-aws-ec2-metadata-token'] !== sessionToken) {
      res.writeHead(401);
      res.end();
      return;
    }
    if (req.url === base) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(roleName);
    } else if (req.url === `${base}${roleName}`) {
      const now = new Date();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          Code: 'Success',
          LastUpdated: now.toISOString(),
          Type: 'AWS-HMAC',
          AccessKeyId: keys.accessKeyId,
          SecretAccessKey: keys.secretAccessKey,
          Token: 'imds-session',
          Expiration: new Date(now.getTime() + 6 * 60 * 60_000).toISOString(),
        }),
      );
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  const { port, close } = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}`, requests, stop: close };
}
