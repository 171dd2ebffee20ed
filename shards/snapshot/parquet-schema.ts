/**
 * The Parquet layout of one table's rows, shared by snapshots, export and restore.
 *
 * Columns, in order:
 * - `person` UTF8: the lower-cased string id (null when the person has an integer id);
 * - `__person_int` INT64: the integer id (null for string ids) — integer ids are their own namespace;
 * - `stamp` INT64 TIMESTAMP(MILLIS, UTC);
 * - `action` UTF8;
 * - `__event` INT32: event ordinal within the person; the rows of one complex event share it;
 * - `__event_hash` DOUBLE: the event's identity hash, so re-inserting a restored event stays a no-op;
 * - one column per table column, named like it: int → INT64, double → DOUBLE, bool → BOOLEAN,
 *   text → UTF8, sets → LIST of those (3-level list, `<name>.list.element`); null = absent.
 * Built-in helper names start with `__`, which user columns can never use, so nothing collides.
 */
import type { SchemaElement } from 'hyparquet-writer';
import type { ColumnDef, ColumnType, TableSchema } from '../../lang/schema.ts';

export const PERSON = 'person';
export const PERSON_INT = '__person_int';
export const STAMP = 'stamp';
export const ACTION = 'action';
export const EVENT = '__event';
export const EVENT_HASH = '__event_hash';

export const BUILTIN_PARQUET_COLUMNS = [PERSON, PERSON_INT, STAMP, ACTION, EVENT, EVENT_HASH] as const;

function leaf(name: string, type: ColumnType, repetition: 'OPTIONAL' | 'REQUIRED'): SchemaElement {
  switch (type) {
    case 'int':
      return { name, type: 'INT64', repetition_type: repetition };
    case 'double':
      return { name, type: 'DOUBLE', repetition_type: repetition };
    case 'bool':
      return { name, type: 'BOOLEAN', repetition_type: repetition };
    case 'text':
      return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: repetition };
  }
}

function columnElements(col: ColumnDef): SchemaElement[] {
  if (!col.isSet) return [leaf(col.name, col.type, 'OPTIONAL')];
  return [
    { name: col.name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    leaf('element', col.type, 'REQUIRED'),
  ];
}

/** Flat Parquet schema (hyparquet-writer form) for a table; `withHash` false omits `__event_hash`. */
export function parquetSchemaFor(table: TableSchema, withHash = true): SchemaElement[] {
  const builtins: SchemaElement[] = [
    { name: PERSON, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: PERSON_INT, type: 'INT64', repetition_type: 'OPTIONAL' },
    {
      name: STAMP,
      type: 'INT64',
      converted_type: 'TIMESTAMP_MILLIS',
      logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
      repetition_type: 'REQUIRED',
    },
    { name: ACTION, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
    { name: EVENT, type: 'INT32', repetition_type: 'REQUIRED' },
  ];
  if (withHash) builtins.push({ name: EVENT_HASH, type: 'DOUBLE', repetition_type: 'REQUIRED' });
  const user = table.columns.flatMap(columnElements);
  return [{ name: 'root', num_children: builtins.length + table.columns.length }, ...builtins, ...user];
}
