#!/usr/bin/env node
/**
 * `npm start [-- wrangler dev flags]`: runs `wrangler dev` on 127.0.0.1:8787 with local persistence in
 * .wrangler/state and telemetry off. Flags given by the user replace the defaults instead of being
 * repeated, so `npm start -- --port 9000 --persist-to /tmp/x` runs a second node side by side.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const defaults = [['--ip', '127.0.0.1'], ['--port', '8787'], ['--persist-to', '.wrangler/state']];
const user = process.argv.slice(2);

/** True when the user passed `flag` as `--flag value` or `--flag=value`. */
const given = (flag) => user.some((a) => a === flag || a.startsWith(flag + '='));

const args = [join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), 'dev'];
for (const [flag, value] of defaults) if (!given(flag)) args.push(flag, value);
args.push(...user);

const child = spawn(process.execPath, args, {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
