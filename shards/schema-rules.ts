/**
 * Table and column rules of data-model §3, as pure functions returning the reason a definition is
 * invalid (or null). The sentinel applies them; the router only parses request shapes.
 */
import { isReservedName } from '../lang/schema.ts';
import type { ColumnType } from '../lang/schema.ts';

export const NAME_PATTERN = /^[a-z_][a-z0-9_]*$/;
export const MAX_NAME_LENGTH = 64;
export const COLUMN_TYPES: readonly ColumnType[] = ['text', 'int', 'double', 'bool'];

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  isSet: boolean;
}

function nameProblem(kind: 'table' | 'column', name: string): string | null {
  if (name.length === 0) return `${kind} name is empty`;
  if (name.length > MAX_NAME_LENGTH) return `${kind} name '${name}' is longer than ${MAX_NAME_LENGTH} characters`;
  if (!NAME_PATTERN.test(name)) {
    return `${kind} name '${name}' is invalid: use lower-case letters a-z, digits 0-9 and '_', not starting with a digit`;
  }
  return null;
}

export function tableNameProblem(name: string): string | null {
  return nameProblem('table', name);
}

/** Column names follow the table-name rule and may not be built-ins (person, stamp, action, ...) or start with `__`. */
export function columnNameProblem(name: string): string | null {
  const p = nameProblem('column', name);
  if (p !== null) return p;
  if (isReservedName(name)) return `column name '${name}' is reserved (built-ins: person, people, stamp, event_time, action, session, and names starting with '__')`;
  return null;
}

export function isColumnType(t: string): t is ColumnType {
  return (COLUMN_TYPES as readonly string[]).includes(t);
}

export function typeProblem(column: string, type: string): string | null {
  return isColumnType(type) ? null : `column '${column}' has type '${type}'; types are ${COLUMN_TYPES.join(', ')}`;
}

/** Problems with a whole create-table definition: names, types, duplicates, z-order entries. */
export function definitionProblem(columns: ColumnSpec[], zOrder: string[]): string | null {
  const seen = new Set<string>();
  for (const c of columns) {
    const p = columnNameProblem(c.name) ?? typeProblem(c.name, c.type);
    if (p !== null) return p;
    if (seen.has(c.name)) return `column '${c.name}' is defined twice`;
    seen.add(c.name);
  }
  const actions = new Set<string>();
  for (const a of zOrder) {
    if (a.length === 0) return 'z_order entries must be non-empty action names';
    if (actions.has(a)) return `z_order lists '${a}' twice`;
    actions.add(a);
  }
  return null;
}
