// The resource kinds the test server serves, and the object metadata they share.
import { isObject, type JsonObject } from './json.js';

export interface ResourceKind {
  plural: 'namespaces' | 'serviceaccounts' | 'pods' | 'nodes';
  kind: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
}
export const RESOURCES: Record<ResourceKind['plural'], ResourceKind> = {
  namespaces: { plural: 'namespaces', kind: 'Namespace', singular: 'namespace', shortNames: ['ns'], namespaced: false },
  serviceaccounts: {
    plural: 'serviceaccounts',
    kind: 'ServiceAccount',
    singular: 'serviceaccount',
    shortNames: ['sa'],
    namespaced: true,
  },
  pods: { plural: 'pods', kind: 'Pod', singular: 'pod', shortNames: ['po'], namespaced: true },
  // read-only through the API here (list, get): tests put them with putNode
  nodes: { plural: 'nodes', kind: 'Node', singular: 'node', shortNames: ['no'], namespaced: false },
};
export const isResourcePlural = (s: string | undefined): s is ResourceKind['plural'] =>
  s === 'namespaces' || s === 'serviceaccounts' || s === 'pods' || s === 'nodes';

/** The object's metadata, created empty if missing (so callers may write to it). */
export function metaOf(obj: JsonObject): JsonObject {
  if (!isObject(obj.metadata)) obj.metadata = {};
  return obj.metadata as JsonObject;
}

/** Kubernetes timestamps: RFC 3339 in whole seconds. */
export const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
