/** One row of `npm run bench` / bench-results.json (DESIGN.md §3). */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The budget the figure must meet (same unit as value, or a ratio when `ratio` is given). */
  budget?: number | null;
  /** What the figure is compared with (e.g. the longest dependent chain, a bare `ssh host true`). */
  baseline?: number | null;
  /** value / baseline when a baseline applies. */
  ratio?: number | null;
  pass: boolean;
  /** One line on how it was measured. */
  note?: string;
}

export type BenchFn = () => Promise<BenchRow[]>;
