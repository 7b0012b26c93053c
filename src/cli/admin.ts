/** `migrate`, `user add`, `sender add`, `account add`. */
import type { Command } from "commander";
import { AccountInputError, registerAccount } from "../accounts/service.js";
import { hashPassword, passwordProblem } from "../auth/password.js";
import { validateQuartzCron } from "../scheduler/cron.js";
import { findImplementation, implementations } from "../senders/registry.js";
import { UniqueViolationError } from "../store/errors.js";
import { ROLE_ADMIN, ROLE_USER } from "../store/repositories/users.js";
import { resolveEnedis } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { GATEWAY_IDS, isGatewayId, type GatewayId } from "../sources/port.js";
import { gateways, gatewayUrl, GatewayTokenError } from "../sources/registry.js";
import type { Store } from "../store/index.js";
import { maskToken } from "../store/repositories/gateways.js";
import { withStore } from "./context.js";
import { CliError, EXIT_USAGE, printResult } from "./output.js";
import { newPassword, readSecretFromStdin } from "./prompt.js";
import { channelOf } from "../alerts/channels/index.js";
import { checkSenderSecrets, parseChannelConfig, saveSenderSecrets } from "../alerts/channels/settings.js";

const USERNAME_RE = /^[A-Za-z0-9._@-]{1,64}$/;
const ROLE_RE = /^ROLE_[A-Z0-9_]+$/;

