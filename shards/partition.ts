import { DurableObject } from 'cloudflare:workers';
export class PartitionShard extends DurableObject {
  async bump(): Promise<number> {
    this.ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS t (v INTEGER)');
    this.ctx.storage.sql.exec('INSERT INTO t VALUES (1)');
    return this.ctx.storage.sql.exec('SELECT count(*) AS c FROM t').one().c as number;
  }
}
