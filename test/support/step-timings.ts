import fs from 'node:fs';

/** One measured step of a multi-process scenario. */
export interface StepTiming {
  step: string;
  ms: number;
}

/**
 * Wall-clock durations of a scenario's steps, for the operator's notes (never asserted: timings go to bench/).
 * `report()` prints them and, when `file` is given, writes them there as JSON.
 */
export class StepTimings {
  private readonly steps: StepTiming[] = [];

  async measure<T>(step: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await run();
    this.steps.push({ step, ms: Math.round(performance.now() - started) });
    return result;
  }

  report(title: string, file: string | undefined): void {
    if (this.steps.length === 0) return;
    const lines = this.steps.map(({ step, ms }) => `  ${String(ms).padStart(6)} ms  ${step}`);
    console.log(`${title}\n${lines.join('\n')}`);
    if (file) fs.writeFileSync(file, `${JSON.stringify({ title, steps: this.steps }, null, 2)}\n`);
  }
}