export function registerAdminCommands(program: Command): void {
  program
    .command("migrate")
    .description("apply database migrations (also done by serve, worker and sync)")
    .action(async (_o: unknown, cmd: Command) => {
      await withStore(cmd, async ({ store }, g) => {
        const applied = store.migrations.applied;
        printResult(g, applied.length ? `applied: ${applied.join(", ")}` : "database is up to date", {
          applied,
        });
      });
    });

  const user = program.command("user").description("local users");
  user
    .command("add <name>")
    .description(
      "create a local user (ROLE_USER, plus ROLE_ADMIN with --admin); the password is asked on a terminal, or read from stdin with --password-stdin",
    )
    .option("--password-stdin", "read the password from the first line of standard input")
    .option("--password <p>", "password (at least 8 characters); visible in the shell history and ps: avoid")
    .option("--admin", "also grant ROLE_ADMIN")
    .action(
      async (
        name: string,
        o: { password?: string; passwordStdin?: boolean; admin?: boolean },
        cmd: Command,
      ) => {
        if (!USERNAME_RE.test(name))
          throw new CliError(`user name "${name}": use 1-64 letters, digits, . _ @ -`, EXIT_USAGE);
        const password = await newPassword(o);
        const problem = passwordProblem(password);
        if (problem) throw new CliError(problem, EXIT_USAGE);
        await withStore(cmd, async ({ store }, g) => {
          const roles = o.admin ? [ROLE_USER, ROLE_ADMIN] : [ROLE_USER];
          try {
            const u = await store.users.create({
              username: name,
              passwordHash: await hashPassword(password),
              roles,
            });
            printResult(g, `user ${u.username} created (${roles.join(", ")})`, {
              id: u.id,
              username: u.username,
              roles,
            });
          } catch (e) {
            if (e instanceof UniqueViolationError) throw new CliError(`user "${name}" already exists`);
            throw e;
          }
        });
      },
    );

  const sender = program.command("sender").description("notification account senders (connectors)");
  sender
    .command("add")
    .description("create a NotificationAccountSender")
    .requiredOption("--libelle <label>", "unique label")
    .requiredOption(
      "--impl <impl>",
      `implementation (${implementations()
        .map((i) => i.key)
        .join(", ")})`,
    )
    .option("--cron <expr>", "Quartz cron expression, e.g. '0 0/10 * * * ?' (every 10 minutes)")
    .option("--role <role>", "role a user needs to use it (e.g. ROLE_USER)")
    .option(
      "--set <key=value>",
      "a channel sender's setting (repeatable), e.g. --set host=smtp.example.org --set port=587",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      "--secrets-stdin",
      'read a channel sender\'s secrets from the first line of stdin, as JSON: {"password":"…"} (e-mail), {"signingKey":"…"} (webhook)',
    )
    .option("--disabled", "create a channel sender switched off")
    .action(
      async (
        o: {
          libelle: string;
          impl: string;
          cron?: string;
          role?: string;
          set: string[];
          secretsStdin?: boolean;
          disabled?: boolean;
        },
        cmd: Command,
      ) => {
        const libelle = o.libelle.trim();
        if (!libelle || libelle.length > 255)
          throw new CliError("--libelle must be 1 to 255 characters", EXIT_USAGE);
        const impl = findImplementation(o.impl);
        if (!impl) {
          throw new CliError(
            `unknown implementation "${o.impl}" (known: ${implementations()
              .map((i) => i.key)
              .join(", ")})`,
            EXIT_USAGE,
          );
        }
        if (o.cron !== undefined) {
          const problem = validateQuartzCron(o.cron);
          if (problem) throw new CliError(`invalid cron "${o.cron}": ${problem}`, EXIT_USAGE);
        }
        if (o.role !== undefined && !ROLE_RE.test(o.role))
          throw new CliError(`--role must look like ROLE_NAME, got "${o.role}"`, EXIT_USAGE);
        // Channel senders (alerts): settings from --set, secrets from stdin, no cron.
        const channel = channelOf(impl.key);
        if (!channel && (o.set.length > 0 || o.secretsStdin || o.disabled))
          throw new CliError(
            `--set, --secrets-stdin and --disabled are for alert channels, not ${impl.key}`,
            EXIT_USAGE,
          );
        if (channel && o.cron !== undefined)
          throw new CliError(`an alert channel (${impl.key}) has no cron`, EXIT_USAGE);
        let config: Record<string, unknown> | undefined;
        let secrets: Record<string, string> = {};
        if (channel) {
          const strings: Record<string, string> = {};
          for (const kv of o.set) {
            const eq = kv.indexOf("=");
            const key = eq > 0 ? kv.slice(0, eq) : "";
            if (!channel.fields.some((f) => f.name === key))
              throw new CliError(
                `--set ${kv}: ${impl.key} settings are ${channel.fields.map((f) => f.name).join(", ") || "none"}`,
                EXIT_USAGE,
              );
            strings[key] = kv.slice(eq + 1);
          }
          const parsed = parseChannelConfig(channel, strings);
          if (!parsed.ok)
            throw new CliError(
              Object.entries(parsed.errors)
                .map(([k, v]) => `--set ${k}: ${v}`)
                .join("; "),
              EXIT_USAGE,
            );
          config = parsed.config;
          if (o.secretsStdin) {
            let v: unknown;
            try {
              v = JSON.parse(await readSecretFromStdin());
            } catch {
              throw new CliError(
                "--secrets-stdin: the first line of stdin must be a JSON object",
                EXIT_USAGE,
              );
            }
            if (typeof v !== "object" || v === null || Array.isArray(v))
              throw new CliError(
                "--secrets-stdin: the first line of stdin must be a JSON object",
                EXIT_USAGE,
              );
            for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
              if (!channel.secretFields.some((f) => f.name === k) || typeof val !== "string")
                throw new CliError(
                  `--secrets-stdin: ${impl.key} secrets are ${channel.secretFields.map((f) => f.name).join(", ") || "none"} (strings)`,
                  EXIT_USAGE,
                );
              secrets[k] = val;
            }
          }
        }
        await withStore(cmd, async ({ store }, g) => {
          if (channel) {
            const problems = await checkSenderSecrets(store, null, channel, secrets);
            const first = Object.entries(problems)[0];
            if (first)
              throw new CliError(
                `secret ${first[0]}: ${first[1]} (give it with --secrets-stdin)`,
                EXIT_USAGE,
              );
          }
          try {
            const s = await store.transaction(async (tx) => {
              const created = await tx.senders.create({
                libelle,
                implClass: impl.key,
                cron: o.cron ?? null,
                role: o.role ?? null,
                ...(config ? { config, enabled: !o.disabled } : {}),
              });
              if (channel) await saveSenderSecrets(tx, created.id, channel, secrets);
              return created;
            });
            secrets = {};
            printResult(
              g,
              `sender "${s.libelle}" created (${impl.key}${channel ? (s.enabled ? ", enabled" : ", disabled") : s.cron ? `, cron ${s.cron}` : ", no cron"})`,
              s,
            );
          } catch (e) {
            if (e instanceof UniqueViolationError)
              throw new CliError(`a sender labelled "${libelle}" already exists`);
            throw e;
          }
        });
      },
    );

  const account = program.command("account").description("accounts (a user's usage point under a sender)");
  account
    .command("add")
    .description("register a usage point whose consent was already given (sandbox, simulator, migration)")
    .requiredOption("--user <name>", "owner")
    .requiredOption("--usage-point <prm>", "14-digit usage point id")
    .option("--sender <label>", "sender label (default: the DataConnect sender)")
    .option(
      "--gateway <gateway>",
      "a household without an Enedis application: read the meter through conso-api, myelectricaldata (v1) or myelectricaldata-v2",
    )
    .option("--token <token>", "the household's gateway token (kept encrypted; checked to cover the PRM)")
    .action(
      async (
        o: { user: string; usagePoint: string; sender?: string; gateway?: string; token?: string },
        cmd: Command,
      ) => {
        if (o.gateway !== undefined && !isGatewayId(o.gateway))
          throw new CliError(
            `--gateway must be one of ${GATEWAY_IDS.join(", ")}, got "${o.gateway}"`,
            EXIT_USAGE,
          );
        if ((o.gateway === undefined) !== (o.token === undefined))
          throw new CliError("--gateway and --token go together", EXIT_USAGE);
        await withStore(cmd, async ({ store, config, now }, g) => {
          try {
            let gateway: { id: GatewayId; token: string; prms: string[] } | undefined;
            if (o.gateway !== undefined && o.token !== undefined && isGatewayId(o.gateway)) {
              const token = o.token.trim();
              const prms = await checkGatewayToken(store, config, o.gateway, token, o.usagePoint.trim(), now);
              gateway = { id: o.gateway, token, prms };
            }
            const r = await registerAccount(store, config, {
              username: o.user,
              usagePointId: o.usagePoint,
              ...(o.sender ? { senderLibelle: o.sender } : {}),
              ...(gateway ? { gateway } : {}),
              nowMs: now(),
            });
            printResult(
              g,
              `${r.created ? "account created" : "account already there"}: ${o.usagePoint} for ${o.user} (account ${r.account.id}, device ${r.device.id})`,
              { accountId: r.account.id, deviceId: r.device.id, created: r.created },
            );
          } catch (e) {
            if (e instanceof AccountInputError)
              throw new CliError(e.message, /14 digits/.test(e.message) ? EXIT_USAGE : 1);
            if (e instanceof GatewayTokenError) throw new CliError(e.message, 1);
            throw e;
          }
        });
      },
    );
}

