import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/metrics.js';

const root = join(import.meta.dirname, '..', '..');

/** name → type from the `# TYPE` lines of a scrape. */
function types(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1], m[2]);
  return out;
}

/** Label names used on the samples of one series name. */
function labelNames(text: string, name: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(new RegExp(`^${name}\\{([^}]*)\\}`, 'gm'))) {
    for (const pair of m[1].matchAll(/(\w+)="/g)) names.add(pair[1]);
  }
  return [...names].sort();
}

describe('metric catalogue', () => {
  it('exports the catalogue of docs/METRICS.md with its types and labels', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.eventsTotal.inc({ topic: 'clickstream', type: 'view', outcome: 'applied' });
    metrics.consumerLag.set({ topic: 'clickstream', partition: '0' }, 3);
    metrics.dlqTotal.inc({ reason: 'undecodable' });
    metrics.recommendationsTotal.inc({ sink: 'websocket' });
    metrics.prequentialRecall.set({ k: '10' }, 0.25);
    metrics.wsDroppedTotal.inc({ reason: 'coalesced' });
    const text = await metrics.registry.metrics();
    const t = types(text);
    const expected: Record<string, string> = {
      recstream_events_total: 'counter',
      recstream_event_processing_seconds: 'histogram',
      recstream_event_to_push_seconds: 'histogram',
      recstream_consumer_lag: 'gauge',
      recstream_dlq_total: 'counter',
      recstream_recommendations_total: 'counter',
      recstream_ws_connections: 'gauge',
      recstream_ws_subscriptions: 'gauge',
      recstream_ws_dropped_total: 'counter',
      recstream_model_users: 'gauge',
      recstream_model_items: 'gauge',
      recstream_model_neighbor_entries: 'gauge',
      recstream_model_counter_entries: 'gauge',
      recstream_model_bytes: 'gauge',
      recstream_ranker_logloss: 'gauge',
      recstream_rls_rmse: 'gauge',
      recstream_prequential_recall: 'gauge',
      recstream_restore_seconds: 'histogram',
      recstream_checkpoint_seconds: 'histogram',
      recstream_rebalances_total: 'counter',
      recstream_lists_empty: 'gauge',
      recstream_lists_remade_total: 'counter',
      recstream_erasures_total: 'counter',
      recstream_ready: 'gauge',
    };
    for (const [name, type] of Object.entries(expected)) expect(t.get(name), name).toBe(type);
    expect(labelNames(text, 'recstream_events_total')).toEqual(['outcome', 'topic', 'type']);
    expect(labelNames(text, 'recstream_consumer_lag')).toEqual(['partition', 'topic']);
    expect(labelNames(text, 'recstream_dlq_total')).toEqual(['reason']);
    expect(labelNames(text, 'recstream_recommendations_total')).toEqual(['sink']);
    expect(labelNames(text, 'recstream_prequential_recall')).toEqual(['k']);
    expect(labelNames(text, 'recstream_erasures_total')).toEqual(['step']);
  });

  it('never labels by user, item, event or recommendation', async () => {
    const metrics = new Metrics();
    const forbidden = /^(user|item|event|recommendation|order)(_?id)?$/i;
    for (const metric of await metrics.registry.getMetricsAsJSON()) {
      for (const value of metric.values) {
        for (const label of Object.keys(value.labels)) expect(forbidden.test(label), `${metric.name}{${label}}`).toBe(false);
      }
    }
    const text = await metrics.registry.metrics();
    for (const name of types(text).keys()) {
      for (const label of labelNames(text, name)) expect(forbidden.test(label), `${name}{${label}}`).toBe(false);
    }
  });

  it('buckets latencies from 1 ms to 30 s', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.eventToPushSeconds.observe(0.0005);
    metrics.eventToPushSeconds.observe(20);
    metrics.eventProcessingSeconds.observe(0.002);
    const text = await metrics.registry.metrics();
    for (const name of ['recstream_event_to_push_seconds', 'recstream_event_processing_seconds']) {
      const les = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}`, 'gm'))].map((m) => m[1]);
      expect(les[0], name).toBe('0.001');
      expect(les.at(-2), name).toBe('30');
      expect(les.at(-1), name).toBe('+Inf');
    }
    expect(text).toMatch(/^recstream_event_to_push_seconds_bucket\{le="0\.001"\} 1$/m);
    expect(text).toMatch(/^recstream_event_to_push_seconds_bucket\{le="10"\} 1$/m);
    expect(text).toMatch(/^recstream_event_to_push_seconds_bucket\{le="30"\} 2$/m);
  });

  it('reads recstream_ready from the readiness probe at every scrape', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    expect(await metrics.registry.metrics()).toMatch(/^recstream_ready 0$/m);
    let ready = true;
    metrics.trackReadiness(() => ready);
    expect(await metrics.registry.metrics()).toMatch(/^recstream_ready 1$/m);
    ready = false;
    expect(await metrics.registry.metrics()).toMatch(/^recstream_ready 0$/m);
  });

  it('keeps each instance on its own registry', async () => {
    const a = new Metrics({ defaultMetrics: false });
    const b = new Metrics({ defaultMetrics: false });
    a.dlqTotal.inc({ reason: 'oversize' }, 3);
    expect(await a.registry.metrics()).toMatch(/^recstream_dlq_total\{reason="oversize"\} 3$/m);
    expect(await b.registry.metrics()).toMatch(/^recstream_dlq_total\{reason="oversize"\} 0$/m);
  });

  it('includes the Node process metrics unless switched off', async () => {
    const withDefaults = types(await new Metrics().registry.metrics());
    for (const name of [
      'nodejs_eventloop_lag_p99_seconds',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'process_cpu_seconds_total',
    ]) {
      expect(withDefaults.has(name), name).toBe(true);
    }
    const without = types(await new Metrics({ defaultMetrics: false }).registry.metrics());
    expect([...without.keys()].every((n) => n.startsWith('recstream_'))).toBe(true);
  });

  it('is documented metric by metric in docs/METRICS.md', async () => {
    const doc = readFileSync(join(root, 'docs', 'METRICS.md'), 'utf8');
    const documented = new Set([...doc.matchAll(/^#{2,4} .*$/gm)].flatMap((m) => [...m[0].matchAll(/`(recstream_\w+)/g)].map((x) => x[1])));
    const exported = [...types(await new Metrics({ defaultMetrics: false }).registry.metrics()).keys()];
    expect(exported.filter((n) => !documented.has(n))).toEqual([]);
  });
});
