/**
 * `GET /v1/table/{table}/export`: one Parquet file of the whole table (all partitions, people in
 * partition order, each person's rows in stored order), in the snapshot layout without the internal
 * `__event_hash` column (see shards/snapshot/parquet-schema.ts).
 *
 * - Default: the file is streamed as the response body (`application/vnd.apache.parquet`); the
 *   Worker pulls bounded slices of whole people from each shard and encodes them as row groups, so
 *   memory stays at one slice whatever the table size.
 * - `?to=r2[&part_size=BYTES]`: the file is written to R2 at `exports/<table>/<table>-<time>.parquet` (multipart when large) and
 *   the response is `{"key", "rows", "bytes", "parts"}`; that key can be fed back to
 *   `POST /v1/insert/{table}` as `{"r2_key": ...}`.
 * A table receiving inserts while it is exported may show a person's newest rows or not: slices are
 * read one after another, not from one frozen moment (a snapshot is per-partition consistent).
 */
import type { Outcome } from '../../lang/errors.ts';
import type { TableSchema } from '../../lang/schema.ts';
import { ParquetTableEncoder } from '../../shards/snapshot/parquet-encode.ts';
import type { RowSource } from '../../shards/snapshot/parquet-encode.ts';
import { writeParquetObject } from '../../shards/snapshot/parquet-object.ts';
import type { WrittenFile } from '../../shards/snapshot/parquet-object.ts';
import { DEFAULT_PART_BYTES } from '../../shards/snapshot/r2-upload.ts';
import { fail } from '../errors.ts';
import { partBytes } from './admin.ts';
import { errorFromBody } from '../fanout.ts';
import { PARQUET_CONTENT_TYPE } from '../ingest/parquet.ts';
import type { RouteContext, RouteDef } from '../route.ts';

/** Rows asked of a shard per call: whole people, so a slice may be somewhat larger. */
export const EXPORT_SLICE_ROWS = 20_000;

export type SliceFetcher = (partition: number, firstPerson: number, maxRows: number) => Promise<Outcome<{ source: RowSource; nextPerson: number | null }>>;

async function writeAll(partitions: number, fetchSlice: SliceFetcher, encoder: ParquetTableEncoder, sliceRows: number): Promise<void> {
  for (let p = 0; p < partitions; p++) {
    let next: number | null = 0;
    while (next !== null) {
      const o = await fetchSlice(p, next, sliceRows);
      if (!o.ok) throw errorFromBody(o.error);
      await encoder.write(o.value.source);
      next = o.value.nextPerson;
    }
  }
}

export function exportFileName(table: string, now: Date): string {
  return `${table}-${now.toISOString().replace(/[-:]/g, '').replace('.', '')}.parquet`;
}

/** Stream the export as a response body, pulling one slice per read. */
export function exportStream(schema: TableSchema, partitions: number, fetchSlice: SliceFetcher, sliceRows = EXPORT_SLICE_ROWS): Response {
  const queue: Uint8Array[] = [];
  const encoder = new ParquetTableEncoder(schema, (b) => { if (b.length) queue.push(b); }, { withHash: false });
  let partition = 0;
  let next: number | null = 0;
  let finished = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (!queue.length && !finished) {
        if (partition >= partitions) {
          await encoder.finish();
          finished = true;
          break;
        }
        if (next === null) {
          partition++;
          next = 0;
          continue;
        }
        const o = await fetchSlice(partition, next, sliceRows);
        if (!o.ok) throw errorFromBody(o.error);
        await encoder.write(o.value.source);
        next = o.value.nextPerson;
      }
      const chunk = queue.shift();
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  });
  return new Response(body, {
    headers: {
      'content-type': PARQUET_CONTENT_TYPE,
      'content-disposition': `attachment; filename="${exportFileName(schema.name, new Date())}"`,
    },
  });
}

/** Write the export to R2 under `exports/<table>/`. */
export function exportToR2(
  schema: TableSchema,
  partitions: number,
  fetchSlice: SliceFetcher,
  bucket: R2Bucket,
  partBytes = DEFAULT_PART_BYTES,
  sliceRows = EXPORT_SLICE_ROWS,
): Promise<WrittenFile> {
  const key = `exports/${schema.name}/${exportFileName(schema.name, new Date())}`;
  return writeParquetObject(bucket, key, partBytes, schema, { withHash: false }, (encoder) => writeAll(partitions, fetchSlice, encoder, sliceRows));
}

async function exportTable(c: RouteContext): Promise<Response> {
  const schema = await c.cluster.schema(c.params.table);
  const partitions = await c.cluster.partitions();
  const fetchSlice: SliceFetcher = (p, firstPerson, maxRows) => c.cluster.shard(p).exportSlice(schema, firstPerson, maxRows);
  const to = c.url.searchParams.get('to');
  if (to === null) return exportStream(schema, partitions, fetchSlice);
  if (to !== 'r2') fail('config', 'bad_export_target', `to= accepts only 'r2' (or leave it out to download the file), got '${to}'`);
  const part = partBytes(c.url.searchParams.get('part_size'), c.env);
  return Response.json({ message: 'exported', ...(await exportToR2(schema, partitions, fetchSlice, c.env.SNAPSHOTS, part)) });
}

export const routes: RouteDef[] = [{ method: 'GET', path: '/v1/table/:table/export', handler: exportTable }];
