import { inject } from 'vitest';
import type { AwsOptions } from '../../src/aws/factory.js';
import { createMotoAccount, type MotoAccount } from '../../sandbox/moto.js';

export type { MotoAccount } from '../../sandbox/moto.js';

/** The moto_server that global setup started (or that MOTO_ENDPOINT named). */
export function motoUrl(): string {
  const fromEnv = process.env.MOTO_ENDPOINT;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const provided = inject('motoEndpoint');
  if (provided === undefined || provided === '') throw new Error('no moto endpoint: run the tests through vitest.config.ts (global setup)');
  return provided;
}

/** A fresh moto account: test files share one server but never each other's state. */
export function newTestAccount(): Promise<MotoAccount> {
  return createMotoAccount(motoUrl());
}

/**
 * AwsOptions for the adapters as `account`, against moto or (given `endpoint`) the proxy.
 * One attempt unless asked: a moto 500 should surface, not be retried into AlreadyExists.
 */
export function testAwsOptions(
  account: MotoAccount,
  region: string,
  extra: { endpoint?: string; maxAttempts?: number; retryMode?: 'standard' | 'adaptive' } = {},
): AwsOptions {
  return {
    region,
    env: {
      AWS_ENDPOINT_URL: extra.endpoint ?? motoUrl(),
      AWS_ACCESS_KEY_ID: account.accessKeyId,
      AWS_SECRET_ACCESS_KEY: account.secretAccessKey,
      AWS_REGION: region,
    },
    maxAttempts: extra.maxAttempts ?? 1,
    ...(extra.retryMode !== undefined ? { retryMode: extra.retryMode } : {}),
  };
}

/** A name unique to this run, for stacks, roles and clusters. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
