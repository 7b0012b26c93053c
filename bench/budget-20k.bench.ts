/**
 * The budget benchmark (`budget.bench.ts`) at 20,000 consumer meters, the size of its first runs: the
 * same checks and rows, kept beside the 50,000-meter ones. A file of its own, so that the two sizes can
 * also be run apart (`npm run bench -- budget-20k`); `npm run bench -- budget` runs both.
 */
import { runSizes } from "./budget.bench.js";
import type { BenchResult } from "./run.js";

export async function run(): Promise<BenchResult[]> {
  return runSizes([20_000]);
}
