// Builds the project unless dist/ is already newer than every source file, so `npm start` is fast after the first run.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['src', 'migrations', 'bench'];
const marker = 'dist/src/main.js';
// The console bundle (vite) is built by the same `npm run build`; missing, it forces a build too.
const consoleMarker = 'dist/console/index.html';

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const newer = (dirs, than) => !existsSync(than) || dirs.some((dir) => newestMtime(dir) > statSync(than).mtimeMs);
const configs = ['package.json', 'tsconfig.json', 'tsconfig.build.json'];
const serverStale = newer(roots, marker) || configs.some((f) => statSync(f).mtimeMs > statSync(marker).mtimeMs);
const consoleStale = newer(['console'], consoleMarker) || statSync('package.json').mtimeMs > statSync(consoleMarker).mtimeMs;
if (serverStale) {
  console.log('[build] compiling TypeScript (dist/ is missing or older than the sources)…');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
if (consoleStale) {
  console.log('[build] bundling the console (dist/console is missing or older than console/)…');
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'console/vite.config.mjs'], {
    stdio: 'inherit',
  });
}
