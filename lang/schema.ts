/** Table schema shared by every layer: the REST API validates it, shards store by it, PyQL compiles against it. */
export type ColumnType = 'text' | 'int' | 'double' | 'bool';

export interface ColumnDef {
  name: string;
  type: ColumnType;
  isSet: boolean;
  /** Storage slot id; never reused after a drop, so a re-added name never sees old data. */
  id: number;
}

export interface TableSchema {
  name: string;
  columns: ColumnDef[];
  /** Actions ranked for rows with equal stamps; unlisted actions sort after listed ones. */
  zOrder: string[];
}

/** Names the user can never create: built-in columns and anything starting with `__`. */
const BUILTIN_COLUMNS = ['person', 'people', 'stamp', 'event_time', 'action', 'session'] as const;

export function isReservedName(name: string): boolean {
  return (BUILTIN_COLUMNS as readonly string[]).includes(name) || name.startsWith('__');
}
