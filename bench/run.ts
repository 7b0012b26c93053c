/**
 * Runs every `bench/*.bench.ts` (or those whose file name contains one of the arguments) and writes
 * `bench/RESULTS.md`. Usage: `npm run bench [-- name…]`, i.e. `node --import tsx bench/run.ts [name…]`.
 *
 * A bench file exports `run(): Promise<BenchResult[]>`. Each result is a median of several runs; when it
 * has a baseline measured in the same process run, the ratio to it is what matters (machines differ,
 * ratios much less).
 */
import { readdir, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface Measured {
  name: string;
  /** Median of `runs`. */
  median: number;
  runs: number[];
}

export interface BenchResult extends Measured {
  /** Unit of `median`, higher is better (e.g. `rows/s`). */
  unit: string;
  baseline?: Measured;
  /**
   * Median over runs of run / baseline, both measured in the same run (see `pairedRatio`): less sensitive
   * than a ratio of medians to other work starting or stopping on the machine.
   */
  ratio?: number;
  /** The ratio the project aims for, when there is one. */
  target?: number;
  note?: string;
}

export interface BenchModule {
  run(): Promise<BenchResult[]>;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export function measured(name: string, runs: number[]): Measured {
  return { name, median: median(runs), runs };
}

/** Median of runs[i] / baseline[i]: each run compared with the baseline measured in the same run. */
export function pairedRatio(runs: readonly number[], baseline: readonly number[]): number {
  if (runs.length !== baseline.length || runs.length === 0) throw new Error("paired runs needed");
  return median(runs.map((r, i) => r / (baseline[i] as number)));
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function machineNote(): string {
  const cpu = cpus();
  return `${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
}

function table(results: Array<BenchResult & { file: string }>, date: string, machine: string): string {
  const lines = [
    "| benchmark | median | baseline | baseline median | ratio | target | runs | date | machine |",
    "| --- | ---: | --- | ---: | ---: | ---: | --- | --- | --- |",
  ];
  for (const r of results) {
    const ratio = r.ratio === undefined ? "" : `${(r.ratio * 100).toFixed(1)}%`;
    const verdict =
      r.ratio !== undefined && r.target !== undefined ? (r.ratio >= r.target ? " ✅" : " ❌") : "";
    lines.push(
      [
        "",
        ` ${r.name} `,
        ` ${fmt(r.median)} ${r.unit} `,
        ` ${r.baseline?.name ?? ""} `,
        ` ${r.baseline ? `${fmt(r.baseline.median)} ${r.unit}` : ""} `,
        ` ${ratio}${verdict} `,
        ` ${r.target === undefined ? "" : `≥ ${r.target * 100}%`} `,
        ` ${r.runs.length}${r.baseline ? ` / ${r.baseline.runs.length}` : ""} `,
        ` ${date} `,
        ` ${machine} `,
        "",
      ].join("|"),
    );
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const filters = process.argv.slice(2);
  const files = (await readdir(here))
    .filter((f) => f.endsWith(".bench.ts"))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  if (files.length === 0) throw new Error(`no bench/*.bench.ts matches ${filters.join(", ")}`);
  const started = Date.now();
  const loadBefore = loadavg()[0] ?? 0;
  const results: Array<BenchResult & { file: string }> = [];
  for (const file of files) {
    console.error(`bench: ${file}`);
    const mod = (await import(pathToFileURL(join(here, file)).href)) as BenchModule;
    for (const r of await mod.run()) {
      results.push({ ...r, file });
      const ratio = r.ratio === undefined ? "" : `, ${(r.ratio * 100).toFixed(1)}% of ${r.baseline?.name}`;
      console.error(`  ${r.name}: ${fmt(r.median)} ${r.unit}${ratio}`);
    }
  }
  const date = new Date().toISOString().slice(0, 10);
  const machine = machineNote();
  const notes = results.filter((r) => r.note).map((r) => `- **${r.name}**: ${r.note}`);
  const runs = results.map(
    (r) =>
      `- ${r.name}: ${r.runs.map(fmt).join(", ")}${r.baseline ? `; baseline: ${r.baseline.runs.map(fmt).join(", ")}` : ""}`,
  );
  const load = `Load average (1 min) at start ${loadBefore.toFixed(2)}, at end ${(loadavg()[0] ?? 0).toFixed(2)}, on ${cpus().length} cores: other work on the machine shows up as spread between runs.`;
  const md = [
    "# Benchmark results",
    "",
    `Written by \`npm run bench\` (\`bench/run.ts\`) on ${new Date().toISOString()} in ${((Date.now() - started) / 1000).toFixed(0)} s.`,
    "Medians of several runs. The ratio compares with a baseline measured in the same run on the same machine:",
    "it is the median, over runs, of each run's result divided by the baseline's result in that same run.",
    "",
    table(results, date, machine),
    "",
    ...(notes.length ? ["## Notes", "", ...notes, ""] : []),
    "## Every run",
    "",
    ...runs,
    "",
    load,
    "",
    `Files: ${[...new Set(results.map((r) => basename(r.file)))].join(", ")}.`,
    "",
  ].join("\n");
  await writeFile(join(here, "RESULTS.md"), md);
  console.error(`bench: wrote ${join(here, "RESULTS.md")}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
