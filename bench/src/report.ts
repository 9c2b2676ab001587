/** One measured figure, printed as one JSON line. */
export interface Figure {
  system: string;
  scenario: string;
  metric: string;
  value: number;
  unit: string;
  [detail: string]: string | number;
}

let collecting: Figure[] | undefined;

/** Print `figure` as one JSON line (or hand it to the {@link collect} in progress). */
export function report(figure: Figure): void {
  if (collecting !== undefined) collecting.push(figure);
  else process.stdout.write(`${JSON.stringify(figure)}\n`);
}

/**
 * Run `work` and return the figures it reports instead of printing them, so a suite can repeat a
 * scenario and print a summary. Scenarios run one at a time; nesting is not supported.
 */
export async function collect(work: () => Promise<unknown>): Promise<Figure[]> {
  const figures: Figure[] = [];
  collecting = figures;
  try {
    await work();
  } finally {
    collecting = undefined;
  }
  return figures;
}

/** The q-quantile (0–1) of unsorted samples. */
export function quantile(samples: number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
