/** `import FILE… [--usage-point PRM]` (Enedis export files) and `import-seed --from postgres://…`. */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { Command } from "commander";
import { isUsagePointId } from "../domain/types.js";
import type { FileImportReport, ImportProgress } from "../import/file-import.js";
import { importFile } from "../import/service.js";
import { ImportRefusal } from "../import/text.js";
import { withStore } from "./context.js";
import { withoutPrms } from "../domain/redact.js";
import { CliError, EXIT_FAILURE, EXIT_USAGE, log, printResult } from "./output.js";

/** A bar on a terminal, a line per tenth otherwise (logs, CI); never a PRM. */
export function progressBar(label: string): { update: (p: ImportProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  let lastTenth = -1;
  let drawn = false;
  return {
    update({ done, total }) {
      const frac = total > 0 ? done / total : 1;
      if (tty) {
        const width = 30;
        const filled = Math.round(frac * width);
        process.stderr.write(
          `\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`,
        );
        drawn = true;
      } else {
        const tenth = Math.floor(frac * 10);
        if (tenth !== lastTenth) {
          lastTenth = tenth;
          process.stderr.write(`${label}: ${done}/${total} (${Math.round(frac * 100)}%)\n`);
        }
      }
    },
    end() {
      if (drawn) process.stderr.write("\n");
    },
  };
}

function describe(name: string, r: FileImportReport): string {
  const c = r.conflicts.count
    ? `; ${r.conflicts.count} value(s) differ from stored data, kept as stored (first days ${r.conflicts.firstDays.join(", ")})`
    : "";
  const days = `${r.days.complete} day(s) complete, ${r.days.partial} partial, ${r.days.missing} missing recorded`;
  return `${name}: ${r.format} ${r.dataset}, ${r.readings} reading(s): ${r.stored} stored, ${r.unchanged} already there, ${r.missing} missing in the file; ${days}${c}${r.stored === 0 && r.days.complete + r.days.partial + r.days.missing === 0 ? " (nothing changed)" : ""}`;
}

export function registerImportCommands(program: Command): void {
  program
    .command("import")
    .description(
      "import Enedis customer-site exports (Heure, Jour, Pmax, Conso Downloader, R63, weekly XLSX), format detected from the content; the account must exist",
    )
    .argument("<files...>", "files to import")
    .option("--usage-point <prm>", "usage point (default: the one the file names)")
    .action(async (files: string[], o: { usagePoint?: string }, cmd: Command) => {
      if (o.usagePoint !== undefined && !isUsagePointId(o.usagePoint))
        throw new CliError(
          `--usage-point must be a 14-digit usage point id, got "${o.usagePoint}"`,
          EXIT_USAGE,
        );
      await withStore(cmd, async ({ store, now }, g) => {
        const results: Array<{ file: string; ok: boolean; message: string; report?: FileImportReport[] }> =
          [];
        for (const path of files) {
          const name = basename(path);
          try {
            const buf = await readFile(path).catch((e: NodeJS.ErrnoException) => {
              throw new ImportRefusal(null, `cannot read the file (${e.code ?? e.message})`);
            });
            const bars = new Map<number, ReturnType<typeof progressBar>>();
            const reports = await importFile(store, buf, name, {
              ...(o.usagePoint && { usagePointId: o.usagePoint }),
              nowMs: now(),
              onProgress(deviceId, p) {
                let bar = bars.get(deviceId);
                if (!bar) {
                  bar = progressBar(`import ${withoutPrms(name)} (device ${deviceId})`);
                  bars.set(deviceId, bar);
                }
                bar.update(p);
              },
            });
            for (const bar of bars.values()) bar.end();
            results.push({
              file: name,
              ok: true,
              message: reports.map((r) => describe(name, r)).join("\n"),
              report: reports,
            });
          } catch (e) {
            if (!(e instanceof ImportRefusal)) throw e;
            results.push({
              file: name,
              ok: false,
              message: `${name}: refused, nothing stored: ${e.message}`,
            });
          }
        }
        printResult(
          g,
          results.map((r) => r.message).join("\n"),
          results.map((r) => ({ file: r.file, ok: r.ok, message: r.message, reports: r.report ?? [] })),
        );
        const refused = results.filter((r) => !r.ok);
        if (refused.length > 0) {
          for (const r of refused) log(`linky-dataconnect: ${r.message}`);
          process.exitCode = EXIT_FAILURE;
        }
      });
    });
}
