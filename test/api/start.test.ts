import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './harness.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
let child: ChildProcess | null = null;
let dir = '';

afterEach(async () => {
  if (child?.pid !== undefined) {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  child = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function ping(url: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url + '/ping');
      if (r.ok) return (await r.json() as { pong: boolean }).pong;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

describe('npm start wrapper (scripts/start.mjs)', () => {
  it('passes --port and --persist-to through instead of the 8787/.wrangler/state defaults', async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgeset-start-'));
    const port = await freePort();
    const inspector = await freePort();
    child = spawn(process.execPath, ['scripts/start.mjs', `--port=${port}`, '--persist-to', dir, '--inspector-port', String(inspector), '--show-interactive-dev-session=false'], {
      cwd: ROOT, detached: true, stdio: 'ignore', env: { ...process.env, CI: 'true' },
    });
    expect(await ping(`http://127.0.0.1:${port}`, 90_000)).toBe(true);
    const init = await fetch(`http://127.0.0.1:${port}/v1/cluster/init?partitions=2`, { method: 'PUT' });
    expect(init.status).toBe(200);
    expect(existsSync(join(dir, 'v3', 'do'))).toBe(true);
  });
});
