/**
 * What DynamoDB bills for items, for the tests and benchmarks that measure write cost
 * (docs/data-model.md, "Index budget"). Not used on any request path.
 */

/**
 * The size DynamoDB bills an item by, after its documented rules: attribute names and values in
 * UTF-8, numbers about one byte per two digits plus one, booleans and nulls one byte, three bytes of
 * overhead per list or map and one per element.
 */
export function itemSize(item: Record<string, unknown>): number {
  const value = (v: unknown): number => {
    if (typeof v === 'string') return Buffer.byteLength(v);
    if (typeof v === 'number') return Math.ceil(String(Math.abs(v)).replace(/[.-]/g, '').length / 2) + 1;
    if (typeof v === 'boolean' || v === null || v === undefined) return 1;
    if (v instanceof Set) return [...v].reduce((n: number, x) => n + value(x), 0);
    if (Array.isArray(v)) return 3 + v.reduce((n: number, x) => n + value(x) + 1, 0);
    if (typeof v === 'object')
      return (
        3 + Object.entries(v as object).reduce((n, [k, x]) => n + Buffer.byteLength(k) + value(x) + 1, 0)
      );
    return 0;
  };
  return Object.entries(item).reduce(
    (n, [k, v]) => (v === undefined ? n : n + Buffer.byteLength(k) + value(v)),
    0,
  );
}

/**
 * The table's write units of a TransactWriteItems. DynamoDB Local reports them wrongly when two of the
 * transaction's items cost the same (three 100-byte Puts: 2 units, not 6), so they are computed here:
 * 2 units per KB of each Put's item (a transaction doubles). An Update, Delete or ConditionCheck
 * carries no item in the request: each is counted as one small item (2), or Local's whole figure when
 * that is larger. `reported` is what Local said for the table.
 */
export function transactionTableUnits(input: unknown, reported: number): number {
  const items = ((input as { TransactItems?: Record<string, { Item?: Record<string, unknown> }>[] })
    .TransactItems ?? []) as Record<string, { Item?: Record<string, unknown> }>[];
  let units = 0;
  let others = 0;
  for (const entry of items) {
    const put = entry.Put?.Item;
    if (put) units += 2 * Math.max(1, Math.ceil(itemSize(put) / 1024));
    else others++;
  }
  return others > 0 ? Math.max(units + 2 * others, reported) : units;
}
