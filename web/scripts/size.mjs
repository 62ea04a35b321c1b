// Fails when the widget bundle exceeds its budget: 150 KB gzipped.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 150 * 1024;
const file = new URL('../dist/widget.js', import.meta.url);
const raw = readFileSync(file);
const gz = gzipSync(raw, { level: 9 }).length;
console.log(`widget.js: ${(raw.length / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gzipped (budget 150 KB)`);
if (gz > BUDGET) {
  console.error('widget.js is over its size budget');
  process.exit(1);
}
