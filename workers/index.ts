export { PartitionShard } from '../shards/partition.ts';
export { Sentinel } from '../shards/sentinel.ts';
export interface Env { PARTITIONS: DurableObjectNamespace; SENTINEL: DurableObjectNamespace; SNAPSHOTS: R2Bucket; CLUSTER_SECRET: string }
export default {
  async fetch(_req: Request, _env: Env): Promise<Response> {
    return Response.json({ pong: true });
  },
} satisfies ExportedHandler<Env>;
