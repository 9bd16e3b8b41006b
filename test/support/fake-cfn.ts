import { createAwsPorts } from '../../src/aws/factory.js';
import type { CloudFormationPort } from '../../src/aws/ports.js';
import type { RuntimeOverrides } from '../../src/actions/runtime.js';
import type { E2E } from './cli.js';

/**
 * The real AWS ports through the sandbox, with some CloudFormation calls replaced. Only for what moto cannot
 * produce (harness.md §2): asynchronous status sequences, rollbacks, per-resource events, capability checks.
 */
export function withCloudFormation(e: E2E, patch: (real: CloudFormationPort) => Partial<CloudFormationPort>): RuntimeOverrides {
  return {
    awsPorts: async ({ region, profile }) => {
      const real = await createAwsPorts({ region, profile, env: e.env });
      return { ...real, cfn: { ...real.cfn, ...patch(real.cfn) } };
    },
  };
}
