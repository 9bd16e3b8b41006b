import type { TestProject } from 'vitest/node';
import { startMoto, warmMoto, type MotoServer } from '../../sandbox/moto.js';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

const WARM_TIMEOUT_MS = 30_000;

interface SharedMoto {
  endpoint: Promise<string>;
  started: MotoServer | undefined;
  users: number;
}

// Every project with a back-end lists this file, and vitest loads it once per project in the one main
// process: the first project starts moto, the others reuse it, and the last teardown stops it.
const SHARED = Symbol.for('irsactl.test.moto');
const holder = globalThis as { [SHARED]?: SharedMoto };

/**
 * Starts one moto_server for the run (unless MOTO_ENDPOINT names one already) and
 * warms CloudFormation, which moto loads lazily and slowly, once rather than in a test.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let shared = holder[SHARED];
  if (shared === undefined) {
    const created: SharedMoto = { endpoint: Promise.resolve(''), started: undefined, users: 0 };
    created.endpoint = startAndWarm(created);
    holder[SHARED] = shared = created;
    // A failed start is not cached: the next project (or run in watch mode) tries again.
    created.endpoint.catch(() => {
      if (holder[SHARED] === created) delete holder[SHARED];
    });
  }
  const endpoint = await shared.endpoint;
  shared.users += 1;
  // Workers are forked after global setup, so they inherit this; provide() covers other pools.
  process.env.MOTO_ENDPOINT = endpoint;
  project.provide('motoEndpoint', endpoint);
  const mine = shared;
  return async () => {
    mine.users -= 1;
    if (mine.users > 0) return;
    if (holder[SHARED] === mine) delete holder[SHARED];
    if (mine.started === undefined) return;
    delete process.env.MOTO_ENDPOINT;
    await mine.started.stop();
  };
}

async function startAndWarm(shared: SharedMoto): Promise<string> {
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
  shared.started = moto;
  return endpoint;
}
