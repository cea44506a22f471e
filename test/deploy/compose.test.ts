import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTool, type ToolRun } from './tools.js';

const root = join(import.meta.dirname, '..', '..');
const compose = (...args: string[]): ToolRun =>
  runTool('docker-compose', ['-f', 'docker-compose.yml', ...args], {
    cwd: root,
    installHint: 'apt-get install -y docker-compose (Debian) provides docker-compose',
  });

describe('docker-compose.yml', () => {
  it('is a valid Compose file', () => {
    const run = compose('config', '-q');
    expect(run.status, run.output).toBe(0);
  });

  it('runs the whole stack', () => {
    const run = compose('config', '--services');
    expect(run.status, run.output).toBe(0);
    expect(run.output.trim().split('\n').sort()).toEqual(['grafana', 'kafka', 'loadgen', 'prometheus', 'recstream', 'schema-registry']);
  });

  it('mounts only files that exist in the repository', () => {
    const run = compose('config');
    expect(run.status, run.output).toBe(0);
    const sources = [...run.output.matchAll(/^\s*- (\/[^:\s]+):\S+/gm)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(existsSync(source), source).toBe(true);
    expect(run.output).toContain('dockerfile: deploy/Dockerfile');
    expect(run.output).toContain('KAFKA_BROKERS: kafka:9092');
    expect(run.output).toMatch(/KAFKA_PROCESS_ROLES: broker,controller/);
  });

  it('starts recstream only after Kafka and the Schema Registry are healthy', () => {
    const run = compose('config');
    const recstream = run.output.slice(run.output.indexOf('\n  recstream:'));
    const dependsOn = recstream.slice(recstream.indexOf('depends_on:'), recstream.indexOf('environment:'));
    expect(dependsOn).toMatch(/kafka:\s*\n\s*condition: service_healthy/);
    expect(dependsOn).toMatch(/schema-registry:\s*\n\s*condition: service_healthy/);
  });
});

describe('deploy/Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages = instructions.filter((l) => /^FROM\s/i.test(l));
  const runtime = instructions.slice(instructions.lastIndexOf(stages.at(-1) ?? ''));

  it('builds in one stage and runs on node:20-slim in another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(instructions).toContain('RUN npm run build');
    expect(instructions.some((l) => /^RUN npm ci\b/.test(l))).toBe(true);
    expect(stages.at(-1)).toMatch(/^FROM node:20-slim\b/);
    expect(runtime.some((l) => /npm ci .*--omit=dev/.test(l))).toBe(true);
  });

  it('runs as a non-root user, exposes 8080, probes /healthz and starts the engine', () => {
    const user = runtime.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)(:|$)/);
    expect(runtime).toContain('EXPOSE 8080');
    expect(runtime.some((l) => l.startsWith('HEALTHCHECK') && l.includes('/healthz'))).toBe(true);
    expect(runtime.at(-1)).toBe('CMD ["node", "bin/recstream.js", "start"]');
  });

  it('has every path it copies from the build context', () => {
    const copies = runtime.concat(instructions).filter((l) => /^COPY\s/.test(l) && !l.includes('--from='));
    for (const line of copies) {
      const parts = line.split(/\s+/).slice(1, -1);
      for (const source of parts) expect(existsSync(join(root, source)), source).toBe(true);
    }
  });
});
