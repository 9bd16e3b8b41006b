import { readFile } from 'node:fs/promises';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandler, HttpRequest, HttpResponse } from '@smithy/protocol-http';
import { SMITHY_CONTEXT_KEY, type HttpHandlerOptions, type MetadataBearer, type MiddlewareStack } from '@smithy/types';
import { IrsaError } from '../errors.js';
import { createAgents } from '../net/agents.js';
import { proxySettingsFrom } from '../net/proxy-env.js';
import { requestTimeoutsFrom, type RequestTimeouts } from '../net/timeouts.js';
import type { AwsOptions, AwsService } from './options.js';

// The request handler of all four AWS clients, built here and nowhere else: HTTP(S) proxies from the environment,
// AWS_CA_BUNDLE or the profile's ca_bundle, connect and response timeouts, and the run's deadline and stop.

const LABEL: Record<AwsService, string> = { CLOUDFORMATION: 'CloudFormation', IAM: 'IAM', EKS: 'EKS', STS: 'STS', EKS_AUTH: 'EKS Auth' };

/** AWS_CA_BUNDLE, else the profile's `ca_bundle` (as the aws CLI reads them): the CAs to trust instead of Node's. */
async function caBundle(opts: AwsOptions): Promise<string | undefined> {
  let source: string | undefined;
  let path = opts.env.AWS_CA_BUNDLE?.trim() || undefined;
  if (path !== undefined) source = 'AWS_CA_BUNDLE';
  else {
    const profile = opts.profile ?? (opts.env.AWS_PROFILE?.trim() || 'default');
    const { loadSharedConfigFiles } = await import('@smithy/core/config');
    const configFilepath = opts.env.AWS_CONFIG_FILE?.trim() || undefined;
    const filepath = opts.env.AWS_SHARED_CREDENTIALS_FILE?.trim() || undefined;
    const files = await loadSharedConfigFiles({ ...(configFilepath ? { configFilepath } : {}), ...(filepath ? { filepath } : {}) }).catch(() => undefined);
    path = files?.configFile?.[profile]?.ca_bundle?.trim() || undefined;
    source = `ca_bundle of profile "${profile}"`;
  }
  if (path === undefined) return undefined;
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (err) {
    throw new IrsaError('CONFIG', `${source}: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, { hint: 'point it at a PEM file of the CA certificates to trust' });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new IrsaError('CONFIG', `${source}: ${path} holds no PEM certificate`, { hint: 'point it at a PEM file of the CA certificates to trust' });
  }
  return pem;
}

/** The SDK's timeout messages name neither the endpoint nor the call; keep their name, so they are still retried. */
function describeTimeout(err: unknown, endpoint: string, label: string, timeouts: RequestTimeouts): unknown {
  if (!(err instanceof Error) || err.name !== 'TimeoutError' || !err.message.startsWith('@smithy/node-http-handler')) return err;
  return Object.assign(new Error(`no answer from ${label} at ${endpoint} within ${timeouts.responseTimeoutMs / 1000} s (ETIMEDOUT: response timeout)`), {
    name: 'TimeoutError',
    code: 'ETIMEDOUT',
    cause: err,
  });
}

/**
 * Set on every response: which service answered and how, and the body's text when it is not what the service speaks
 * (a proxy's or captive portal's HTML page, an error status), which the SDK would otherwise consume and drop.
 * toIrsaError reads it through the error's `$response`.
 */
export const ANSWER = Symbol.for('irsactl.awsAnswer');
export interface Answer {
  service: string;
  contentType: string;
  body?: string;
}

/** CloudFormation, IAM and STS answer in XML (the query protocol), EKS and EKS Auth in JSON. */
const SPOKEN: Record<AwsService, RegExp> = { CLOUDFORMATION: /xml/i, IAM: /xml/i, STS: /xml/i, EKS: /json/i, EKS_AUTH: /json/i };

export async function readAll(body: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Keeps the text of an answer the service would not give (the SDK reads a Uint8Array body as it reads the stream). */
async function noteAnswer(response: HttpResponse, service: AwsService, label: string): Promise<void> {
  const header = response.headers['content-type'] ?? response.headers['Content-Type'];
  const contentType = typeof header === 'string' ? header : '';
  const answer: Answer = { service: label, contentType };
  const body: unknown = response.body;
  const foreign = response.statusCode >= 300 || !SPOKEN[service].test(contentType);
  if (foreign && typeof body === 'object' && body !== null && Symbol.asyncIterator in body) {
    const bytes = await readAll(body as AsyncIterable<Uint8Array | string>);
    response.body = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    answer.body = bytes.toString('utf8');
  }
  Object.defineProperty(response, ANSWER, { value: answer, enumerable: false });
  // The SDK's XML parser reads an HTML page as an empty answer (a ListStacks with no stacks): refuse it here. The
  // body decides, not the content type: some servers label XML text/html.
  if (response.statusCode < 300 && answer.body !== undefined && /^\s*<(!doctype html|html)/i.test(answer.body)) {
    throw Object.assign(new Error(`${label} answered with an HTML page`), {
      name: FOREIGN_ANSWER_ERROR,
      $response: response,
      $metadata: { httpStatusCode: response.statusCode },
    });
  }
}

/** The name of the error for a successful status whose body is an HTML page. */
export const FOREIGN_ANSWER_ERROR = 'IrsactlForeignAnswer';

class IrsactlRequestHandler implements HttpHandler<Record<string, unknown>> {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private inner: Promise<NodeHttpHandler> | undefined;
  private readonly updates: [string | symbol, unknown][] = [];
  private readonly timeouts: RequestTimeouts;

  private readonly label: string;

  constructor(
    private readonly service: AwsService,
    private readonly opts: AwsOptions,
  ) {
    this.label = LABEL[service];
    this.timeouts = requestTimeoutsFrom(opts.env);
  }

  private async build(): Promise<NodeHttpHandler> {
    const ca = await caBundle(this.opts);
    const agents = createAgents({ proxies: proxySettingsFrom(this.opts.env), connectTimeoutMs: this.timeouts.connectTimeoutMs, ...(ca ? { tls: { ca } } : {}) });
    const handler = new NodeHttpHandler({
      httpAgent: agents.http,
      httpsAgent: agents.https,
      // time to the answer's headers (the connect timeout is the agents'), then at most this long without data
      requestTimeout: this.timeouts.responseTimeoutMs,
      throwOnRequestTimeout: true,
      socketTimeout: this.timeouts.responseTimeoutMs,
    });
    for (const [key, value] of this.updates) handler.updateHttpClientConfig(key as never, value as never);
    return handler;
  }

  async handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    const endpoint = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}`;
    // After the deadline (or a stop) nothing is sent, retries included.
    this.opts.run?.check(`${this.label} request`, endpoint);
    const inner = await (this.inner ??= this.build());
    try {
      const out = await inner.handle(request, { ...options, ...(this.opts.run && !options.abortSignal ? { abortSignal: this.opts.run.signal } : {}) });
      await noteAnswer(out.response, this.service, this.label);
      return out;
    } catch (err) {
      throw describeTimeout(err, endpoint, this.label, this.timeouts);
    }
  }

  updateHttpClientConfig(key: string | symbol, value: unknown): void {
    this.updates.push([key, value]);
    void this.inner?.then((h) => h.updateHttpClientConfig(key as never, value as never));
  }

  httpHandlerConfigs(): Record<string, unknown> {
    return {};
  }

  destroy(): void {
    void this.inner?.then((h) => h.destroy());
  }
}

export function awsRequestHandler(service: AwsService, opts: AwsOptions): HttpHandler<Record<string, unknown>> {
  return new IrsactlRequestHandler(service, opts);
}

interface StopContext {
  commandName?: string;
  endpointV2?: { url: URL };
  [SMITHY_CONTEXT_KEY]?: { abortSignal?: unknown };
}

/**
 * Ties a client's calls to the run: the SDK's retry back-off stops on the run's signal (it reads it from the
 * call's context), each call is tracked while in flight, and a call the stop cuts short (in flight, between
 * retries, or resolving credentials) ends with the stop's error naming the call and its endpoint.
 */
export function stopWithRun<I extends object, O extends MetadataBearer>(client: { middlewareStack: MiddlewareStack<I, O> }, service: AwsService, opts: AwsOptions): void {
  const run = opts.run;
  if (run === undefined) return;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const ctx = context as StopContext;
      const smithy = (ctx[SMITHY_CONTEXT_KEY] ??= {});
      smithy.abortSignal ??= run.signal;
      const what = `${LABEL[service]} ${(ctx.commandName ?? 'request').replace(/Command$/, '')}`;
      const configured = opts.env[`AWS_ENDPOINT_URL_${service}`] || opts.env.AWS_ENDPOINT_URL || `the ${LABEL[service]} endpoint`;
      run.check(what, configured);
      const { entry, done } = run.track(what, configured);
      Object.defineProperty(entry, 'endpoint', { get: () => (ctx.endpointV2 ? ctx.endpointV2.url.origin : configured) });
      let onStop: (() => void) | undefined;
      const stopped = new Promise<never>((_, reject) => {
        onStop = () => reject(run.stoppedError(entry) ?? new IrsaError('INTERNAL', `${what} was stopped`));
        run.signal.addEventListener('abort', onStop, { once: true });
      });
      try {
        return await Promise.race([next(args), stopped]);
      } catch (err) {
        throw err instanceof IrsaError ? err : (run.stoppedError(entry) ?? err);
      } finally {
        if (onStop) run.signal.removeEventListener('abort', onStop);
        done();
      }
    },
    { step: 'initialize', name: 'irsactlStopWithRun', priority: 'high', override: true },
  );
}
