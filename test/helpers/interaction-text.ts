import { parseCsv } from '../../src/eval/csv.js';
import { type InteractionLog, type ReadOptions, readInteractions } from '../../src/eval/interactions.js';

/** Reads a CSV interaction log held in a string, as `recstream eval` reads one from a file. */
export async function readInteractionText(text: string, options: ReadOptions = {}): Promise<InteractionLog> {
  async function* single(): AsyncGenerator<string> {
    yield text;
  }
  return readInteractions(parseCsv(single()), options);
}
