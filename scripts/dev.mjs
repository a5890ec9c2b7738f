// Development loop: the TypeScript compiler in watch mode plus Node's own --watch on the compiled entry point.
import { spawn } from 'node:child_process';

const tsc = spawn(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--watch', '--preserveWatchOutput'], {
  stdio: 'inherit',
});
const app = spawn(process.execPath, ['--enable-source-maps', '--watch', 'dist/src/main.js'], {
  stdio: 'inherit',
  env: { NODE_ENV: 'development', ...process.env },
});
const stop = () => {
  tsc.kill('SIGTERM');
  app.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
