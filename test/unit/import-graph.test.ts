/**
 * Acceptance 4 of issue 13: the sync, the planner and the scheduler speak only to the `MeasureSource`
 * port. No file under src/sync or src/scheduler imports an Enedis module (src/enedis, src/sources/enedis)
 * or a gateway source; they import the port (src/sources/port.ts) and source-neutral domain modules.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(
    /(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g,
  ))
    out.push((m[1] ?? m[2]) as string);
  return out;
}

const FORBIDDEN = [/^src\/enedis\//, /^src\/sources\/(?!port\.ts$|limiter\.ts$)/];

describe("import graph", () => {
  const checked = [...files(join(ROOT, "src/sync")), ...files(join(ROOT, "src/scheduler"))];

  it("finds the files it checks (the sync, the planner, the scheduler)", () => {
    const names = checked.map((f) => relative(ROOT, f));
    expect(names).toContain("src/sync/account-sync.ts");
    expect(names).toContain("src/sync/planner.ts");
    expect(names).toContain("src/scheduler/scheduler.ts");
  });

  it("the sync, the planner and the scheduler import no Enedis module and no concrete source", () => {
    const bad: string[] = [];
    for (const f of checked) {
      for (const spec of imports(f)) {
        if (!spec.startsWith(".")) continue;
        const target = relative(ROOT, resolve(dirname(f), spec)).replace(/\.js$/, ".ts");
        if (FORBIDDEN.some((re) => re.test(target))) bad.push(`${relative(ROOT, f)} -> ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
