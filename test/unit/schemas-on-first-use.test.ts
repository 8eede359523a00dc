import { ALL_FUNCTION_ENTRIES } from '../../infra/bundling';
import { fresh } from '../support/fresh-modules';

/**
 * A function builds the zod schemas of a request when it first serves one, not at cold start
 * (shared/domain/schemas.ts `schema`): loading any function's module builds none.
 */
describe('schemas built on first use', () => {
  it.each(Object.entries(ALL_FUNCTION_ENTRIES))(
    'loading the %s function builds no schema',
    async (_name, entry) => {
      // Prepare + Act
      const built = await fresh(async () => {
        await import(`../../${entry.replace(/\.ts$/, '')}`);
        return (await import('../../shared/domain/schemas')).builtSchemaCount();
      });

      // Assess
      expect(built).toBe(0);
    },
  );

  it('builds a schema when a request is first validated against it, and only once', async () => {
    // Prepare
    const s = await fresh(() => import('../../shared/domain/schemas'));
    const before = s.builtSchemaCount();

    // Act
    s.parseWith(s.RetractionSchema, { reason: 'duplicate report' }, 'The body');
    const once = s.builtSchemaCount();
    s.parseWith(s.RetractionSchema, { reason: 'another' }, 'The body');
    const counts = [before, once, s.builtSchemaCount()];

    // Assess
    expect(counts[0]).toBe(0);
    expect(counts[1]).toBeGreaterThan(0);
    expect(counts[2]).toBe(counts[1]);
  });
});
