// Shared by the benchmarks: a CPU profile of one phase of a run, summarised by where the time was spent.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  where: string;
  ms: number;
  share: number;
}

/** Starts sampling this process; `stop` ends it, writes the profile (for DevTools) and returns the summary. */
export async function startCpuProfile(): Promise<{ stop(file: string): Promise<CpuProfileSummary> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 0.5 ms between samples: fine enough for steps of a few milliseconds, coarse enough to cost little.
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    async stop(file: string): Promise<CpuProfileSummary> {
      const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
      session.disconnect();
      writeFileSync(file, JSON.stringify(profile));
      return summarise(profile);
    },
  };
}

export interface CpuProfileSummary {
  /** Sampled busy time (idle excluded), ms. */
  busyMs: number;
  /** Self time by package (node_modules), by our source directory, or by runtime category. */
  byArea: ProfileRow[];
  /** Self time by function, the heaviest first. */
  byFunction: ProfileRow[];
}

/** The package or source area a frame belongs to: `pg`, `typeorm`, `src/common/mcp`, `(gc)`, `node:internal`. */
function area(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(program)') return '(program: native, compiler)';
    return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? url);
  }
  const source = /\/dist\/((?:src|bench)\/(?:common|modules|sandbox)?\/?[^/]+)/.exec(url);
  if (source?.[1]) return source[1].replace(/\.js$/, '');
  if (url.startsWith('node:internal/deps/')) return url.slice('node:internal/deps/'.length).split('/')[0] ?? url;
  if (url.startsWith('node:internal/'))
    return `node:internal/${url.slice('node:internal/'.length).split('/')[0] ?? ''}`;
  return url;
}

export function summarise(profile: Profile): CpuProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    busyUs += us;
    const where = area(node.callFrame);
    areas.set(where, (areas.get(where) ?? 0) + us);
    const name = `${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const rows = (map: Map<string, number>): ProfileRow[] =>
    [...map]
      .map(([where, us]) => ({ where, ms: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }))
      .sort((a, b) => b.ms - a.ms);
  return { busyMs: busyUs / 1000, byArea: rows(areas), byFunction: rows(functions) };
}

/** A markdown table of the first `limit` rows, with ms per unit of work (e.g. per run) when `units` is given. */
export function profileTable(rows: ProfileRow[], limit: number, units: number, unitLabel: string): string {
  return [
    `| where | self ms per ${unitLabel} | share |`,
    '| --- | ---: | ---: |',
    ...rows
      .slice(0, limit)
      .map((row) => `| ${row.where} | ${(row.ms / units).toFixed(2)} | ${(row.share * 100).toFixed(1)} % |`),
  ].join('\n');
}
