import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { startServer, type Server } from './harness.ts';

/** Live (non-zombie) processes of a group; dead workerd children may stay as zombies under a non-reaping init. */
function groupAlive(pgid: string): boolean {
  const out = execFileSync('ps', ['-eo', 'pgid=,stat='], { encoding: 'utf8' });
  return out.split('\n').some((l) => {
    const [g, stat] = l.trim().split(/\s+/);
    return g === pgid && !stat.startsWith('Z');
  });
}

describe('test harness', () => {
  let srv: Server;
  beforeAll(async () => { srv = await startServer(); });
  afterAll(async () => { await srv?.stop(); });

  it('serves /ping, restarts on the same port, and leaves no process behind', async () => {
    expect((await srv.get('/ping')).body).toEqual({ pong: true });
    await srv.restart();
    expect((await srv.get('/ping')).status).toBe(200);
    const pids = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' })
      .split('\n').filter((l) => l.includes(srv.persistDir) && !l.includes('ps -eo'));
    expect(pids.length).toBeGreaterThan(0);
    const pgid = pids[0].trim().split(/\s+/)[1];
    await srv.stop();
    expect(groupAlive(pgid)).toBe(false);
  });
});
