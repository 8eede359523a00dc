import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUTHORIZER_CACHE_TTL } from '../../infra/constructs/api';
import { STALE_CHECK_SCHEDULE } from '../../infra/constructs/schedule';

/**
 * Figures the docs state that the code or another generated document decides: each is read from
 * its source here, so a doc cannot keep a number the project no longer has.
 */
const ROOT = join(__dirname, '..', '..');

/**
 * npm's own range semantics (the `semver` package npm uses, here as a dependency of the toolchain;
 * it ships no types, hence the shape given).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require('semver') as { satisfies(version: string, range: string): boolean };
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('figures in the docs', () => {
  it('give the targets met as docs/benchmarks.md counts them, in README and in its own summary', () => {
    // Prepare
    const bench = read('docs/benchmarks.md');
    const summaryTable = bench.split('## Summary')[1]!.split(/\n## /)[0]!;
    const rows = summaryTable.split('\n').filter((l) => /^\| .* \| (✅ met|❌ not met) \| .* \|$/.test(l));
    const met = rows.filter((l) => l.includes('| ✅ met |')).length;
    // Act
    const summary = /(\d+) of (\d+) targets met/.exec(bench)!;
    const readme = /(\d+) of (\d+) targets met/.exec(read('README.md'))!;
    // Assess
    expect(rows.length).toBeGreaterThan(30);
    expect([Number(summary[1]), Number(summary[2])]).toEqual([met, rows.length]);
    expect([Number(readme[1]), Number(readme[2])]).toEqual([met, rows.length]);
  });

  it('give the authorizer cache its configured time, and never call it not configured', () => {
    const seconds = AUTHORIZER_CACHE_TTL.toSeconds();
    expect(read('docs/benchmarks.md')).toContain(`authorizer's answer per token for ${seconds} s`);
    expect(read('docs/deploy.md')).toContain(`for **${seconds} seconds**`);
    for (const doc of ['README.md', 'docs/benchmarks.md', 'docs/deploy.md', 'docs/security.md'])
      expect({ doc, says: /not configured to/.test(read(doc)) }).toEqual({ doc, says: false });
  });

  it('ask for a Node version every installed package accepts, the one package.json declares', () => {
    // Prepare
    const needs = /Needs Node\.js (\d+\.\d+\.\d+)\+/.exec(read('README.md'))![1]!;
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { engines?: { node?: string } | string[] }>;
    };
    // Act
    const refusing = Object.entries(lock.packages)
      .map(([name, p]) => [name, Array.isArray(p.engines) ? undefined : p.engines?.node] as const)
      .filter(([name, range]) => name !== '' && range && !semver.satisfies(needs, range));
    // Assess
    expect(refusing).toEqual([]);
    expect(JSON.parse(read('package.json')).engines.node).toBe(`>=${needs}`);
    expect(lock.packages['']!.engines).toEqual({ node: `>=${needs}` });
  });

  it('give the stale check the schedule the stack gives it, and read as a guide rather than development notes', () => {
    const notifications = read('docs/notifications.md');
    expect(notifications).toContain(`runs every ${STALE_CHECK_SCHEDULE.toMinutes()} minutes in the cloud`);
    expect(notifications).not.toMatch(/once threads have it|emitted by that feature|\w+\(\.\.\.\)/);
  });

  it('leave no note about work on "another branch" in the capacity plan', () => {
    expect(read('docs/capacity.md')).not.toMatch(/another branch/);
  });
});
