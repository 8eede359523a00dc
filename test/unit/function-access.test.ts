import { ALL_FUNCTION_ENTRIES, type AnyFunctionName } from '../../infra/bundling';
import { FUNCTION_ACCESS } from '../../infra/permissions';
import { STORE_ACCESS } from '../../shared/store/access';

/**
 * One declaration: a function's IAM role is derived from the stores infra/permissions.ts lists for
 * it, and the function is built with its context's parts (`functionContext({...})` in functions/*.ts).
 * These must be the same list, or the role grants what the code never uses, or the code needs what
 * the role never grants (AccessDenied in the cloud only).
 */

/** Stores a function builds itself rather than take from its context (the live connection store). */
const BUILT_BY_THE_FUNCTION = ['connections', 'readiness'];

const partsOf = async (name: AnyFunctionName): Promise<readonly string[]> => {
  const mod = (await import(`../../${ALL_FUNCTION_ENTRIES[name].replace(/\.ts$/, '')}`)) as {
    appContext?: { parts: readonly string[] };
  };
  return mod.appContext?.parts ?? [];
};

describe('function access declared once', () => {
  it.each(Object.keys(ALL_FUNCTION_ENTRIES) as AnyFunctionName[])(
    '%s: the stores its role is derived from are the parts it is built with',
    async (name) => {
      // Act
      const parts = await partsOf(name);
      const stores = Object.keys(FUNCTION_ACCESS[name].stores);

      // Assess
      expect(stores.filter((s) => !BUILT_BY_THE_FUNCTION.includes(s)).sort()).toEqual([...parts].sort());
    },
  );

  it('declares the access of every part a function can be built with', async () => {
    // Prepare
    const names = await Promise.all((Object.keys(ALL_FUNCTION_ENTRIES) as AnyFunctionName[]).map(partsOf));

    // Act
    const undeclared = [...new Set(names.flat())].filter((p) => !(p in STORE_ACCESS));

    // Assess
    expect(names.flat().length).toBeGreaterThan(0);
    expect(undeclared).toEqual([]);
  });
});
