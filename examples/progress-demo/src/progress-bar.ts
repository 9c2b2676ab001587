/** A one-line terminal progress bar; on a non-TTY it prints a line every 10 %. */
export class ProgressBar {
  readonly #total: number;
  readonly #out: NodeJS.WriteStream;
  readonly #width = 40;
  #lastDecile = -1;

  constructor(total: number, out: NodeJS.WriteStream = process.stdout) {
    this.#total = total;
    this.#out = out;
  }

  render(done: number, failed: number, retried: number): void {
    const ratio = this.#total === 0 ? 1 : done / this.#total;
    const text = `${String(done).padStart(String(this.#total).length)}/${this.#total} done · ${failed} failed · ${retried} retries`;
    if (this.#out.isTTY) {
      const filled = Math.round(ratio * this.#width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(this.#width - filled)}`;
      this.#out.write(`\r[${bar}] ${(ratio * 100).toFixed(0).padStart(3)}%  ${text}`);
      return;
    }
    const decile = Math.floor(ratio * 10);
    if (decile !== this.#lastDecile) {
      this.#lastDecile = decile;
      this.#out.write(`${(decile * 10).toString().padStart(3)}%  ${text}\n`);
    }
  }

  end(): void {
    if (this.#out.isTTY) this.#out.write('\n');
  }
}
