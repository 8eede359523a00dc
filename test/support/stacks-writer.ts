import { STACKS } from '../infra/stacks';
import { writeShared } from '../infra/synth';

/**
 * The infra project's stacks, synthesized one after another into the run's directory (argv[2]):
 * started by test/support/stacks-setup.ts in a process of its own, so that the first tests run
 * while it works instead of after it.
 */
const dir = process.argv[2];
if (!dir) throw new Error('usage: stacks-writer <directory>');
for (const options of Object.values(STACKS)) writeShared(dir, options);
