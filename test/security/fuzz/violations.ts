/**
 * A broken rule seen in one answer. `kind` names the rule without the particulars, so the run can
 * count each kind once per input and shrink one counterexample per kind; `detail` says what was seen.
 */
export interface Violation {
  kind: string;
  detail: string;
}

export const violation = (kind: string, detail = ''): Violation => ({ kind, detail });
