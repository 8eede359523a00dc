import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { STACKS, STACKS_DIR_VARIABLE } from '../infra/stacks';
import { writeShared } from '../infra/synth';

/**
 * The infra project's stacks, synthesized once per run here, in Jest's own process, and read by
 * every infra test file from disk (test/infra/synth.ts `synthesized`). One process pays once for
 * what the first synthesis costs (CloudFormation's template validator is compiled then); a test
 * file pays it again for each stack it synthesizes itself.
 */
export default function stacksSetup(): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'scenario-tracker-stacks-'));
  // Set before the workers start, so each of them inherits it.
  process.env[STACKS_DIR_VARIABLE] = dir;
  for (const options of Object.values(STACKS)) writeShared(dir, options);
}
