import type { RunningApp } from '../../src/app.js';
import type { Recommendation } from '../../src/events/types.js';
import type { ModelDigest, SimilarItem } from '../../src/model/types.js';
import { waitFor } from './app.js';

/**
 * The engine's read, erasure and metrics endpoints over real HTTP, as an operator with the admin token
 * (which every read accepts) would call them.
 */
export class ReadApi {
  /** `app`: an in-process app or an engine process, anything with its base URL. */
  constructor(
    private readonly app: Pick<RunningApp, 'url'>,
    private readonly adminToken: string,
  ) {}

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.app.url}${path}`, { headers: { authorization: `Bearer ${this.adminToken}` } });
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  }

  digest(): Promise<ModelDigest & { settled: boolean }> {
    return this.get('/v1/admin/digest');
  }

  /** Waits until the model has applied at least `count` events. */
  whenApplied(count: number): Promise<ModelDigest & { settled: boolean }> {
    return waitFor(
      () => this.digest(),
      // and the global table has caught up: answers reflect everything applied
      (d) => d.eventsApplied >= count && d.settled,
      20_000,
    );
  }

  /** `fresh`: recomputed on the current state by the process holding the user, not the latest list made. */
  recommendations(userId: string, limit = 20, fresh = false): Promise<Recommendation> {
    return this.get(`/v1/users/${encodeURIComponent(userId)}/recommendations?limit=${limit}${fresh ? '&fresh=true' : ''}`);
  }

  async similar(itemId: string, limit = 20): Promise<SimilarItem[]> {
    return (await this.get<{ neighbors: SimilarItem[] }>(`/v1/items/${encodeURIComponent(itemId)}/similar?limit=${limit}`)).neighbors;
  }

  /** DELETE /v1/users/:id; returns the status. */
  async erase(userId: string): Promise<number> {
    const res = await fetch(`${this.app.url}/v1/users/${encodeURIComponent(userId)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${this.adminToken}` },
    });
    return res.status;
  }

  /** A metric with one label, by the label's value, from one /metrics scrape. */
  async byLabel(name: string, label: string): Promise<Record<string, number>> {
    const text = await (await fetch(`${this.app.url}/metrics`, { headers: { authorization: `Bearer ${this.adminToken}` } })).text();
    const values: Record<string, number> = {};
    for (const m of text.matchAll(new RegExp(`^${name}\\{${label}="([^"]*)"\\} (\\S+)$`, 'gm'))) values[m[1]!] = Number(m[2]);
    return values;
  }

  /** Every unlabelled metric of one /metrics scrape by name (NaN and ±Inf as JavaScript reads them). */
  async metrics(): Promise<Map<string, number>> {
    const text = await (await fetch(`${this.app.url}/metrics`, { headers: { authorization: `Bearer ${this.adminToken}` } })).text();
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      const match = /^([a-z_:][a-z0-9_:]*) (\S+)$/i.exec(line);
      if (match !== null) out.set(match[1]!, match[2] === '+Inf' ? Infinity : match[2] === '-Inf' ? -Infinity : Number(match[2]));
    }
    return out;
  }
}
