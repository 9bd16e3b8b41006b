import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { detachBeforeStackDelete, syncStackRoles, type StackCaller } from './cfn-iam-sync.js';
import { createEksExtras, eksExtrasAction, type EksExtrasControl } from './eks-extras.js';
import { listenOnLoopback } from './listen.js';
import { EKS_AUTH_PATH } from './eks-auth.js';
import type { ServiceAccountTokenClaims } from './kube/tokens.js';

// A test-only HTTP proxy in front of moto. It passes requests through untouched
// (moto routes on the SigV4 credential scope), rewrites EKS DescribeCluster answers
// so the cluster's endpoint and CA point at a test Kubernetes server and each cluster
// has its own OIDC issuer (moto gives every cluster the same one), logs every request,
// can deny DescribeStacks without a StackName as AWS's documented guard policy does,
// serves the EKS Pod Identity and add-on operations and the EKS Auth API moto lacks (eks-extras.ts, eks-auth.ts), and
// can inject faults.

export interface ProxiedRequest {
  service: string;
  action: string;
  at: number;
  /** the query-API parameters of a form-encoded request (CloudFormation, IAM, STS): what was really sent */
  params?: Record<string, string>;
}

export type FaultDecision = 'pass' | 'reset' | { status: number; body: string; headers?: Record<string, string> } | { delayMs: number };
export type FaultInjector = (req: { service: string; action: string }) => FaultDecision;

export interface ClusterTarget {
  endpoint: string;
  /** base64 of the PEM CA certificate */
  caData: string;
  /** identity.oidc.issuer to answer instead of moto's (which is the same for every cluster); kept when re-registered without one */
  issuer?: string;
  /** the cluster's Kubernetes server's check of its ServiceAccount tokens, for EKS Auth; kept when re-registered without one */
  verifyToken?: (token: string) => ServiceAccountTokenClaims | undefined;
}

export interface AwsProxy {
  url: string;
  requests: ProxiedRequest[];
  registerCluster(name: string, target: ClusterTarget): void;
  /**
   * On: DescribeStacks without a StackName gets CloudFormation's AccessDenied, as under the guard AWS suggests in
   * DescribeStacks' documentation ({"Effect":"Deny","Action":"cloudformation:DescribeStacks","NotResource":"arn:aws:cloudformation:*:*:stack/*\/*"}).
   */
  setDescribeStacksGuard(on: boolean): void;
  /** Every answer's Date header runs this many ms ahead of this machine's clock (negative: behind), as AWS's clock does when the local one is wrong. */
  setClockOffset(ms: number): void;
  resetLog(): void;
  setFaultInjector(fn: FaultInjector | undefined): void;
  /** Pod Identity associations, add-ons and Auto Mode: the proxy's own EKS state, and its controls. */
  eks: EksExtrasControl;
  /** How many logged requests went to a service (lower-case SigV4 name: eks, iam, cloudformation, sts). */
  count(service: string, action?: string): number;
  stop(): Promise<void>;
}

/** The service from `Credential=AKID/20240101/us-west-2/eks/aws4_request`. */
export function serviceFromAuthorization(authorization: string | undefined): string {
  const match = /Credential=[^/]+\/\d{8}\/[^/]*\/([^/]+)\/aws4_request/.exec(authorization ?? '');
  return match?.[1] ?? 'unknown';
}

/** EKS is REST: name the few operations the sandbox and irsactl use, and fall back to method and path. */
function restAction(method: string, path: string): string {
  const served = eksExtrasAction(method, path);
  if (served !== undefined) return served;
  const pathname = path.split('?')[0] ?? path;
  if (method === 'POST' && EKS_AUTH_PATH.test(pathname)) return 'AssumeRoleForPodIdentity';
  if (/^\/clusters\/[^/]+$/.test(pathname)) return method === 'GET' ? 'DescribeCluster' : method === 'DELETE' ? 'DeleteCluster' : `${method} ${pathname}`;
  if (pathname === '/clusters') return method === 'POST' ? 'CreateCluster' : 'ListClusters';
  if (pathname.startsWith('/tags/')) return method === 'POST' ? 'TagResource' : method === 'DELETE' ? 'UntagResource' : 'ListTagsForResource';
  return `${method} ${pathname}`;
}

