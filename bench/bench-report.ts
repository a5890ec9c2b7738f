// Shared by the benchmarks: a description of the machine, and writing one section of docs/benchmarks.md in place.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';

/** CPU model, count and architecture (from lscpu where available) and the Node version. */
export function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const lscpu = execFileSync('lscpu', { encoding: 'utf8' });
    const pick = (key: string): string | undefined =>
      lscpu
        .split('\n')
        .find((line) => line.startsWith(`${key}:`))
        ?.split(':')[1]
        ?.trim();
    model = `${pick('Model name') ?? model}, ${pick('CPU(s)') ?? cpus().length} CPU(s), ${pick('Architecture') ?? ''}`;
  } catch {
    // lscpu is Linux-only; os.cpus() is enough elsewhere.
  }
  return `${model}; Node ${process.version}`;
}

/** Replaces the section that starts with `heading` (up to the next `## `) in docs/benchmarks.md, or appends it. */
export function writeBenchmarkSection(heading: string, markdown: string): void {
  const path = resolve(process.cwd(), 'docs/benchmarks.md');
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(heading);
  let next: string;
  if (start === -1) {
    next = `${current.trimEnd()}\n\n${markdown.trim()}\n`;
  } else {
    const rest = current.slice(start + heading.length);
    const end = rest.search(/\n## /);
    next = `${current.slice(0, start)}${markdown.trim()}\n${end === -1 ? '' : rest.slice(end)}`;
  }
  writeFileSync(path, next);
  console.log(`updated ${path}`);
}
