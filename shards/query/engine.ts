/**
 * Runs a query request on one shard: resolves segments (stored bitmaps, value indexes or per-person
 * scripts), then answers each step with a partial result for the router to merge. Errors are thrown
 * as DbError; the PartitionShard RPC method turns them into an Outcome.
 */
import { DbError } from '../../lang/errors.ts';
import type { ColumnVector, PersonSlice, RowBlock } from '../../lang/columns.ts';
import type { ColumnDef, ColumnType, TableSchema } from '../../lang/schema.ts';
import { compile } from '../../lang/index.ts';
import type { Program, RunContext } from '../../lang/index.ts';
import type { PartialTree } from '../../lang/result.ts';
import { PeopleBitmap } from '../index/bitmap.ts';
import type { IndexCache } from '../index/cache.ts';
import type { SegmentStore, StoredSegment } from '../index/segments.ts';
import type { ValueIndex } from '../index/values.ts';
import { columnPartial } from './column.ts';
import { histogramPartial } from './histogram.ts';
import { planSegment, type IndexPlan } from './index-plan.ts';
import type { QueryRequest, QueryResponse, QueryStep, SegmentDef, StepResult } from './types.ts';

/** What the engine needs from the table store (STORE's TableStore satisfies it). */
export interface PersonDirectory {
  ids: (string | number)[];
  start: Int32Array;
  end: Int32Array;
}
export interface RowSource {
  readonly version: number;
  read(columns: string[]): { block: RowBlock; people: PersonDirectory };
}

/**
 * Loop iterations (rows visited, `for` steps, calls) a script may take per shard per query before it
 * is stopped as a runaway: about a second of work, and 200 iterations per row of a 250k-row shard.
 */
export const QUERY_BUDGET = 50_000_000;

export interface ShardQueryDeps {
  indexes: IndexCache;
  /** Stored segment bitmaps (SegmentStore in a shard; a Map-backed stand-in in unit tests). */
  segments: Pick<SegmentStore, 'get' | 'put'>;
  /** Compiled programs by mode + script + params (compilation is per query otherwise). */
  programs: Map<string, Program>;
  /** Tests set this to run every segment script per person, to compare with the index answers. */
  noIndexPlans?: boolean;
}

export function runQuery(deps: ShardQueryDeps, schema: TableSchema, source: RowSource, req: QueryRequest): QueryResponse {
  const run = new ShardRun(deps, schema, source, req);
  const results: StepResult[] = req.steps.map((step) => run.step(step));
  return { results, rowsScanned: run.rowsScanned };
}

const PROGRAM_CACHE_MAX = 64;

export function programFor(
  programs: Map<string, Program>,
  script: string,
  schema: TableSchema,
  mode: 'event' | 'segment' | 'histogram',
  params: Record<string, string>,
  eachValue: boolean,
): Program {
  const key = JSON.stringify([schema.name, schema.columns.map((c) => c.id), mode, eachValue, params, script]);
  let p = programs.get(key);
  if (p === undefined) {
    p = compile(script, schema, { mode, params, eachValue });
    programs.set(key, p);
    while (programs.size > PROGRAM_CACHE_MAX) programs.delete(programs.keys().next().value!);
  }
  return p;
}

class ShardRun {
  rowsScanned = 0;
  private readonly deps: ShardQueryDeps;
  private readonly schema: TableSchema;
  private readonly source: RowSource;
  private readonly req: QueryRequest;
  private readonly version: string;
  private readonly defs: Map<string, SegmentDef>;
  private readonly resolved = new Map<string, PeopleBitmap>();
  private readonly resolving = new Set<string>();
  private readonly budget = { remaining: QUERY_BUDGET };
  private peopleCount = -1;

