import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Config } from '@jest/types';
import { STACKS, STACKS_DIR_VARIABLE } from '../infra/stacks';
import { writeShared } from '../infra/synth';

const INFRA_TESTS = path.join(__dirname, '..', 'infra');

/**
 * How many infra test files the run selected, or undefined when Jest picks them some other way
 * (changed files, related files) and the count is not known here.
 */
function selectedInfraTests(globalConfig: Config.GlobalConfig): number | undefined {
  if (globalConfig.onlyChanged || globalConfig.changedSince || globalConfig.findRelatedTests)
    return undefined;
  const files = readdirSync(INFRA_TESTS)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(INFRA_TESTS, f));
  const patterns = globalConfig.testPathPatterns;
  if (!patterns.isSet()) return files.length;
  const executor = patterns.toExecutor({ rootDir: globalConfig.rootDir });
  return files.filter((f) => executor.isMatch(f)).length;
}

/**
 * The infra project's stacks, synthesized once per run here, in Jest's own process, and read by
 * every infra test file from disk (test/infra/synth.ts `synthesized`). One process pays once for
 * what the first synthesis costs (CloudFormation's template validator is compiled then); a test
 * file pays it again for each stack it synthesizes itself. A run of one infra file synthesizes
 * only the stacks that file reads, in its own process (`synthesized` does it on first use).
 */
export default function stacksSetup(globalConfig: Config.GlobalConfig): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'scenario-tracker-stacks-'));
  // Set before the workers start, so each of them inherits it.
  process.env[STACKS_DIR_VARIABLE] = dir;
  if (selectedInfraTests(globalConfig) === 1) return;
  for (const options of Object.values(STACKS)) writeShared(dir, options);
}
