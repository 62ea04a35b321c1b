// Fails when src/shared/api/schema.d.ts is not what `npm run api` makes from
// openapi.json (which a Rust test keeps equal to the server's /openapi.json):
// the typed client must describe the API the server actually has.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'concierge-api-'));
try {
  const out = join(dir, 'schema.d.ts');
  execFileSync(join(web, 'node_modules/.bin/openapi-typescript'), ['./openapi.json', '-o', out], {
    cwd: web,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const fresh = readFileSync(out, 'utf8');
  const committed = readFileSync(join(web, 'src/shared/api/schema.d.ts'), 'utf8');
  if (fresh !== committed) {
    console.error('api: src/shared/api/schema.d.ts is stale; run `npm run api` in web/ and commit it');
    process.exit(1);
  }
  console.log('api: the typed client matches openapi.json');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
