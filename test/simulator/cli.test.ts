import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { registerSimulatorCommand, simulatorOptionsFromFlags } from "../../src/cli/simulator.js";
import { CliError, EXIT_USAGE } from "../../src/cli/output.js";

const defaults = {
  port: "4010",
  host: "127.0.0.1",
  quotaPerSecond: "5",
  quotaPerHour: "1000",
  faultRate: "0",
  seed: "1",
  clientId: "simulator-client",
  clientSecret: "simulator-secret",
  lateDays: [] as string[],
};

function usageError(f: () => unknown): CliError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(EXIT_USAGE);
    return err as CliError;
  }
  throw new Error("no error");
}

describe("simulator command line", () => {
  it("turns the flags into options", () => {
    expect(
      simulatorOptionsFromFlags({
        ...defaults,
        faultRate: "0.25",
        lateDays: ["22516914714270=2"],
        autoConsent: true,
        octetStreamEvery: "0",
      }),
    ).toMatchObject({
      port: 4010,
      quotaPerSecond: 5,
      quotaPerHour: 1000,
      faultRate: 0.25,
      seed: "1",
      autoConsent: true,
      openConsent: false,
      lateDays: { "22516914714270": 2 },
      octetStreamEvery: 0,
    });
  });

  it("refuses bad numbers with exit 2 and a message naming the flag", () => {
    const cases: [Partial<typeof defaults>, string][] = [
      [{ port: "abc" }, "--port"],
      [{ port: "70000" }, "--port"],
      [{ quotaPerSecond: "0" }, "--quota-per-second"],
      [{ quotaPerSecond: "2.5" }, "--quota-per-second"],
      [{ quotaPerHour: "-1" }, "--quota-per-hour"],
      [{ faultRate: "1.5" }, "--fault-rate"],
      [{ faultRate: "x" }, "--fault-rate"],
      [{ lateDays: ["nope"] }, "--late-days"],
      [{ clientId: "" }, "--client-id"],
    ];
    for (const [flags, name] of cases) {
      expect(usageError(() => simulatorOptionsFromFlags({ ...defaults, ...flags })).message).toContain(name);
    }
  });

  it("registers the documented flags", () => {
    const program = new Command();
    registerSimulatorCommand(program);
    const cmd = program.commands.find((c) => c.name() === "simulator");
    const flags = cmd?.options.map((o) => o.long) ?? [];
    for (const f of [
      "--port",
      "--quota-per-second",
      "--quota-per-hour",
      "--fault-rate",
      "--seed",
      "--client-id",
      "--client-secret",
    ]) {
      expect(flags).toContain(f);
    }
  });
});
