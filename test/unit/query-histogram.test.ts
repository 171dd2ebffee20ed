import { describe, expect, it } from 'vitest';
import { histogramNode, mergeHistogramPartials, type HistogramPartial } from '../../shards/query/histogram.ts';
import { renderCounts } from '../../lang/render.ts';

const render = (p: HistogramPartial, opts: Parameters<typeof histogramNode>[2]) =>
  renderCounts([histogramNode(p, 'h', opts)], { sort: 'g', order: opts.order ?? 'desc', trim: opts.trim });

describe('histogram partials', () => {
  const a: HistogramPartial = { root: [2], groups: [{ each: null, c: [2], values: [{ g: 0, c: [1] }, { g: 750, c: [1] }] }] };
  const b: HistogramPartial = { root: [1], groups: [{ each: null, c: [1], values: [{ g: 250, c: [1] }] }] };
  it('merges by adding and fills empty buckets from min to the largest bucket (data-model §10)', () => {
    const m = mergeHistogramPartials([a, b]);
    expect(render(m, { bucket: 250, min: 0, max: null })).toEqual({
      _: [{ g: 'h', c: [3], _: [{ g: 750, c: [1] }, { g: 500, c: [0] }, { g: 250, c: [1] }, { g: 0, c: [1] }] }],
    });
  });
  it('clips everything >= max into the max bucket, and order=asc flips', () => {
    const m = mergeHistogramPartials([a, b]);
    expect(render(m, { bucket: 250, min: null, max: 500, order: 'asc' })._[0]._).toEqual([
      { g: 0, c: [1] },
      { g: 250, c: [1] },
      { g: 500, c: [1] },
    ]);
    expect(render(m, { bucket: null, min: null, max: null, trim: 1 })._[0]._).toEqual([{ g: 750, c: [1] }]);
  });
  it('renders foreach groups as name / each_value / bucket and an empty result as a bare root', () => {
    const f: HistogramPartial = {
      root: [2],
      groups: [
        { each: 'ups', c: [1], values: [{ g: 100, c: [1] }] },
        { each: 'fedex', c: [2], values: [{ g: 0, c: [1] }, { g: 200, c: [1] }] },
      ],
    };
    expect(render(f, { bucket: 100, min: 0, max: 200 })).toEqual({
      _: [{ g: 'h', c: [2], _: [
        { g: 'ups', c: [1], _: [{ g: 200, c: [0] }, { g: 100, c: [1] }, { g: 0, c: [0] }] },
        { g: 'fedex', c: [2], _: [{ g: 200, c: [1] }, { g: 100, c: [0] }, { g: 0, c: [1] }] },
      ] }],
    });
    expect(render(mergeHistogramPartials([{ root: [0], groups: [] }]), { bucket: null, min: null, max: null })).toEqual({ _: [{ g: 'h', c: [0] }] });
  });
});
