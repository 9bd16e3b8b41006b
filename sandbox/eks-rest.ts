import { randomUUID } from 'node:crypto';

// What the sandbox's own EKS operations answer, in EKS's restJson protocol: a JSON body, and for an error the
// `x-amzn-errortype` header with a JSON `message` (as moto and EKS send them), so the SDK v3 and the aws CLI both
// parse them. Also the paging both of its list operations share.

export interface EksAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The error types the EKS model (2017-11-01) lists for these operations, with the HTTP status it gives each. */
export const ERROR_STATUS = {
  InvalidParameterException: 400,
  InvalidRequestException: 400,
  ClientException: 400,
  ResourceLimitExceededException: 400,
  ResourceNotFoundException: 404,
  ResourceInUseException: 409,
  ServerException: 500,
} as const;

export type EksErrorType = keyof typeof ERROR_STATUS;

/** An EKS error as a value: operations throw it, the router turns it into the answer. */
export class EksError extends Error {
  constructor(
    readonly type: EksErrorType,
    message: string,
    /** the model's extra members of the error shape (clusterName, addonName) */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
  'content-type': 'application/json',
  'x-amzn-requestid': randomUUID(),
  ...extra,
});

export function okAnswer(body: unknown, status = 200): EksAnswer {
  return { status, headers: headers(), body: JSON.stringify(body) };
}

export function errorAnswer(err: EksError): EksAnswer {
  return {
    status: ERROR_STATUS[err.type],
    headers: headers({ 'x-amzn-errortype': err.type }),
    body: JSON.stringify({ ...err.fields, message: err.message }),
  };
}

/** EKS timestamps in restJson: epoch seconds, with milliseconds as the fraction. */
export const epochSeconds = (ms: number): number => ms / 1000;

/**
 * A page of `items` (sorted by `keyOf`, ascending) from an opaque `nextToken` (the key of the page's first item, so
 * an item deleted between pages shifts nothing), at most `maxResults` (1–100, default 100).
 */
export function page<T>(items: T[], query: URLSearchParams, keyOf: (item: T) => string): { items: T[]; nextToken?: string } {
  const rawMax = query.get('maxResults');
  const max = rawMax === null ? 100 : Number(rawMax);
  if (!Number.isInteger(max) || max < 1 || max > 100) {
    throw new EksError('InvalidParameterException', 'maxResults must be between 1 and 100');
  }
  const token = query.get('nextToken');
  let start = 0;
  if (token !== null && token !== '') {
    const from = /^next:(.+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'))?.[1];
    if (from === undefined) throw new EksError('InvalidParameterException', 'The nextToken provided is invalid');
    start = items.findIndex((item) => keyOf(item) >= from);
    if (start < 0) start = items.length;
  }
  const slice = items.slice(start, start + max);
  const next = items[start + max];
  return next === undefined ? { items: slice } : { items: slice, nextToken: Buffer.from(`next:${keyOf(next)}`, 'utf8').toString('base64url') };
}