export function actionOf(headers: IncomingHttpHeaders, method: string, path: string, body: Buffer): string {
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target !== '') return target.split('.').pop() ?? target;
  const contentType = String(headers['content-type'] ?? '');
  if (contentType.includes('x-www-form-urlencoded')) {
    const action = new URLSearchParams(body.toString('utf8')).get('Action');
    if (action !== null) return action;
  }
  const queryAction = new URL(path, 'http://proxy').searchParams.get('Action');
  if (queryAction !== null) return queryAction;
  return restAction(method, path);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function rewriteDescribeCluster(body: Buffer, target: ClusterTarget | undefined, decorate: (cluster: Record<string, unknown>) => void): Buffer {
  const parsed = JSON.parse(body.toString('utf8')) as { cluster?: Record<string, unknown> & { identity?: { oidc?: { issuer?: string } } } };
  if (parsed.cluster === undefined) return body;
  if (target !== undefined) {
    parsed.cluster.endpoint = target.endpoint;
    parsed.cluster.certificateAuthority = { data: target.caData };
    if (target.issuer !== undefined) parsed.cluster.identity = { ...parsed.cluster.identity, oidc: { issuer: target.issuer } };
  }
  decorate(parsed.cluster);
  return Buffer.from(JSON.stringify(parsed), 'utf8');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** CloudFormation's answer to a call an identity-based policy denies explicitly (AWS Query XML, HTTP 403). */
export function describeStacksDenied(region: string): { status: number; body: string; headers: Record<string, string> } {
  return {
    status: 403,
    headers: { 'content-type': 'text/xml' },
    body:
      '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>' +
      `<Message>User: arn:aws:iam::123456789012:user/tester is not authorized to perform: cloudformation:DescribeStacks on resource: arn:aws:cloudformation:${region}:123456789012:stack/*/* with an explicit deny in an identity-based policy</Message>` +
      '</Error><RequestId>00000000-0000-4000-8000-000000000403</RequestId></ErrorResponse>',
  };
}

/** The region from `Credential=AKID/20240101/us-west-2/cloudformation/aws4_request`. */
const regionFromAuthorization = (authorization: string | undefined): string =>
  /Credential=[^/]+\/\d{8}\/([^/]*)\//.exec(authorization ?? '')?.[1] ?? 'us-east-1';

/** The caller's access key, which picks its moto account. */
const accessKeyOf = (req: IncomingMessage): string => /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? 'AKIAIOSFODNN7EXAMPLE';

/** Who asked for a stack operation: the proxy's own calls to moto land in the same account and region. */
const callerOf = (req: IncomingMessage, stackName: string): StackCaller => ({
  accessKeyId: accessKeyOf(req),
  region: regionFromAuthorization(req.headers.authorization),
  stackName,
});

export async function startAwsProxy(motoUrl: string, opts: { guardDescribeStacks?: boolean } = {}): Promise<AwsProxy> {
  const upstream = new URL(motoUrl);
  const clusters = new Map<string, ClusterTarget>();
  const requests: ProxiedRequest[] = [];
  let injector: FaultInjector | undefined;
  let guardDescribeStacks = opts.guardDescribeStacks ?? false;
  let clockOffsetMs = 0;
  const eks = createEksExtras(motoUrl);

  // moto_server is threaded but not thread-safe: two requests in one account at the same instant can race inside it
  // (IAM create_role iterates the account's roles while another thread adds one: "dictionary changed size during
  // iteration"). A CreateStack that loses that race answers HTTP 500 and leaves a stack stuck in CREATE_IN_PROGRESS
  // for ever, which real CloudFormation never does. So the proxy hands moto one request at a time, as an atomic
  // service would see them; delays and faults are applied before the queue, so they still overlap.
  let upstreamQueue: Promise<void> = Promise.resolve();
  const inUpstreamQueue = (send: (done: () => void) => void): void => {
    upstreamQueue = upstreamQueue.then(() => new Promise<void>((release) => send(release)));
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, service: string, action: string): void => {
    inUpstreamQueue((release) => {
      const stackName = service === 'cloudformation' && action === 'DeleteStack' ? new URLSearchParams(body.toString('utf8')).get('StackName') : null;
      if (stackName === null) return forwardNow(req, res, body, service, action, release);
      void detachBeforeStackDelete(motoUrl, callerOf(req, stackName))
        .catch((err: unknown) => process.stderr.write(`aws-proxy: could not detach the managed policies of stack ${stackName}: ${err instanceof Error ? err.message : String(err)}\n`))
        .then(() => forwardNow(req, res, body, service, action, release));
    });
  };

  const forwardNow = (req: IncomingMessage, res: ServerResponse, body: Buffer, service: string, action: string, release: () => void): void => {
    let released = false;
    const done = () => {
      if (!released) {
        released = true;
        release();
      }
    };
    const path = req.url ?? '/';
    const upstreamReq = httpRequest(
      { hostname: upstream.hostname, port: upstream.port, method: req.method, path, headers: req.headers },
      (upstreamRes) => {
        const stackName = new URLSearchParams(body.toString('utf8')).get('StackName');
        const changesRoles = service === 'cloudformation' && (action === 'CreateStack' || action === 'UpdateStack') && upstreamRes.statusCode === 200;
        if (changesRoles && stackName !== null) {
          // Still holding the queue: the stack's roles become what CloudFormation would make them before anyone sees them.
          void readBody(upstreamRes).then(async (raw) => {
            await syncStackRoles(motoUrl, callerOf(req, stackName)).catch((err: unknown) => {
              process.stderr.write(`aws-proxy: could not do to IAM what CloudFormation does for stack ${stackName}: ${err instanceof Error ? err.message : String(err)}\n`);
            });
            done();
            res.writeHead(200, upstreamRes.headers);
            res.end(raw);
          });
          return;
        }
        // moto has done its work once it answers; the body is already complete on its side.
        done();
        const clusterName = /^\/clusters\/([^/?]+)$/.exec(path.split('?')[0] ?? '')?.[1];
        const target = clusterName !== undefined ? clusters.get(decodeURIComponent(clusterName)) : undefined;
        const rewrite = service === 'eks' && req.method === 'GET' && action === 'DescribeCluster' && upstreamRes.statusCode === 200;
        if (!rewrite) {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
          return;
        }
        void readBody(upstreamRes).then((raw) => {
          const rewritten = rewriteDescribeCluster(raw, target, (cluster) => eks.decorateCluster(cluster));
          const headers = { ...upstreamRes.headers, 'content-length': String(rewritten.length) };
          delete headers['transfer-encoding'];
          res.writeHead(200, headers);
          res.end(rewritten);
        });
      },
    );
    upstreamReq.on('error', (err) => {
      done();
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`aws-proxy: upstream error: ${err.message}`);
    });
    upstreamReq.end(body);
  };

  const server = createServer((req, res) => {
    if (clockOffsetMs !== 0) answerWithClock(res, clockOffsetMs);
    void (async () => {
      const body = await readBody(req);
      const service = serviceFromAuthorization(req.headers.authorization);
      const action = actionOf(req.headers, req.method ?? 'GET', req.url ?? '/', body);
      const form = String(req.headers['content-type'] ?? '').includes('x-www-form-urlencoded');
      const params = form ? Object.fromEntries(new URLSearchParams(body.toString('utf8'))) : undefined;
      requests.push({ service, action, at: Date.now(), ...(params ? { params } : {}) });
      const denied = guardDescribeStacks && service === 'cloudformation' && action === 'DescribeStacks' && !params?.StackName;
      const decision = denied ? describeStacksDenied(regionFromAuthorization(req.headers.authorization)) : (injector?.({ service, action }) ?? 'pass');
      if (decision === 'reset') {
        req.socket.destroy();
        return;
      }
      if (decision !== 'pass' && 'status' in decision) {
        res.writeHead(decision.status, { 'content-type': 'text/xml', ...(decision.headers ?? {}) });
        res.end(decision.body);
        return;
      }
      if (decision !== 'pass' && 'delayMs' in decision) await sleep(decision.delayMs);
      if (service === 'eks-auth' && req.method === 'POST' && EKS_AUTH_PATH.test((req.url ?? '/').split('?')[0] ?? '')) {
        const cluster = decodeURIComponent(EKS_AUTH_PATH.exec((req.url ?? '/').split('?')[0] ?? '')?.[1] ?? '');
        inUpstreamQueue((release) => {
          void eks
            .handleEksAuth({ method: 'POST', url: req.url ?? '/', body, accessKeyId: accessKeyOf(req), region: regionFromAuthorization(req.headers.authorization) }, clusters.get(cluster)?.verifyToken)
            .then((answer) => {
              res.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) });
              res.end(answer.body);
            })
            .finally(release);
        });
        return;
      }
      if (service === 'eks' && eksExtrasAction(req.method ?? 'GET', req.url ?? '/') !== undefined) {
        // In the queue: its DescribeCluster and GetRole reach moto one at a time with everything else.
        inUpstreamQueue((release) => {
          void eks
            .handle({ method: req.method ?? 'GET', url: req.url ?? '/', body, accessKeyId: accessKeyOf(req), region: regionFromAuthorization(req.headers.authorization) })
            .then((answer) => {
              res.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) });
              res.end(answer.body);
            })
            .finally(release);
        });
        return;
      }
      forward(req, res, body, service, action);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`aws-proxy: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  const { port, close } = await listenOnLoopback(server);

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    registerCluster(name, target) {
      const issuer = target.issuer ?? clusters.get(name)?.issuer;
      const verifyToken = target.verifyToken ?? clusters.get(name)?.verifyToken;
      clusters.set(name, { ...target, ...(issuer !== undefined ? { issuer } : {}), ...(verifyToken !== undefined ? { verifyToken } : {}) });
    },
    setClockOffset(ms) {
      clockOffsetMs = ms;
    },
    setDescribeStacksGuard(on) {
      guardDescribeStacks = on;
    },
    resetLog() {
      requests.length = 0;
    },
    setFaultInjector(fn) {
      injector = fn;
    },
    eks,
    count(service, action) {
      return requests.filter((r) => r.service === service && (action === undefined || r.action === action)).length;
    },
    stop: close,
  };
}

/** Stamps every head `res` writes with a Date `offsetMs` away from this machine's clock, whatever upstream said. */
function answerWithClock(res: ServerResponse, offsetMs: number): void {
  const writeHead = res.writeHead.bind(res) as (status: number, headers?: OutgoingHttpHeaders) => ServerResponse;
  const stamped = (status: number, headers?: OutgoingHttpHeaders): ServerResponse =>
    writeHead(status, { ...headers, date: new Date(Date.now() + offsetMs).toUTCString() });
  res.writeHead = stamped as ServerResponse['writeHead'];
}
