import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningApp } from '../../src/app.js';
import { postEvents, startTestApp } from '../helpers/app.js';
import { eventually, type PrometheusServer, startPrometheus } from './prometheus.js';

const alertsFile = join(import.meta.dirname, '..', '..', 'deploy', 'prometheus', 'alerts.yml');
const USERS = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8'];
const ITEMS = ['i1', 'i2', 'i3', 'i4', 'i5', 'i6'];

function clicks(round: number): unknown[] {
  return USERS.flatMap((userId, u) =>
    ITEMS.slice(0, 3).map((_, j) => ({
      eventId: randomUUID(),
      userId,
      itemId: ITEMS[(u + j + round) % ITEMS.length],
      type: 'view',
      timestamp: Date.now(),
    })),
  );
}

const total = (samples: Array<{ value: number }>): number => samples.reduce((s, x) => s + x.value, 0);

describe('a real Prometheus scraping a running engine', () => {
  let app: RunningApp;
  let prom: PrometheusServer;
  let socket: WebSocket | null = null;

  beforeAll(async () => {
    app = await startTestApp();
    prom = await startPrometheus({ targets: [`127.0.0.1:${app.port}`], ruleFiles: [alertsFile] });
  }, 60_000);

  afterAll(async () => {
    socket?.terminate();
    await prom?.stop();
    await app?.stop();
  });

  it('scrapes the target', async () => {
    const up = await eventually(
      'up == 1',
      () => prom.query('up{job="recstream"}'),
      (s) => s.length === 1 && s[0].value === 1,
    );
    expect(up[0].metric.instance).toBe(`127.0.0.1:${app.port}`);
  });

  it('sees recstream_events_total increase across scrapes as events are posted', async () => {
    const first = clicks(0);
    expect((await postEvents(app, first)).body.accepted).toBe(first.length);
    await eventually(
      'first batch counted',
      () => prom.query('sum(recstream_events_total{job="recstream"})'),
      (s) => total(s) >= first.length,
    );

    const second = clicks(1);
    expect((await postEvents(app, second)).body.accepted).toBe(second.length);
    const counted = await eventually(
      'second batch counted',
      () => prom.query('sum by (topic, type, outcome) (recstream_events_total{job="recstream"})'),
      (s) => total(s) >= first.length + second.length,
    );
    expect(counted.map((s) => s.metric)).toContainEqual({ topic: app.engine.config.topics.clicks, type: 'view', outcome: 'applied' });
    const increase = await prom.query('sum(increase(recstream_events_total{job="recstream"}[1m]))');
    expect(total(increase)).toBeGreaterThan(0);
  }, 60_000);

  it('has observations in the processing and event → push latency histograms', async () => {
    const userId = USERS[0];
    socket = new WebSocket(`${app.url.replace('http', 'ws')}/v1/stream`);
    const pushes: unknown[] = [];
    socket.on('message', (data) => pushes.push(JSON.parse(data.toString())));
    await new Promise<void>((resolve, reject) => {
      socket!.once('open', () => resolve());
      socket!.once('error', reject);
    });
    socket.send(JSON.stringify({ op: 'subscribe', userId }));
    await eventually(
      'subscription answered',
      async () => pushes.length,
      (n) => n >= 1,
      10_000,
    );
    await postEvents(app, [{ eventId: randomUUID(), userId, itemId: 'i6', type: 'click', timestamp: Date.now() }]);

    const processing = await eventually(
      'processing histogram observed',
      () => prom.query('sum(recstream_event_processing_seconds_count{job="recstream"})'),
      (s) => total(s) > 0,
    );
    expect(total(processing)).toBeGreaterThan(0);
    const push = await eventually(
      'event → push histogram observed',
      () => prom.query('sum(recstream_event_to_push_seconds_count{job="recstream"})'),
      (s) => total(s) > 0,
    );
    expect(total(push)).toBeGreaterThan(0);
    const p99 = await prom.query('histogram_quantile(0.99, sum by (le) (recstream_event_to_push_seconds_bucket{job="recstream"}))');
    expect(Number.isFinite(p99[0]?.value)).toBe(true);
  }, 60_000);

  it('has recstream_consumer_lag for every input partition', async () => {
    const { clicks: clickTopic, purchases } = app.engine.config.topics;
    const partitions = app.engine.config.partitions;
    const lag = await eventually(
      'lag per partition',
      () => prom.query('recstream_consumer_lag{job="recstream"}'),
      (s) => s.length >= 2 * partitions,
    );
    const seen = new Set(lag.map((s) => `${s.metric.topic}/${s.metric.partition}`));
    for (const topic of [clickTopic, purchases]) {
      for (let p = 0; p < partitions; p++) expect(seen.has(`${topic}/${p}`), `${topic}/${p}`).toBe(true);
    }
    for (const s of lag) expect(s.value).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('reports the engine ready through recstream_ready, so RecstreamNotReady stays quiet', async () => {
    expect(app.engine.readiness().ready).toBe(true);
    const ready = await eventually(
      'recstream_ready == 1',
      () => prom.query('recstream_ready{job="recstream"}'),
      (s) => s.length === 1 && s[0].value === 1,
      15_000,
    );
    expect(ready[0].value).toBe(1);
    const alerts = await prom.api<{ alerts: Array<{ labels: Record<string, string> }> }>('alerts');
    expect(alerts.alerts.map((a) => a.labels.alertname)).not.toContain('RecstreamNotReady');
  }, 60_000);

  it('evaluates every alert rule without error on the live series', async () => {
    interface Rule {
      name: string;
      type: string;
      health: string;
      lastError?: string;
      state?: string;
    }
    const data = await eventually(
      'rules evaluated',
      () => prom.api<{ groups: Array<{ rules: Rule[] }> }>('rules'),
      (d) => d.groups.flatMap((g) => g.rules).every((r) => r.health === 'ok'),
    );
    const rules = data.groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThanOrEqual(9);
    for (const r of rules) expect(r.lastError ?? '', r.name).toBe('');
  }, 60_000);
});
