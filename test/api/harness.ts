/**
 * Spawns a real `wrangler dev` (Worker + Durable Objects in workerd) for API tests: free port, temporary
 * persistence directory, waits for GET /ping, and kills the whole process group on stop so no workerd
 * outlives the test file. `restart()` reuses the same persistence directory (durability tests).
 *
 * Usage in a test file:
 *   const srv = await startServer();          // in beforeAll
 *   const r = await srv.post('/v1/insert/t', events);
 *   await srv.stop();                          // in afterAll
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const STARTUP_TIMEOUT_MS = 90_000;

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Server {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly persistDir: string;
  /** Process group of the running wrangler (and its workerd children), or null while stopped. */
  readonly processGroup: number | null;
  /** Everything wrangler printed so far (for diagnosing failures). */
  log(): string;
  stop(): Promise<void>;
  /** Stops and starts the runtime again on the same persistence directory and port. */
  restart(): Promise<void>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  get<T = any>(path: string): Promise<JsonResponse<T>>;
  del<T = any>(path: string): Promise<JsonResponse<T>>;
  put<T = any>(path: string, body?: unknown): Promise<JsonResponse<T>>;
  /** JSON-encodes `body` unless it is already a string (sent as-is, for malformed-body tests). */
  post<T = any>(path: string, body?: unknown, contentType?: string): Promise<JsonResponse<T>>;
}

export interface StartOptions {
  /** Reuse a directory (e.g. to inspect it afterwards); by default a fresh temp dir removed on stop. */
  persistDir?: string;
  /** Extra `--var KEY:VALUE` bindings. */
  vars?: Record<string, string>;
  /** Extra `wrangler dev` flags, e.g. `--test-scheduled` (exposes GET /__scheduled). */
  args?: string[];
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test runner dies without afterAll: never leave workerd running.
  const killAll = (): void => {
    for (const child of live) killGroup(child, 'SIGKILL');
  };
  process.on('exit', killAll);
  // A signal skips 'exit'; kill the groups, then re-raise so the signal still ends this process as usual.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Group already gone.
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function wranglerEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    NO_COLOR: '1',
    CI: 'true',
  };
}

async function waitForPing(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`wrangler dev exited early (code ${child.exitCode}):\n${output()}`);
    }
    try {
      const r = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2_000) });
      if (r.ok) {
        await r.text();
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`wrangler dev did not answer /ping within ${STARTUP_TIMEOUT_MS} ms:\n${output()}`);
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((res) => {
    const t = setTimeout(() => res(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      res(true);
    });
  });
}

export async function startServer(opts: StartOptions = {}): Promise<Server> {
  installExitHook();
  const ownsDir = opts.persistDir === undefined;
  const persistDir = opts.persistDir ?? mkdtempSync(join(tmpdir(), 'edgeset-test-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let output = '';

  const launch = async (): Promise<void> => {
    const inspectorPort = await freePort();
    const args = [
      WRANGLER, 'dev',
      '--ip', '127.0.0.1',
      '--port', String(port),
      '--inspector-port', String(inspectorPort),
      '--persist-to', persistDir,
      '--show-interactive-dev-session=false',
      '--log-level', 'warn',
    ];
    for (const [k, v] of Object.entries(opts.vars ?? {})) args.push('--var', `${k}:${v}`);
    args.push(...(opts.args ?? []));
    // process.execPath is the Node 22 that runs vitest; detached gives wrangler its own process group.
    const proc = spawn(process.execPath, args, { cwd: ROOT, env: wranglerEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    live.add(proc);
    proc.on('exit', () => live.delete(proc));
    proc.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
    proc.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
    try {
      await waitForPing(url, proc, () => output);
    } catch (e) {
      await halt();
      throw e;
    }
  };

  const halt = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc) return;
    killGroup(proc, 'SIGTERM');
    if (!(await waitForExit(proc, 5_000))) {
      killGroup(proc, 'SIGKILL');
      await waitForExit(proc, 5_000);
    }
    // workerd children may linger briefly after wrangler exits: sweep the group once more.
    killGroup(proc, 'SIGKILL');
    live.delete(proc);
  };

  const doFetch = (path: string, init?: RequestInit): Promise<Response> => fetch(url + path, init);

  const json = async <T>(r: Response): Promise<JsonResponse<T>> => {
    const text = await r.text();
    let body: any;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: r.status, body: body as T, headers: r.headers };
  };

  const encode = (body: unknown): string | undefined =>
    body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);

  await launch();

  return {
    url,
    persistDir,
    get processGroup() {
      return (child as ChildProcess | null)?.pid ?? null;
    },
    log: () => output,
    async stop() {
      await halt();
      if (ownsDir) rmSync(persistDir, { recursive: true, force: true });
    },
    async restart() {
      await halt();
      await launch();
    },
    fetch: doFetch,
    get: async (path) => json(await doFetch(path)),
    del: async (path) => json(await doFetch(path, { method: 'DELETE' })),
    put: async (path, body) =>
      json(await doFetch(path, { method: 'PUT', body: encode(body), headers: body === undefined ? {} : { 'content-type': 'application/json' } })),
    post: async (path, body, contentType = 'application/json') =>
      json(await doFetch(path, { method: 'POST', body: encode(body), headers: { 'content-type': contentType } })),
  };
}
