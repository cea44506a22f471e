import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrometheusServer {
  url: string;
  /** Runs an instant query; the result vector. */
  query(promql: string): Promise<Sample[]>;
  /** GET on the HTTP API, `data` of the answer. */
  api<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real Prometheus (the Debian `prometheus` binary) scraping `targets` every second as
 * job="recstream", with its data in a temp dir. A missing binary is an error, never a skip.
 */
export async function startPrometheus(options: {
  targets: string[];
  ruleFiles?: string[];
  readyTimeoutMs?: number;
}): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'recstream-prom-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    ...(options.ruleFiles?.length ? ['rule_files:', ...options.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)] : []),
    'scrape_configs:',
    '  - job_name: recstream',
    '    static_configs:',
    `      - targets: ${JSON.stringify(options.targets)}`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);

  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    const failed = await Promise.race([
      spawnError.then((e) => e),
      exited.then((code) => new Error(`prometheus exited with ${code}: ${stderr}`)),
      fetch(`${url}/-/ready`).then(
        (r) => (r.ok ? null : undefined),
        () => undefined,
      ),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 500)),
    ]);
    if (failed === null) break;
    if (failed instanceof Error) {
      await stop();
      if ((failed as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error('prometheus is not installed: apt-get install -y prometheus (Debian) provides it');
      }
      throw failed;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready within the deadline: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}/api/v1/${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  return {
    url,
    api,
    async query(promql) {
      const data = await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
        `query?query=${encodeURIComponent(promql)}`,
      );
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    stop,
  };
}

/** Polls until the check passes or the deadline passes; the error names the last value seen. */
export async function eventually<T>(what: string, check: () => Promise<T>, accept: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (accept(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not reached within ${timeoutMs} ms; last value ${JSON.stringify(value).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
