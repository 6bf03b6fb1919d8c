// Rows in and out of better-sqlite3 statements, using each drizzle column's own mapping (JSON text,
// integer booleans). The statements are plain SQL prepared once: building a query through drizzle
// on every call and re-preparing it was measured as a fifth of the gateway's CPU time.
import { getTableColumns, getTableName, type Table } from 'drizzle-orm';

type Raw = Record<string, unknown>;

export interface RowCodec<Row> {
  table: string;
  /** `"col_a" as "colA", ...`: selects a row in the shape `fromRaw` reads. */
  select: string;
  fromRaw(raw: Raw): Row;
  /** Named parameters for a statement written with `@column` for each column. */
  toParams(row: Partial<Row>): Record<string, unknown>;
  insertSql(conflict?: 'ignore'): string;
  /** Updates every column but the keys, found by the keys. */
  updateSql(keys: readonly (keyof Row & string)[]): string;
}

export function rowCodec<Row>(table: Table): RowCodec<Row> {
  const columns = Object.entries(getTableColumns(table));
  const name = getTableName(table);
  const quote = (c: string) => `"${c}"`;
  return {
    table: name,
    select: columns.map(([key, c]) => `${quote(c.name)} as ${quote(key)}`).join(', '),
    fromRaw(raw) {
      const row: Raw = {};
      for (const [key, column] of columns) {
        const value = raw[key];
        row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
      }
      return row as Row;
    },
    toParams(row) {
      const params: Raw = {};
      for (const [key, column] of columns) {
        const value = (row as Raw)[key];
        params[key] = value === null || value === undefined ? null : column.mapToDriverValue(value);
      }
      return params;
    },
    insertSql(conflict) {
      return `insert${conflict === 'ignore' ? ' or ignore' : ''} into ${quote(name)} (${columns
        .map(([, c]) => quote(c.name))
        .join(', ')}) values (${columns.map(([key]) => `@${key}`).join(', ')})`;
    },
    updateSql(keys) {
      const keySet = new Set<string>(keys);
      const byKey = new Map(columns);
      const set = columns
        .filter(([key]) => !keySet.has(key))
        .map(([key, c]) => `${quote(c.name)} = @${key}`)
        .join(', ');
      const where = keys.map((key) => `${quote(byKey.get(key)!.name)} = @${key}`).join(' and ');
      return `update ${quote(name)} set ${set} where ${where}`;
    },
  };
}
