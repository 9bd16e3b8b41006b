import type * as K8s from '@kubernetes/client-node';
import type { KubeLib } from './client-node.js';
import fetch, { type RequestInit } from 'node-fetch';
import { IrsaError } from '../errors.js';

/**
 * client-node's own HTTP library with one change: redirects are not followed. node-fetch follows them with every
 * header, and keeps `Authorization` whenever the new URL has the same host name (another port on it included), so a
 * redirecting API server — or anything answering in its place — would be handed the cluster's bearer token. The
 * Kubernetes API never redirects the calls irsactl makes, so a 3xx is an error that names where it pointed.
 */
export function noRedirectHttpLibrary(k8s: KubeLib): K8s.HttpLibrary {
  return k8s.wrapHttpLibrary({
    async send(request: K8s.RequestContext): Promise<K8s.ResponseContext> {
      const resp = await fetch(request.getUrl(), {
        method: request.getHttpMethod().toString(),
        body: request.getBody() as string | undefined,
        headers: request.getHeaders(),
        signal: request.getSignal() as RequestInit['signal'],
        agent: request.getAgent(),
        redirect: 'manual',
      });
      if (resp.status >= 300 && resp.status < 400) {
        const target = resp.headers.get('location') ?? '(no Location)';
        throw new IrsaError('KUBERNETES', `the Kubernetes API at ${new URL(request.getUrl()).origin} answered HTTP ${resp.status}, redirecting to ${target}: irsactl does not follow redirects, which would send the cluster's credentials elsewhere`, {
          httpStatus: resp.status,
          hint: 'check the endpoint: the EKS API server never redirects; a proxy or another server may be answering in its place',
        });
      }
      const headers: Record<string, string> = {};
      resp.headers.forEach((value, name) => {
        headers[name] = value;
      });
      return new k8s.ResponseContext(resp.status, headers, { text: () => resp.text(), binary: () => resp.buffer() });
    },
  });
}
