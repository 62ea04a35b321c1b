// What global setup learnt about the server it started, shared with the tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export interface ServerState {
  pid: number;
  dir: string;
  baseUrl: string;
  tenant: string;
  email: string;
  password: string;
  apiKey: string;
  widgetKey: string;
}

export const STATE_FILE = join(tmpdir(), `concierge-e2e-${process.env.USER ?? 'user'}.json`);

export function serverState(): ServerState {
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as ServerState;
}
