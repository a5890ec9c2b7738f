// Runs once per `npm test`: initialises one pristine embedded (PGlite) data directory that each test database copies.
// initdb in WebAssembly takes several seconds; copying the result takes milliseconds.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

export default async function globalSetup() {
  const dir = mkdtempSync(join(tmpdir(), 'jv-pglite-template-'));
  const pglite = await PGlite.create(dir);
  await pglite.query('SELECT 1');
  await pglite.close();
  process.env.JV_PGLITE_TEMPLATE = dir;
}
