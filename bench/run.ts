// Runs one benchmark by name: `npm run bench -- mcp-client` runs dist/bench/mcp-client.bench.js.
// `npm run bench -- all` runs every benchmark in turn, each in its own process at the small sizes below (a smoke run of
// the whole suite in a few minutes; the documented numbers come from the full-size runs), and ends with each one's
// target lines (met / not met). The webhook intake and the sync run at the sizes their targets are stated for (a
// 10,000-event burst, 100,000 contacts), which they reach in well under a minute each. Sizes already set in the
// environment win.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const available = readdirSync(here)
  .filter((file) => file.endsWith('.bench.js'))
  .map((file) => file.replace(/\.bench\.js$/, ''))
  .sort();

/** The sizes `all` runs each benchmark at. */
const SMALL: Record<string, Record<string, string>> = {
  'mcp-client': { BENCH_CALLS: '500', BENCH_PER_CALL_CALLS: '100', BENCH_ROUNDS: '2' },
  'mcp-soak': { BENCH_SOAK_CALLS: '2000' },
  pipeline: { BENCH_LEADS: '200' },
  'pipeline-burst': { BENCH_BURST: '200' },
  sync: { BENCH_CONTACTS: '100000' },
  'webhook-intake': { BENCH_REQUESTS: '10000' },
};

interface Outcome {
  name: string;
  code: number | null;
  seconds: number;
  targets: string[];
}

function runOne(name: string): Promise<Outcome> {
  const started = Date.now();
  const env: NodeJS.ProcessEnv = { ...SMALL[name], ...process.env };
  const child = spawn(process.execPath, ['--expose-gc', `${here}${name}.bench.js`], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const targets: string[] = [];
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    process.stdout.write(chunk);
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (/\b(not met|met)\b/.test(line) && !line.startsWith('{')) targets.push(line.trim());
  });
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve({ name, code, seconds: (Date.now() - started) / 1000, targets }));
  });
}

const name = process.argv[2];
if (name === 'all') {
  const outcomes: Outcome[] = [];
  for (const bench of available) {
    process.stdout.write(`\n=== ${bench} ===\n`);
    outcomes.push(await runOne(bench));
  }
  const total = outcomes.reduce((sum, o) => sum + o.seconds, 0);
  process.stdout.write(`\n=== all: ${outcomes.length} benchmarks in ${total.toFixed(0)} s ===\n`);
  for (const o of outcomes) {
    process.stdout.write(`${o.name}: ${o.code === 0 ? 'ok' : `FAILED (exit ${o.code})`}, ${o.seconds.toFixed(0)} s\n`);
    for (const target of o.targets) process.stdout.write(`  ${target}\n`);
  }
  process.exitCode = outcomes.every((o) => o.code === 0) ? 0 : 1;
} else if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name>|all\navailable: ${available.join(', ')}\n`);
  process.exit(2);
} else {
  await import(`./${name}.bench.js`);
}
