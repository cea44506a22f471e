import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTool, type ToolRun } from './tools.js';

const root = join(import.meta.dirname, '..', '..');
const promDir = join(root, 'deploy', 'prometheus');
const promtool = (...args: string[]): ToolRun =>
  runTool('promtool', args, { cwd: promDir, installHint: 'apt-get install -y prometheus (Debian) provides promtool' });

const alertsText = readFileSync(join(promDir, 'alerts.yml'), 'utf8');
const testsText = readFileSync(join(promDir, 'alerts.test.yml'), 'utf8');
const runbook = readFileSync(join(root, 'docs', 'RUNBOOK.md'), 'utf8');

/** The alert blocks of alerts.yml: name and the text of its rule. */
const alerts = alertsText
  .split(/^\s+- alert:\s*/m)
  .slice(1)
  .map((block) => ({
    name: block.slice(0, block.indexOf('\n')).trim(),
    block,
  }));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchors = new Set(
  [...runbook.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) =>
    m[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-'),
  ),
);

describe('promtool', () => {
  it('accepts the Prometheus configuration and the rule file it loads', () => {
    const run = promtool('check', 'config', 'prometheus.yml');
    expect(run.status, run.output).toBe(0);
    expect(run.output).toMatch(/SUCCESS: 1 rule files found/);
  });

  it('accepts the alert rules', () => {
    const run = promtool('check', 'rules', 'alerts.yml');
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain(`SUCCESS: ${alerts.length} rules found`);
  });

  it('passes the alert unit tests', () => {
    const run = promtool('test', 'rules', 'alerts.test.yml');
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('SUCCESS');
  });
});

describe('alert rules', () => {
  it('cover every condition operators page on', () => {
    expect(alerts.map((a) => a.name).sort()).toEqual([
      'RecstreamConsumerLagGrowing',
      'RecstreamDeadLetterRatioHigh',
      'RecstreamEventLoopBlocked',
      'RecstreamInputLost',
      'RecstreamInputStalled',
      'RecstreamItemDeltasLost',
      'RecstreamNoEvents',
      'RecstreamNotReady',
      'RecstreamPushLatencyHigh',
      'RecstreamRecallCollapse',
      'RecstreamWebSocketDrops',
    ]);
  });

  it.each(alerts)('$name has a severity, summary, description and a runbook section that exists', ({ name, block }) => {
    expect(block).toMatch(/^\s+severity:\s*(critical|warning)\s*$/m);
    expect(block).toMatch(/^\s+summary:\s*\S/m);
    expect(block).toMatch(/^\s+description:\s*\S/m);
    const url = /^\s+runbook_url:\s*'?([^'\s]+)'?\s*$/m.exec(block)?.[1] ?? '';
    expect(url).toMatch(/docs\/RUNBOOK\.md#/);
    const anchor = url.slice(url.indexOf('#') + 1);
    expect(anchor).toBe(name.toLowerCase());
    expect(anchors.has(anchor), `docs/RUNBOOK.md has no heading for #${anchor}`).toBe(true);
  });

  it.each(alerts)('$name is unit-tested both firing and silent', ({ name }) => {
    const cases = [...testsText.matchAll(/alertname:\s*(\w+)\s*\n\s*exp_alerts:(.*)\n(\s*- exp_labels)?/g)].filter((m) => m[1] === name);
    expect(
      cases.some((m) => m[3] !== undefined),
      `${name} never fires in alerts.test.yml`,
    ).toBe(true);
    expect(
      cases.some((m) => m[2].trim() === '[]'),
      `${name} is never expected silent in alerts.test.yml`,
    ).toBe(true);
  });
});
