import fc from 'fast-check';
import { type Violation, violation } from './violations.js';

/** One broken rule: how many inputs showed it, and the smallest input that still shows it. */
export interface Finding {
  kind: string;
  inputs: number;
  counterexample: string;
  detail: string;
  shrinks: number;
}

export interface FaceResult {
  face: string;
  planned: number;
  runs: number;
  seconds: number;
  findings: Finding[];
}

async function checked<T>(check: (input: T) => Promise<Violation[]>, input: T): Promise<Violation[]> {
  try {
    return await check(input);
  } catch (err) {
    return [violation('the fuzz harness threw', (err as Error)?.stack ?? String(err))];
  }
}

/**
 * Runs `numRuns` generated inputs through `check`, counting every kind of violation without
 * stopping, then replays, for each kind, the first input that showed it (same seed, its path) and
 * lets fast-check shrink it to the smallest input that still shows that kind. So one broken rule
 * hides no other, and the number of inputs is the same whether the code is right or not.
 */
export async function runFace<T>(
  face: string,
  numRuns: number,
  seed: number,
  arbitrary: fc.Arbitrary<T>,
  check: (input: T) => Promise<Violation[]>,
): Promise<FaceResult> {
  const started = Date.now();
  const firstSeen = new Map<string, { index: number; inputs: number }>();
  let runs = 0;
  await fc.check(
    fc.asyncProperty(arbitrary, async (input) => {
      const index = runs++;
      for (const kind of new Set((await checked(check, input)).map((v) => v.kind))) {
        const seen = firstSeen.get(kind);
        if (seen === undefined) firstSeen.set(kind, { index, inputs: 1 });
        else seen.inputs += 1;
      }
    }),
    { seed, numRuns },
  );

  const findings: Finding[] = [];
  for (const [kind, { index, inputs }] of firstSeen) {
    const replay = await fc.check(
      fc.asyncProperty(arbitrary, async (input) => {
        const hit = (await checked(check, input)).find((v) => v.kind === kind);
        if (hit !== undefined) throw new Error(hit.detail);
      }),
      { seed, numRuns: 1, path: String(index) },
    );
    const detail = replay.errorInstance instanceof Error ? replay.errorInstance.message : '';
    findings.push({
      kind,
      inputs,
      shrinks: replay.numShrinks,
      counterexample:
        replay.failed && replay.counterexample !== null
          ? fc.stringify(replay.counterexample[0])
          : `(input #${index} did not show it again on replay)`,
      detail,
    });
  }
  return { face, planned: numRuns, runs, seconds: (Date.now() - started) / 1000, findings };
}