  constructor(deps: ShardQueryDeps, schema: TableSchema, source: RowSource, req: QueryRequest) {
    this.deps = deps;
    this.schema = schema;
    this.source = source;
    this.req = req;
    this.defs = new Map(req.segmentDefs.map((d) => [d.name, d]));
    // Ordinals are only comparable within one data version; the column ids pin the schema too.
    const dir = source.read([]).people;
    this.peopleCount = dir.ids.length;
    this.version = `${source.version}:${this.peopleCount}:${schema.columns.map((c) => c.id).join(',')}`;
  }

  step(step: QueryStep): StepResult {
    switch (step.kind) {
      case 'segments': {
        const counts: number[] = [];
        const reused: boolean[] = [];
        for (const def of step.sections) {
          this.defs.set(def.name, def);
          const stored = this.deps.segments.get(this.schema.name, def.name);
          // Same definition over the same rows gives the same people: nothing to recompute or store.
          const fresh = stored !== null && (this.current(stored, def) || (!step.force && def.useCached && this.withinTtl(stored, def)));
          this.resolved.delete(def.name);
          const bits = fresh ? stored.bits.grow(this.peopleCount) : this.compute(def);
          this.resolved.set(def.name, bits);
          counts.push(bits.count());
          reused.push(fresh);
        }
        return { kind: 'segments', counts, reused };
      }
      case 'event':
        return { kind: 'event', partial: this.event(step.script, step.params, step.segments) };
      case 'column': {
        const segs = step.segments.map((s) => this.segment(s));
        return { kind: 'column', partial: columnPartial(this.index(step.column), step.query, segs) };
      }
      case 'histogram': {
        const program = programFor(this.deps.programs, step.script, this.schema, 'histogram', step.params, step.foreach !== null);
        const segs = step.segments.map((s) => this.segment(s));
        const each = step.foreach === null ? null : this.index(step.foreach);
        const { block, people } = this.source.read(program.columns);
        const partial = histogramPartial(program, block, people, segs, each, this.context(), step.bucket);
        this.rowsScanned += partial.rows;
        return { kind: 'histogram', partial: partial.result };
      }
    }
  }

  private context(): RunContext {
    return { now: this.req.now, sessionTime: this.req.sessionTime, budget: this.budget };
  }

  /** `*` is everyone (null); any other name must be registered. */
  segment(name: string): PeopleBitmap | null {
    if (name === '*') return null;
    const hit = this.resolved.get(name);
    if (hit !== undefined) return hit;
    const def = this.defs.get(name);
    if (def === undefined) throw new DbError('query', 'unknown_segment', `unknown segment '${name}'`);
    const stored = this.deps.segments.get(this.schema.name, name);
    const usable = stored !== null && (this.current(stored, def) || this.withinTtl(stored, def));
    const bits = usable ? stored.bits.grow(this.peopleCount) : this.compute(def);
    this.resolved.set(name, bits);
    return bits;
  }

  /** Computed from this definition over exactly the current rows. */
  private current(stored: StoredSegment, def: SegmentDef): boolean {
    return stored.definition === def.script && stored.version === this.version;
  }

  /**
   * Computed from this definition less than `ttl` ago (rows may have changed since). Person
   * ordinals are stable across inserts (the store hands them out in arrival order), so the stored
   * bitmap stays valid; people who arrived later are not members.
   */
  private withinTtl(stored: StoredSegment, def: SegmentDef): boolean {
    return stored.definition === def.script && this.req.now - stored.computedAt < def.ttl && stored.bits.size <= this.peopleCount;
  }

  private everyoneBits: PeopleBitmap | null = null;

  private everyone(): PeopleBitmap {
    this.everyoneBits ??= PeopleBitmap.full(this.peopleCount);
    return this.everyoneBits;
  }

