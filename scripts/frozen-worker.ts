/**
 * A copy of the Worker that source edits cannot reach, for long benchmarks.
 *
 * `wrangler dev` watches every file of the bundle: a save anywhere in the source tree pauses its proxy
 * (requests, even /ping, wait), rebuilds, and restarts workerd with SIGKILL. A request in flight dies;
 * the proxy retries GETs from scratch and answers other methods with 503. If the save leaves a file
 * that does not build (an edit in progress), the proxy stays paused until a later save builds again,
 * which can be minutes. `frozenWorker()` bundles the current sources once (`wrangler deploy --dry-run`)
 * into a temporary directory, next to a copy of wrangler.toml that points at the bundle with
 * `no_bundle = true`; `wrangler dev --config <that file>` then serves and watches only the copy.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

export interface FrozenWorker {
  /** Extra `wrangler dev` arguments (for startServer's `args`). */
  args: string[];
  dispose(): void;
}

export function frozenWorker(): FrozenWorker {
  const dir = mkdtempSync(join(tmpdir(), 'edgeset-frozen-'));
  const build = spawnSync(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outdir', dir], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: 'true' },
    encoding: 'utf8',
  });
  if (build.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`bundling the Worker failed:\n${build.stdout}\n${build.stderr}`);
  }
  const config = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  if (!/^main = .*$/m.test(config)) throw new Error('wrangler.toml has no main = line');
  writeFileSync(join(dir, 'wrangler.toml'), config.replace(/^main = .*$/m, 'main = "index.js"\nno_bundle = true'));
  return {
    args: ['--config', join(dir, 'wrangler.toml')],
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
