import type { HttpPlan } from './http-inputs.js';
import type { Ledger } from './ledger.js';
import { type Violation, violation } from './violations.js';

const MAX_RATE_LIMIT_RETRIES = 5;

/**
 * Sends one planned request to POST /v1/events and has the ledger check the answer. A 429 is the
 * limiter doing its job: the request is sent again after Retry-After, as a well-behaved client would.
 */
export async function sendPlan(baseUrl: string, plan: HttpPlan, ledger: Ledger): Promise<Violation[]> {
  for (let attempt = 0; ; attempt++) {
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const res = await fetch(`${baseUrl}/v1/events${plan.query}`, { method: 'POST', headers: plan.headers, body: plan.body });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await res.text();
    } catch (err) {
      ledger.countStatus(plan.sent.face, 0);
      const cause = (err as { cause?: { message?: string } }).cause?.message ?? '';
      return [violation('the request failed without an answer', `${(err as Error).message} ${cause}`.trim())];
    }
    ledger.countStatus(plan.sent.face, status);
    if (status === 429 && attempt < MAX_RATE_LIMIT_RETRIES) {
      await new Promise((r) => setTimeout(r, 1000 * Math.min(5, Number(retryAfter ?? '1') || 1)));
      continue;
    }
    return ledger.record(plan.sent, status, text);
  }
}
