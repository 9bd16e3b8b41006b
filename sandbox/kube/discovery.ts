// The discovery and OpenAPI documents kubectl reads before it sends a request.
import type { JsonObject } from './json.js';
import { RESOURCES } from './resources.js';

function apiResourceList(): JsonObject {
  const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update'];
  return {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      ...Object.values(RESOURCES).map((r) => ({
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs,
        shortNames: r.shortNames,
      })),
      {
        name: 'serviceaccounts/token',
        singularName: '',
        namespaced: true,
        group: 'authentication.k8s.io',
        version: 'v1',
        kind: 'TokenRequest',
        verbs: ['create'],
      },
    ],
  };
}

/** The smallest OpenAPI v3 document with which kubectl apply/replace validate server-side (without one they fail to download openapi). */
function openApiV1Document(): JsonObject {
  const patchOp = (kind: string) => ({
    patch: {
      'x-kubernetes-group-version-kind': { group: '', version: 'v1', kind },
      parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }],
      responses: {},
    },
  });
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.30.0-fake' },
    paths: {
      '/api/v1/namespaces/{name}': patchOp('Namespace'),
      '/api/v1/namespaces/{namespace}/serviceaccounts/{name}': patchOp('ServiceAccount'),
      '/api/v1/namespaces/{namespace}/pods/{name}': patchOp('Pod'),
    },
    components: { schemas: {} },
  };
}

const VERSION_INFO: JsonObject = {
  major: '1',
  minor: '30',
  gitVersion: 'v1.30.0-fake',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.22.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** The document a GET of `path` answers with, if it is a discovery path; `host` is the server's host:port. */
export function discoveryDocument(path: string, host: string): JsonObject | undefined {
  switch (path) {
    case '/version':
      return VERSION_INFO;
    case '/api':
      return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }] };
    case '/apis':
      return { kind: 'APIGroupList', apiVersion: 'v1', groups: [] };
    case '/api/v1':
      return apiResourceList();
    case '/openapi/v3':
      return { paths: { 'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=FAKE' } } };
    case '/openapi/v3/api/v1':
      return openApiV1Document();
    default:
      return undefined;
  }
}
