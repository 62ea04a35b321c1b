import { rmSync } from 'node:fs';
import { serverState } from './state';

export default async function globalTeardown(): Promise<void> {
  const s = serverState();
  try {
    process.kill(s.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  await new Promise((r) => setTimeout(r, 500));
  if (!process.env.E2E_KEEP) rmSync(s.dir, { recursive: true, force: true });
}