/**
 * Checks at once that a gateway token covers the PRM: the PRMs it covers, or GatewayTokenError with a
 * plain message (the token itself is never printed, only its masked form).
 */
async function checkGatewayToken(
  store: Store,
  config: Config,
  id: GatewayId,
  token: string,
  prm: string,
  now: () => number,
): Promise<string[]> {
  if (!/^\d{14}$/.test(prm)) return [];
  const entry = gateways().find((e) => e.id === id);
  if (!entry) throw new GatewayTokenError(`the ${id} source is not available in this version`);
  const env = (() => {
    try {
      return resolveEnedis(config);
    } catch {
      return null;
    }
  })();
  const prms = await entry.covered(
    {
      accountId: 0,
      token,
      baseUrl: gatewayUrl(config, id, env?.env === "simulator" ? env.apiUrl : null),
      ledger: store.gateways,
      accountsOnGateway: 1,
      now,
    },
    [prm],
  );
  if (!prms.includes(prm)) {
    throw new GatewayTokenError(
      `the ${entry.label} token ${maskToken(token)} does not cover usage point ${prm}` +
        (prms.length > 0 ? ` (it covers ${prms.join(", ")})` : " (it covers no usage point)") +
        ": ask the gateway for a token that covers it",
    );
  }
  return prms;
}
