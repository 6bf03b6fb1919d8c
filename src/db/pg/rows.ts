// Rows out of PostgreSQL in the shape the rest of the code knows, and errors out of it without the
// statement's parameters (drizzle puts them in its message, and they can hold sealed values).
import { DrizzleQueryError, getTableColumns, type Table } from 'drizzle-orm';

type Raw = Record<string, unknown>;

/**
 * Reads a row that PostgreSQL turned into JSON (`row_to_json`, `json_agg`): keyed by column name,
 * numbers and nested JSON already parsed. Each column's own mapping finishes the job.
 */
export function jsonRowReader<Row>(table: Table): (raw: Raw) => Row {
  const columns = Object.entries(getTableColumns(table));
  return (raw) => {
    const row: Raw = {};
    for (const [key, column] of columns) {
      const value = raw[column.name];
      row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
    }
    return row as Row;
  };
}

/** The driver's own error (with PostgreSQL's SQLSTATE `code`), not drizzle's wrapper around it. */
export function driverError(error: unknown): unknown {
  if (error instanceof DrizzleQueryError && error.cause) {
    return error.cause;
  }
  return error;
}

/** Whether the statement failed on a unique constraint (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  const cause = driverError(error);
  return (
    typeof cause === 'object' && cause !== null && (cause as { code?: unknown }).code === '23505'
  );
}

/**
 * Runs a repository call and rethrows a failed statement as the driver's error, whose message
 * names the problem but not the values bound to the statement.
 */
export async function withoutParams<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw driverError(error);
  }
}
