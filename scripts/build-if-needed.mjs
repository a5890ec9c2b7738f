// Builds the project unless dist/ is already newer than every source file, so `npm start` is fast after the first run.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['src', 'migrations', 'bench'];
const marker = 'dist/src/main.js';

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const sourcesChanged = !existsSync(marker) || roots.some((root) => newestMtime(root) > statSync(marker).mtimeMs);
const configChanged = existsSync(marker) && ['package.json', 'tsconfig.json', 'tsconfig.build.json'].some(
  (f) => statSync(f).mtimeMs > statSync(marker).mtimeMs,
);
if (sourcesChanged || configChanged) {
  console.log('[build] compiling TypeScript (dist/ is missing or older than the sources)…');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
