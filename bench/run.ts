// Runs one benchmark by name: `npm run bench -- mcp-client` runs dist/bench/mcp-client.bench.js.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const available = readdirSync(fileURLToPath(new URL('.', import.meta.url)))
  .filter((file) => file.endsWith('.bench.js'))
  .map((file) => file.replace(/\.bench\.js$/, ''));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name>\navailable: ${available.join(', ')}\n`);
  process.exit(2);
}
await import(`./${name}.bench.js`);
