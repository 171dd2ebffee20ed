#!/usr/bin/env python3
"""Check EdgeSet Parquet files (table exports and snapshot partition files) with the tools users read them with.

    python3 scripts/check-export.py FILE.parquet [FILE ...] [--url http://127.0.0.1:8787 --table T] [--sample N]

For every file:
- reads it with pandas (pyarrow engine) and, when the duckdb module is installed, with DuckDB, and checks
  that both see the same row count;
- checks the layout: `person` string / `__person_int` int64 (exactly one of them per row), `stamp`
  timestamp[ms, UTC], `action` string, `__event` int32, optional `__event_hash` double (snapshots), then
  the table columns (int64, double, bool, string, or lists of those for set columns); each person's rows
  are contiguous, in stamp order, with non-decreasing `__event`;
- with --url and --table, compares the rows of up to --sample people (default: all) value by value with
  what the running cluster answers on GET /v1/query/{table}/person (complex events unfolded into rows).
Prints a summary per file and exits 1 if anything is wrong. Needs pandas and pyarrow (duckdb optional);
the project's own tests never use Python.
"""
import argparse
import json
import math
import sys
import urllib.parse
import urllib.request

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

BUILTIN = {'person', '__person_int', 'stamp', 'action', '__event', '__event_hash'}
SCALAR_TYPES = (pa.int64(), pa.float64(), pa.bool_(), pa.string())


def layout_problems(schema: pa.Schema) -> list:
    want = {
        'person': pa.string(),
        '__person_int': pa.int64(),
        'stamp': pa.timestamp('ms', tz='UTC'),
        'action': pa.string(),
        '__event': pa.int32(),
    }
    problems = []
    for name, typ in want.items():
        if name not in schema.names:
            problems.append(f'column {name} is missing')
        elif schema.field(name).type != typ:
            problems.append(f'column {name} is {schema.field(name).type}, expected {typ}')
    if '__event_hash' in schema.names and schema.field('__event_hash').type != pa.float64():
        problems.append(f'column __event_hash is {schema.field("__event_hash").type}, expected double')
    for field in schema:
        if field.name in BUILTIN:
            continue
        typ = field.type
        if pa.types.is_list(typ):
            typ = typ.value_type
        if typ not in SCALAR_TYPES:
            problems.append(f'column {field.name} has type {field.type}')
    return problems


def order_problems(df: pd.DataFrame) -> list:
    """Rows of a person are contiguous, stamps ascend and event ordinals never go back within a person."""
    problems = []
    both = df['person'].notna() & df['__person_int'].notna()
    neither = df['person'].isna() & df['__person_int'].isna()
    if both.any() or neither.any():
        problems.append(f'{int(both.sum())} rows with both ids, {int(neither.sum())} rows with none')
    key = df['person'].astype(object).where(df['person'].notna(), '#' + df['__person_int'].astype(str))
    change = key.ne(key.shift())
    runs = key[change]
    if runs.duplicated().any():
        problems.append(f'{int(runs.duplicated().sum())} people whose rows are not contiguous')
    same = ~change
    stamps = df['stamp'].astype('int64')
    if (same & stamps.lt(stamps.shift())).any():
        problems.append('stamps go back within a person')
    if (same & df['__event'].lt(df['__event'].shift())).any():
        problems.append('__event goes back within a person')
    return problems


def plain(v):
    """A pandas/pyarrow cell as a plain Python value (None for null, lists for sets; empty set = null)."""
    if v is None:
        return None
    if hasattr(v, 'tolist') and not isinstance(v, (str, bytes)):
        v = v.tolist()
    if isinstance(v, list):
        return [plain(x) for x in v] or None
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA:
        return None
    return v


def unfold(rows: list) -> list:
    """Person endpoint rows → one (stamp, action, attributes) per stored row, like the Parquet file."""
    out = []

    def walk(base, attr, row):
        children = attr.get('_')
        merged = {**base, **{k: v for k, v in attr.items() if k != '_'}}
        if not children:
            out.append((row['stamp'], row['action'], merged))
        else:
            for child in children:
                walk(merged, child, row)

    for row in rows:
        walk({}, row['attr'], row)
    return out


def fetch_person(url: str, table: str, person) -> list:
    q = urllib.parse.urlencode({'sid': person} if isinstance(person, str) else {'id': person})
    with urllib.request.urlopen(f'{url}/v1/query/{table}/person?{q}') as r:
        return json.load(r)['rows']


def value_problems(df: pd.DataFrame, url: str, table: str, sample) -> tuple:
    columns = [c for c in df.columns if c not in BUILTIN]
    groups = df.groupby(df['person'].astype(object).where(df['person'].notna(), df['__person_int']), sort=False)
    problems = []
    people = 0
    cells = 0
    for person, rows in groups:
        if sample is not None and people >= sample:
            break
        people += 1
        ident = person if isinstance(person, str) else int(person)
        expected = unfold(fetch_person(url, table, ident))
        if len(expected) != len(rows):
            problems.append(f'person {ident!r}: {len(rows)} rows in the file, {len(expected)} from the API')
            continue
        for (stamp, action, attr), (_, row) in zip(expected, rows.iterrows()):
            got = {'stamp': int(row['stamp'].value // 1_000_000), 'action': row['action']}
            want = {'stamp': stamp, 'action': action}
            for c in columns:
                got[c] = plain(row[c])
                want[c] = attr.get(c)
            cells += len(got)
            if got != want:
                diff = {k: (got[k], want[k]) for k in got if got[k] != want[k]}
                problems.append(f'person {ident!r} differs (file, api): {diff}')
                break
    return problems, people, cells


def duckdb_rows(path: str):
    try:
        import duckdb
    except ImportError:
        return None
    return duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]


def check(path: str, args) -> bool:
    schema = pq.read_schema(path)
    df = pd.read_parquet(path, engine='pyarrow', dtype_backend='pyarrow')
    problems = layout_problems(schema) + order_problems(df)
    dd = duckdb_rows(path)
    if dd is not None and dd != len(df):
        problems.append(f'DuckDB reads {dd} rows, pandas {len(df)}')
    summary = {
        'file': path,
        'rows': len(df),
        'people': int(df['person'].nunique() + df['__person_int'].nunique()),
        'columns': {f.name: str(f.type) for f in schema},
        'duckdb_rows': dd if dd is not None else 'duckdb not installed',
    }
    if args.url:
        vp, people, cells = value_problems(df, args.url.rstrip('/'), args.table, args.sample)
        problems += vp
        summary['compared_with_api'] = {'people': people, 'cells': cells}
    summary['problems'] = problems
    print(json.dumps(summary, indent=1, default=str))
    return not problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('files', nargs='+')
    ap.add_argument('--url', help='a running EdgeSet to compare values with')
    ap.add_argument('--table', help='the table the files hold (with --url)')
    ap.add_argument('--sample', type=int, help='compare only the first N people of each file')
    args = ap.parse_args()
    if args.url and not args.table:
        ap.error('--url needs --table')
    ok = all([check(f, args) for f in args.files])
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
