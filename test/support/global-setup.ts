import type { TestProject } from 'vitest/node';
import { startMoto, warmMoto, type MotoServer } from '../../sandbox/moto.js';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

const WARM_TIMEOUT_MS = 30_000;

/**
 * Starts one moto_server for the run (unless MOTO_ENDPOINT names one already) and
 * warms CloudFormation, which moto loads lazily and slowly, once rather than in a test.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.MOTO_ENDPOINT;
  let moto: MotoServer | undefined;
  const endpoint = given !== undefined && given !== '' ? given : (moto = await startMoto()).url;
  try {
    await Promise.race([
      warmMoto(endpoint),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`moto at ${endpoint} did not answer a CloudFormation call within 30 s`)), WARM_TIMEOUT_MS).unref(),
      ),
    ]);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (moto !== undefined) {
      await moto.stop();
      throw new Error(`moto at ${endpoint} is not usable: ${reason}; its log: ${moto.logFile}`, { cause: err });
    }
    throw new Error(`moto at MOTO_ENDPOINT=${endpoint} is not usable: ${reason}`, { cause: err });
  }
  // Workers are forked after global setup, so they inherit this; provide() covers other pools.
  process.env.MOTO_ENDPOINT = endpoint;
  project.provide('motoEndpoint', endpoint);
  if (moto === undefined) return undefined;
  const started = moto;
  return async () => {
    await started.stop();
    delete process.env.MOTO_ENDPOINT;
  };
}
