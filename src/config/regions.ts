import { AWS_PARTITIONS } from '../model/aws-regions.js';
import { levenshtein } from './keys.js';

// Whether a region name is one AWS could have: it must match one partition's regionRegex (from the SDK), so a region
// newer than the SDK's list still passes; a near miss of a known region is named in the fix.

/** What is wrong with `region` as `what` and `fix`, or undefined when some partition accepts it. */
export function regionProblem(region: string): { what: string; fix: string } | undefined {
  if (AWS_PARTITIONS.some((p) => p.regionRegex.test(region))) return undefined;
  const near = nearestRegion(region);
  return {
    what: `${JSON.stringify(region)} is not an AWS region name`,
    fix: near !== undefined ? `did you mean "${near}"?` : 'use a region such as us-west-2, cn-north-1 or us-gov-west-1',
  };
}

/** The known region within two edits (typing slips: a lost "-", a swapped letter, upper case), if there is one. */
function nearestRegion(region: string): string | undefined {
  const lower = region.toLowerCase().trim();
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of AWS_PARTITIONS.flatMap((p) => p.regions)) {
    const d = levenshtein(lower, known);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best;
}
