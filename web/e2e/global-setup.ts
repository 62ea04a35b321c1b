// Starts `concierge serve` in a scratch directory on a free port, reads the
// first-start credentials it prints (tenant, admin email and password, API
// key, widget key), waits for readiness and records it all for the tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATE_FILE, type ServerState } from './state';

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => ok(port));
    });
  });
}

export default async function globalSetup(): Promise<void> {
  const bin = resolve(process.env.E2E_SERVER_BIN ?? join(dirname(fileURLToPath(import.meta.url)), '../../target/debug/concierge'));
  const dir = mkdtempSync(join(tmpdir(), 'concierge-e2e-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const log = openSync(join(dir, 'server.log'), 'a');
  const child = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`], {
    cwd: dir,
    // Only our own settings reach the server: every CONCIERGE_* variable is
    // configuration to it, and unknown keys are refused.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CONCIERGE_'))), RUST_LOG: process.env.RUST_LOG ?? 'warn' },
    stdio: ['ignore', 'pipe', log],
    detached: false,
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + 180_000;
  const field = (name: string) => new RegExp(`^\\s*${name}\\s+(\\S+)\\s*$`, 'm').exec(out)?.[1];
  for (;;) {
    if (child.exitCode !== null) throw new Error(`concierge exited (${child.exitCode}); see ${dir}/server.log\n${out}`);
    if (Date.now() > deadline) throw new Error(`concierge did not start in time; see ${dir}/server.log\n${out}`);
    if (field('widget key')) {
      try {
        const r = await fetch(`${baseUrl}/health/ready`);
        if (r.ok) break;
      } catch {
        // not listening yet
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.stdout!.removeAllListeners('data');
  child.stdout!.resume();
  const state: ServerState = {
    pid: child.pid ?? 0,
    dir,
    baseUrl,
    tenant: field('tenant') ?? 'demo',
    email: field('email') ?? '',
    password: field('password') ?? '',
    apiKey: field('API key') ?? '',
    widgetKey: field('widget key') ?? '',
  };
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
  process.env.E2E_BASE_URL = baseUrl;
}
