import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportedSeriesNames, metricNamesIn } from './promql.js';

const root = join(import.meta.dirname, '..', '..');
const dashboardPath = join(root, 'deploy', 'grafana', 'dashboards', 'recstream.json');

interface Target {
  expr?: string;
  refId?: string;
  datasource?: { uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Target[];
  datasource?: { uid?: string };
  gridPos?: object;
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; definition?: string }> };
}

const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8')) as Dashboard;
const dataPanels = dashboard.panels.filter((p) => p.type !== 'row');
const exprs = dataPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr ?? '' })));

let exported: Set<string>;
beforeAll(async () => {
  exported = await exportedSeriesNames();
});

describe('PromQL metric-name extraction', () => {
  it('finds metric names and ignores functions, labels, ranges, groupings and variables', () => {
    const expr =
      'histogram_quantile(0.99, sum by (le, instance) (rate(recstream_event_to_push_seconds_bucket{job="recstream",instance=~"$instance"}[$__rate_interval]))) ' +
      '/ on() group_left sum(recstream_consumer_lag offset 30m) > 1e3 and up';
    expect(metricNamesIn(expr).sort()).toEqual(['recstream_consumer_lag', 'recstream_event_to_push_seconds_bucket', 'up']);
  });
});

describe('Grafana dashboard', () => {
  it('has data panels, each with at least one PromQL target and a unique id', () => {
    expect(dataPanels.length).toBeGreaterThan(10);
    for (const panel of dataPanels) {
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
      for (const t of panel.targets ?? []) expect(t.expr?.trim().length ?? 0, panel.title).toBeGreaterThan(0);
    }
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('queries only series the engine exports', () => {
    const unknown = exprs.flatMap(({ panel, expr }) =>
      metricNamesIn(expr)
        .filter((n) => !exported.has(n))
        .map((n) => `${panel}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('reads its instance variable from an exported metric', () => {
    const instance = dashboard.templating.list.find((v) => v.name === 'instance');
    const source = /label_values\((\w+)/.exec(instance?.definition ?? '')?.[1];
    expect(source !== undefined && exported.has(source)).toBe(true);
  });

  it('covers throughput, lag, latency, dead letters, WebSocket, model quality and memory', () => {
    const used = new Set(exprs.flatMap(({ expr }) => metricNamesIn(expr)));
    for (const name of [
      'recstream_events_total',
      'recstream_consumer_lag',
      'recstream_event_to_push_seconds_bucket',
      'recstream_event_processing_seconds_bucket',
      'recstream_dlq_total',
      'recstream_ws_connections',
      'recstream_ws_subscriptions',
      'recstream_ws_dropped_total',
      'recstream_prequential_recall',
      'recstream_ranker_logloss',
      'recstream_model_users',
      'recstream_model_items',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect(used.has(name), name).toBe(true);
  });

  it('uses the provisioned Prometheus datasource', () => {
    const provisioning = readFileSync(join(root, 'deploy', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8');
    const uid = /^\s*uid:\s*(\S+)\s*$/m.exec(provisioning)?.[1];
    expect(uid).toBeDefined();
    for (const panel of dataPanels) {
      expect(panel.datasource?.uid, panel.title).toBe(uid);
      for (const t of panel.targets ?? []) expect(t.datasource?.uid, panel.title).toBe(uid);
    }
  });
});

describe('alert rules', () => {
  it("read only series the engine exports, or Prometheus's own up", () => {
    const rules = readFileSync(join(root, 'deploy', 'prometheus', 'alerts.yml'), 'utf8');
    const ruleExprs = [...rules.matchAll(/^\s+expr:\s*(.+)$/gm)].map((m) => m[1]);
    expect(ruleExprs.length).toBeGreaterThan(5);
    const unknown = ruleExprs.flatMap((e) => metricNamesIn(e).filter((n) => n !== 'up' && !exported.has(n)));
    expect(unknown).toEqual([]);
  });
});
