/**
 * Starts the Worker locally through wrangler's programmatic dev API (the same runtime `wrangler dev`
 * runs) and exposes two addresses for it: `proxyUrl`, the port `wrangler dev` serves (a proxy workerd
 * process in front of the runtime, which adds a hop of several milliseconds per request on a small
 * machine), and `directUrl`, the runtime's own socket, which is what a deployed Worker's latency is
 * comparable to. Benchmarks report both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unstable_DevEnv as DevEnv } from 'wrangler';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STARTUP_TIMEOUT_MS = 90_000;

export interface DevRuntime {
  /** Through wrangler's dev proxy (what `npm start` serves). */
  readonly proxyUrl: string;
  /** The runtime's own socket (no proxy hop). */
  readonly directUrl: string;
  readonly persistDir: string;
  stop(): Promise<void>;
}

interface UserWorkerUrl {
  protocol: string;
  hostname: string;
  port: string;
}

/** `persistDir` is kept; without it a temporary directory is used and removed by `stop()`. */
export async function startDevRuntime(persistDir?: string): Promise<DevRuntime> {
  process.env.WRANGLER_SEND_METRICS = 'false';
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
  const ownsDir = persistDir === undefined;
  const dir = persistDir ?? mkdtempSync(join(tmpdir(), 'edgeset-bench-'));
  const dev = new DevEnv();
  // The runtime's address is only announced to the proxy (in the reload event); listen in.
  let user: UserWorkerUrl | null = null;
  const onReloadComplete = dev.proxy.onReloadComplete.bind(dev.proxy);
  dev.proxy.onReloadComplete = (event) => {
    user = event.proxyData.userWorkerUrl;
    onReloadComplete(event);
  };
  const worker = await dev.startWorker({
    config: join(ROOT, 'wrangler.toml'),
    dev: { persist: dir, server: { hostname: '127.0.0.1', port: 0 }, inspector: false, watch: false, logLevel: 'warn' },
  });
  await worker.ready;
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (user === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const found = user as UserWorkerUrl | null;
  if (found === null) {
    await worker.dispose();
    throw new Error('the dev runtime did not report its address');
  }
  const proxyUrl = (await worker.url).origin;
  return {
    proxyUrl,
    directUrl: `${found.protocol}//${found.hostname}:${found.port}`,
    persistDir: dir,
    async stop() {
      await worker.dispose();
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
