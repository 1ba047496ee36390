// A benchmark's numbers mean nothing if some of the work behind them never finished (an order
// that never ran counted as a 60 s latency, an event acknowledged but never recorded). Every
// benchmark records such work here as it measures; `finish()` lists it and makes the process exit
// non-zero, so a run that hid a failure cannot pass for a good one.
export class BenchOutcome {
  private readonly problems: string[] = [];

  constructor(private readonly name: string) {}

  /** Records work that did not finish, or an invariant the run broke, and prints it at once. */
  fail(problem: string): void {
    this.problems.push(problem);
    console.log(`  ✗ ${problem}`);
  }

  /** `fail(problem)` unless `ok`. */
  expect(ok: boolean, problem: string): void {
    if (!ok) this.fail(problem);
  }

  get failed(): boolean {
    return this.problems.length > 0;
  }

  /** Prints the verdict and sets the exit code (the caller's `finally` still closes everything). */
  finish(): void {
    if (this.problems.length === 0) {
      console.log(`${this.name}: all work finished`);
      return;
    }
    console.log(`${this.name}: FAILED, ${this.problems.length} problem(s):\n${this.problems.map((p) => `  - ${p}`).join("\n")}`);
    process.exitCode = 1;
  }
}
