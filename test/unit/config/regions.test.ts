import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { regionProblem } from '../../../src/config/regions.js';

describe('regionProblem', () => {
  it.each([
    'us-west-2',
    'cn-north-1',
    'cn-northwest-1',
    'us-gov-west-1',
    'us-iso-east-1',
    'us-isob-east-1',
    'us-isof-south-1',
    'eu-isoe-west-1',
    'eusc-de-east-1',
    'il-central-1',
    // Not in the SDK's list but well-formed in a partition: a region newer than the SDK must pass.
    'ap-southwest-9',
    'us-isof-north-3',
  ])('accepts %s', (region) => {
    expect(regionProblem(region)).toBeUndefined();
  });

  it.each([
    ['us-west2', 'did you mean "us-west-2"?'],
    ['uswest-2', 'did you mean "us-west-2"?'],
    ['US-WEST2', 'did you mean "us-west-2"?'],
    ['us-west-2 ', 'did you mean "us-west-2"?'],
    ['cn-north1', 'did you mean "cn-north-1"?'],
    ['us-gov-west', 'did you mean "us-gov-west-1"?'],
    ['oregon', 'use a region such as us-west-2, cn-north-1 or us-gov-west-1'],
    ['', 'use a region such as us-west-2, cn-north-1 or us-gov-west-1'],
    ['xx-west-2', 'did you mean "eu-west-2"?'],
    ['https://sts.us-west-2.amazonaws.com', 'use a region such as us-west-2, cn-north-1 or us-gov-west-1'],
  ])('rejects %j: %s', (region, fix) => {
    expect(regionProblem(region)).toEqual({ what: `${JSON.stringify(region)} is not an AWS region name`, fix });
  });

  it("src/model/aws-regions.ts matches the installed SDK's partitions", () => {
    // Fails after an SDK upgrade that changed the partitions: run `node scripts/aws-regions.mjs`.
    expect(() => execFileSync(process.execPath, ['scripts/aws-regions.mjs', '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
