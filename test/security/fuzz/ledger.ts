import { type Violation, violation } from './violations.js';

/**
 * The fuzz run's bookkeeping of the collector: what each request carried, what the server answered,
 * and so which events it owes the model. Every event the server says it accepted must be applied once
 * (keyed by user and event id as the engine dedups them); every valid event must be accepted; every
 * event the contract forbids must be refused. `record` returns the violations of one answer.
 */

/** valid: a correct event that must be accepted; hostile: either answer is fine unless `mustReject`; garbage: never an event. */
export type Role = 'valid' | 'hostile' | 'garbage';

export interface Position {
  role: Role;
  /** The event as the server parses it (JSON.parse of its text); absent for garbage. */
  event?: unknown;
  /** Why the contract forbids accepting it. */
  mustReject?: string | null;
}

export interface SentRequest {
  /** Which property sent it (the figures are per face). */
  face: string;
  /** The body's event positions as the collector numbers them; null when nothing in it can be an event. */
  positions: Position[] | null;
  /** No correct write key anywhere: the answer must refuse the request (401, or 4xx before auth) and nothing may be applied. */
  unauthorized: boolean;
  /** Correct key and a well-formed batch carrying valid events: the answer must be 202. */
  mustAccept: boolean;
}

interface CollectorAnswer {
  accepted: number;
  rejected: Array<{ index: number; error: string }>;
}

function excerptOf(value: unknown): string {
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 200);
  } catch {
    return '(nested too deep to print)';
  }
}

/** Ids travel as UTF-8 (Avro), so the engine tells ids apart by their well-formed form. */
const wire = (v: unknown): string => Buffer.from(String(v), 'utf8').toString('utf8');

export class Ledger {
  /** user \0 eventId of every event the server accepted: what the model must have applied, once. */
  readonly owed = new Set<string>();
  readonly users = new Set<string>();
  readonly validSent = new Set<string>();
  readonly statuses = new Map<string, Map<number, number>>();
  requests = 0;
  validPositions = 0;
  hostileAccepted = 0;
  hostileRejected = 0;
  garbageRejected = 0;

  countStatus(face: string, status: number): void {
    this.requests += 1;
    let byStatus = this.statuses.get(face);
    if (byStatus === undefined) this.statuses.set(face, (byStatus = new Map()));
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }

  record(sent: SentRequest, status: number, text: string): Violation[] {
    const violations: Violation[] = [];
    const excerpt = text.slice(0, 200);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      violations.push(violation(`status ${status} with a body that is not JSON`, excerpt));
    }
    if (status >= 500) violations.push(violation(`status ${status}`, excerpt));
    if (status >= 400 && json !== undefined && typeof (json as { error?: unknown })?.error !== 'string') {
      violations.push(violation(`status ${status} without an {error} message`, excerpt));
    }
    if (sent.unauthorized && !(status >= 400 && status < 500))
      violations.push(violation('no correct write key, yet not refused', `status ${status}`));
    if (sent.mustAccept && status !== 202)
      violations.push(violation('a well-formed batch with valid events was refused', `status ${status}: ${excerpt}`));
    for (const p of sent.positions ?? []) if (p.role === 'valid') this.validPositions += 1;
    if (status !== 202 || json === undefined) return violations;

    const answer = json as CollectorAnswer;
    if (typeof answer.accepted !== 'number' || !Array.isArray(answer.rejected)) {
      violations.push(violation('202 without {accepted, rejected}', excerpt));
      return violations;
    }
    const rejected = new Map(answer.rejected.map((r) => [r.index, r.error]));
    if (sent.positions === null) {
      if (answer.accepted !== 0)
        violations.push(violation('a body with no event in it had events accepted', `${answer.accepted} accepted`));
      return violations;
    }
    const positions = sent.positions;
    for (const index of rejected.keys()) {
      if (!Number.isInteger(index) || index < 0 || index >= positions.length)
        violations.push(violation('a rejected index is outside the batch', `${index} of ${positions.length}`));
    }
    if (answer.accepted + rejected.size !== positions.length) {
      violations.push(violation('accepted + rejected ≠ events sent', `${answer.accepted} + ${rejected.size} ≠ ${positions.length}`));
    }
    positions.forEach((p, index) => {
      const error = rejected.get(index);
      if (error !== undefined) {
        if (typeof error !== 'string' || error === '')
          violations.push(violation('an event was rejected without a reason', `index ${index}`));
        if (p.role === 'valid') violations.push(violation('a valid event was rejected', `${error}: ${excerptOf(p.event)}`));
        if (p.role === 'hostile') this.hostileRejected += 1;
        if (p.role === 'garbage') this.garbageRejected += 1;
        return;
      }
      if (p.role === 'garbage') {
        violations.push(violation('garbage was accepted as an event', `index ${index}`));
        return;
      }
      if (p.mustReject) violations.push(violation(`accepted although ${p.mustReject}`, excerptOf(p.event)));
      const { userId, eventId } = p.event as { userId: unknown; eventId: unknown };
      const key = `${wire(userId)}\u0000${wire(eventId)}`;
      this.owed.add(key);
      this.users.add(wire(userId));
      if (p.role === 'valid') this.validSent.add(key);
      else this.hostileAccepted += 1;
    });
    return violations;
  }
}
