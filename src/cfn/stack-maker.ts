import { singleLine } from '../output/terminal.js';
import { APPLY_SET_TAG, EKSCTL_VERSION_TAG } from '../model/naming.js';

/** Who made (or last wrote) an iamserviceaccount stack, as its tags say: the tool, its version, the apply set. */
export interface StackMaker {
  tool: 'irsactl' | 'eksctl' | 'unknown';
  version?: string;
  /** irsactl.io/apply-set: the apply set (ClusterConfig file) whose apply made or last updated it */
  applySet?: string;
}

export function stackMaker(tags: Record<string, string>): StackMaker {
  const versionTag = tags[EKSCTL_VERSION_TAG];
  const applySet = tags[APPLY_SET_TAG];
  const set = applySet !== undefined ? { applySet } : {};
  if (versionTag === undefined) return { tool: 'unknown', ...set };
  // irsactl writes `irsactl-<version>` where eksctl writes its bare version
  if (versionTag.startsWith('irsactl-')) return { tool: 'irsactl', version: versionTag.slice('irsactl-'.length), ...set };
  return { tool: 'eksctl', version: versionTag, ...set };
}

/** In words, on one line (tag values are anyone's text): "eksctl 0.190.0", "irsactl 0.3.0 by apply of apply set prod/cluster.yaml". */
export function describeMaker(m: StackMaker): string {
  const tool = m.tool === 'unknown' ? `an unknown tool (no ${EKSCTL_VERSION_TAG} tag)` : `${m.tool}${m.version ? ` ${singleLine(m.version)}` : ''}`;
  if (m.applySet !== undefined) return `${tool}, apply of apply set "${singleLine(m.applySet)}"`;
  return m.tool === 'irsactl' ? `${tool}, outside any apply set (by flags, create/update -f, or an apply before apply sets)` : tool;
}
