/**
 * The alert rules (deploy/prometheus) and the Grafana dashboard (deploy/grafana) against the running service:
 * `promtool test rules` must pass (it is a CI requirement: .ci/run installs Debian's `prometheus` package for it, and
 * a missing promtool fails here), and every metric the rules and the dashboard query must be one /metrics exports.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { startTestApp, type TestApp } from '../support/test-app.js';

const root = join(import.meta.dirname, '..', '..');
const prometheusDir = join(root, 'deploy', 'prometheus');
const grafanaDir = join(root, 'deploy', 'grafana');

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** Metric names a PromQL expression selects: identifiers left after removing strings, matchers, ranges and groupings. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const [, name, call] of stripped.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)) {
    if (!name || call || PROMQL_WORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

interface RuleFile {
  groups: { name: string; rules: { alert?: string; expr: string }[] }[];
}

function alertExpressions(): { alert: string; expr: string }[] {
  return readdirSync(prometheusDir)
    .filter((file) => /\.ya?ml$/.test(file) && !file.includes('.test.'))
    .flatMap((file) => (parse(readFileSync(join(prometheusDir, file), 'utf8')) as RuleFile).groups)
    .flatMap((group) => group.rules.map((rule) => ({ alert: rule.alert ?? '(recording)', expr: rule.expr })));
}

function dashboardExpressions(): { panel: string; expr: string }[] {
  return readdirSync(grafanaDir)
    .filter((file) => file.endsWith('.json'))
    .flatMap((file) => {
      const dashboard = JSON.parse(readFileSync(join(grafanaDir, file), 'utf8')) as {
        panels: { title: string; targets?: { expr?: string }[] }[];
      };
      return dashboard.panels.flatMap((panel) =>
        (panel.targets ?? []).flatMap((target) => (target.expr ? [{ panel: panel.title, expr: target.expr }] : [])),
      );
    });
}

describe('alert rules and dashboard (deploy/prometheus, deploy/grafana)', () => {
  it('pass promtool test rules', async () => {
    const tests = readdirSync(prometheusDir).filter((file) => file.endsWith('.test.yml'));
    expect(tests.length).toBeGreaterThan(0);
    // A missing promtool is a failure, not a skip: .ci/run installs it (Debian package `prometheus`).
    const { stdout } = await promisify(execFile)('promtool', ['test', 'rules', ...tests], { cwd: prometheusDir });
    expect(stdout).toContain('SUCCESS');
  });

  it('every alert named in the rules has a unit test', () => {
    const tested = readdirSync(prometheusDir)
      .filter((file) => file.endsWith('.test.yml'))
      .map((file) => readFileSync(join(prometheusDir, file), 'utf8'))
      .join('\n');
    for (const { alert } of alertExpressions()) expect(tested).toContain(`alertname: ${alert}\n`);
  });

  it('finds metric names in PromQL, not functions, labels or keywords', () => {
    expect(
      metricNames('sum by (server) (rate(mcp_calls_total{outcome=~"a|b"}[5m])) / on(server) max(mcp_server_up) > 0.1'),
    ).toEqual(['mcp_calls_total', 'mcp_server_up']);
    expect(metricNames('time() - max by (stream) (jetvision_sync_last_success_timestamp_seconds) > 2 * 900')).toEqual([
      'jetvision_sync_last_success_timestamp_seconds',
    ]);
  });

  describe('against the running service', () => {
    let t: TestApp;
    let exported: Set<string>;

    beforeAll(async () => {
      t = await startTestApp();
      const response = await t.request('/metrics', { auth: false });
      expect(response.status).toBe(200);
      exported = new Set<string>();
      // Every registered metric has a TYPE line, with or without samples yet; histograms add their series names.
      for (const [, name, type] of (await response.text()).matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        if (!name) continue;
        exported.add(name);
        if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(name + suffix);
      }
    });

    afterAll(async () => {
      await t.close();
    });

    it('exports every metric the alert rules use', () => {
      const expressions = alertExpressions();
      expect(expressions.length).toBeGreaterThanOrEqual(7);
      for (const { alert, expr } of expressions) {
        const names = metricNames(expr);
        expect(names.length).toBeGreaterThan(0);
        expect({ alert, missing: names.filter((name) => !exported.has(name)) }).toEqual({ alert, missing: [] });
      }
    });

    it('exports every metric the dashboard queries', () => {
      const expressions = dashboardExpressions();
      expect(expressions.length).toBeGreaterThan(0);
      for (const { panel, expr } of expressions) {
        const names = metricNames(expr);
        expect(names.length).toBeGreaterThan(0);
        expect({ panel, missing: names.filter((name) => !exported.has(name)) }).toEqual({ panel, missing: [] });
      }
    });
  });
});