  private compute(def: SegmentDef): PeopleBitmap {
    if (this.resolving.has(def.name)) throw new DbError('query', 'segment_cycle', `segment '${def.name}' refers to itself`);
    this.resolving.add(def.name);
    try {
      const plan = this.deps.noIndexPlans === true ? null : planSegment(def.script, this.schema);
      const bits = plan !== null ? this.fromPlan(plan) : this.bySegmentScript(def.script);
      this.deps.segments.put(this.schema.name, { name: def.name, definition: def.script, computedAt: this.req.now, version: this.version, bits });
      return bits;
    } finally {
      this.resolving.delete(def.name);
    }
  }

  /** Membership from value indexes (see index-plan.ts for why this equals running the script). */
  fromPlan(plan: IndexPlan): PeopleBitmap {
    if (plan.kind === 'values') {
      let acc = new PeopleBitmap(this.peopleCount);
      for (const t of plan.tests) acc.orInPlace(this.index(t.column).union(t.test));
      return acc;
    }
    const s = plan.names.map((n) => this.segment(n) ?? this.everyone());
    switch (plan.op) {
      case 'population': return s[0];
      case 'union': return s[0].or(s[1]);
      case 'intersection': return s[0].and(s[1]);
      case 'difference': return s[0].andNot(s[1]);
      case 'complement': return s[0].not();
    }
  }

  /** Membership by running the segment-mode script for every person (any tally = member). */
  bySegmentScript(script: string): PeopleBitmap {
    const program = programFor(this.deps.programs, script, this.schema, 'segment', {}, false);
    const { block, people } = this.source.read(program.columns);
    const bits = new PeopleBitmap(this.peopleCount);
    const slice: PersonSlice = { block, start: 0, end: 0, id: '' };
    let ordinal = 0;
    const ctx: RunContext = { ...this.context(), inSegment: (name) => (this.segment(name) ?? this.everyone()).has(ordinal) };
    for (let p = 0; p < people.ids.length; p++) {
      ordinal = p;
      slice.start = people.start[p];
      slice.end = people.end[p];
      slice.id = people.ids[p];
      if (program.run(slice, ctx).member) bits.set(p);
    }
    this.rowsScanned += block.length;
    return bits;
  }

  private event(script: string, params: Record<string, string>, segments: string[]): PartialTree {
    const program = programFor(this.deps.programs, script, this.schema, 'event', params, false);
    const segs = segments.map((s) => this.segment(s));
    const { block, people } = this.source.read(program.columns);
    const result = program.newResult(segs.length);
    const slice: PersonSlice = { block, start: 0, end: 0, id: '' };
    const ctx: RunContext = { ...this.context(), result, segment: 0 };
    for (let s = 0; s < segs.length; s++) {
      ctx.segment = s;
      const seg = segs[s];
      const members = seg === null ? null : seg.ordinals();
      const n = members === null ? people.ids.length : members.length;
      for (let i = 0; i < n; i++) {
        const p = members === null ? i : members[i];
        slice.start = people.start[p];
        slice.end = people.end[p];
        slice.id = people.ids[p];
        program.run(slice, ctx);
        this.rowsScanned += slice.end - slice.start;
      }
    }
    return result.toPartial();
  }

  index(column: string): ValueIndex {
    const def = this.columnDef(column);
    return this.deps.indexes.get(this.schema.name, column, def.type, this.version, () => {
      const { block, people } = this.source.read(column === 'action' ? [] : [column]);
      return { vec: vectorOf(block, column), people };
    });
  }

  private columnDef(column: string): ColumnDef | { type: ColumnType } {
    if (column === 'action') return { type: 'text' };
    const def = this.schema.columns.find((c) => c.name === column);
    if (def === undefined) throw new DbError('query', 'unknown_column', `unknown column '${column}' in table '${this.schema.name}'`);
    return def;
  }
}

function vectorOf(block: RowBlock, column: string): ColumnVector {
  if (column === 'action') return { kind: 'text', codes: block.action.codes, dict: block.action.dict };
  const v = block.columns.get(column);
  if (v === undefined) throw new DbError('query', 'unknown_column', `column '${column}' is not stored`);
  return v;
}
