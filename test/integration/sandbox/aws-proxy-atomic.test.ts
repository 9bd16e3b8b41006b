import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startAwsProxy, type AwsProxy } from '../../../sandbox/aws-proxy.js';

/**
 * Issue #10's root cause: moto_server is not thread-safe, and two requests in one account at the same instant
 * can race inside it (a CreateStack that loses answers 500 and leaves a stack stuck in CREATE_IN_PROGRESS for
 * ever). The AWS proxy therefore hands its upstream one request at a time. A stand-in upstream (not moto: the race
 * itself cannot be produced on demand) counts how many requests it holds at once.
 */

interface Upstream {
  url: string;
  maxInFlight: number;
  served: number;
  server: Server;
}

async function startUpstream(behaviour: (n: number) => 'answer' | 'drop'): Promise<Upstream> {
  const state: Upstream = { url: '', maxInFlight: 0, served: 0, server: undefined as unknown as Server };
  let inFlight = 0;
  state.server = createServer((req, res) => {
    req.resume();
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    const n = ++state.served;
    setTimeout(() => {
      inFlight--;
      if (behaviour(n) === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`answer ${n}`);
    }, 25);
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

function post(url: string, action: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261202/us-west-2/cloudformation/aws4_request, SignedHeaders=host, Signature=0',
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(`Action=${action}&Version=2010-05-15`);
  });
}

let proxy: AwsProxy | undefined;
let upstream: Upstream | undefined;
afterEach(async () => {
  await proxy?.stop();
  await new Promise((resolve) => upstream?.server.close(resolve));
  proxy = undefined;
  upstream = undefined;
});

describe('the AWS proxy hands moto one request at a time', () => {
  it('20 concurrent requests reach the upstream one after another, and all are answered', async () => {
    upstream = await startUpstream(() => 'answer');
    proxy = await startAwsProxy(upstream.url);
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(proxy!.url, 'CreateStack')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(upstream.served).toBe(20);
    expect(upstream.maxInFlight).toBe(1);
  });

  it('an upstream that drops a connection does not stall the queue', async () => {
    upstream = await startUpstream((n) => (n === 2 ? 'drop' : 'answer'));
    proxy = await startAwsProxy(upstream.url);
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(proxy!.url, 'DescribeStacks')));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 502]);
    expect(upstream.maxInFlight).toBe(1);
  });
});
