/**
 * Terminal progress bars, one line per document (the idea of examples/progress-demo's
 * `ProgressBar`, drawn for several concurrent jobs). On a TTY the block of lines is redrawn in
 * place; elsewhere (CI, a pipe) a line is printed whenever a document crosses a quarter, or ends.
 */
export class DocumentBars {
  readonly #names: string[];
  readonly #rows = new Map<string, { percent: number; status: string; quarter: number; final: boolean }>();
  readonly #out: NodeJS.WriteStream;
  readonly #width = 30;
  #drawn = false;

  constructor(names: string[], out: NodeJS.WriteStream = process.stdout) {
    this.#names = names;
    this.#out = out;
    for (const name of names) this.#rows.set(name, { percent: 0, status: 'queued', quarter: -1, final: false });
  }

  /** Set a document's progress (0–100) and status text; `final` marks its last update. */
  update(name: string, percent: number, status: string, final = false): void {
    const row = this.#rows.get(name);
    if (row === undefined || row.final) return;
    row.percent = Math.max(0, Math.min(100, percent));
    row.status = status;
    row.final = final;
    if (this.#out.isTTY) {
      this.#redraw();
      return;
    }
    const quarter = Math.floor(row.percent / 25);
    if (quarter !== row.quarter || final) {
      row.quarter = quarter;
      this.#out.write(`${this.#line(name)}\n`);
    }
  }

  #line(name: string): string {
    const row = this.#rows.get(name);
    if (row === undefined) return '';
    const label = name.padEnd(Math.max(...this.#names.map((n) => n.length)));
    const filled = Math.round((row.percent / 100) * this.#width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(this.#width - filled)}`;
    return `${label} [${bar}] ${row.percent.toFixed(0).padStart(3)}%  ${row.status}`;
  }

  #redraw(): void {
    const columns = this.#out.columns ?? 120;
    if (this.#drawn) this.#out.write(`\x1b[${this.#names.length}A`);
    for (const name of this.#names) this.#out.write(`\x1b[2K${this.#line(name).slice(0, columns - 1)}\n`);
    this.#drawn = true;
  }
}
