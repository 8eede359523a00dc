/**
 * Modules as a fresh process loads them (`jest.isolateModulesAsync`): nothing handed over at import
 * by another module yet (the bus, the webhook lookup, a context), and no schema built.
 */
export const fresh = async <T>(load: () => Promise<T>): Promise<T> => {
  let loaded: T | undefined;
  await jest.isolateModulesAsync(async () => {
    loaded = await load();
  });
  return loaded!;
};
