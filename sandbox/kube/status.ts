// Kubernetes `Status` bodies: the errors the test server answers with, worded as the real API server words them.
import type { JsonObject } from './json.js';
import type { ResourceKind } from './resources.js';

/** A request the server refuses; sent as a `Status` body with this HTTP status and reason. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly details?: JsonObject,
  ) {
    super(message);
  }
}

export function statusBody(status: number, reason: string, message: string, details?: JsonObject): JsonObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code: status,
  };
}
export const REASON_FOR_STATUS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};
export const notFound = (r: ResourceKind, name: string) =>
  new HttpError(404, 'NotFound', `${r.plural} "${name}" not found`, { name, kind: r.plural });
export const notFoundPath = () => new HttpError(404, 'NotFound', 'the server could not find the requested resource');
export const badRequest = (message: string) => new HttpError(400, 'BadRequest', message);
export const invalid = (r: ResourceKind, name: string, field: string, message: string) =>
  new HttpError(422, 'Invalid', `${r.kind} "${name}" is invalid: ${field}: ${message}`, {
    name,
    kind: r.kind,
    causes: [{ reason: 'FieldValueInvalid', message, field }],
  });
export const conflict = (r: ResourceKind, name: string) =>
  new HttpError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${r.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, kind: r.plural },
  );
