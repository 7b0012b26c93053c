/** Each gateway's budget and use, and its block (banned, throttled): for `status` and the operator. */
import type { GatewaysRepository } from "../store/repositories/gateways.js";
import { gateways } from "./registry.js";

export interface GatewayStatus {
  gateway: string;
  label: string;
  accounts: number;
  rules: { label: string; scope: string; limit: number; used: number }[];
  block: { kind: string; message: string; sinceMs: number; untilMs: number | null } | null;
}

export async function gatewayStatus(repo: GatewaysRepository, nowMs: number): Promise<GatewayStatus[]> {
  const byAccount = await repo.gatewaysOfAccounts();
  const out: GatewayStatus[] = [];
  for (const g of gateways()) {
    const accounts = [...byAccount.values()].filter((x) => x === g.id).length;
    const rules = [];
    for (const r of g.capabilities.quota?.rules ?? []) {
      if (r.per !== "address") continue;
      const since = r.windowMs > 0 ? nowMs - r.windowMs : Math.floor(nowMs / 86_400_000) * 86_400_000;
      rules.push({
        label: r.label,
        scope: "address",
        limit: r.limit,
        used: await repo.countCalls(g.id, "address", since),
      });
    }
    const b = await repo.blockOf(g.id);
    out.push({
      gateway: g.id,
      label: g.label,
      accounts,
      rules,
      block: b ? { kind: b.kind, message: b.message, sinceMs: b.sinceMs, untilMs: b.untilMs } : null,
    });
  }
  return out;
}

/** One budget rule of a gateway and its use now, for `/metrics` (no PRM, no account id). */
export interface GatewayBudgetUse {
  gateway: string;
  /** `12h`, `24h`… for a sliding window, `utc_day` for a calendar day. */
  window: string;
  /** `address` (shared by the installation), or `account` (the busiest account's use). */
  scope: "address" | "account";
  /** `cached` / `uncached` when the gateway counts them apart (MyElectricalData v2), else `all`. */
  calls: "all" | "cached" | "uncached";
  limit: number;
  used: number;
}

/** Every gateway's budget rules and their use, read from the calls recorded in the database. */
export async function gatewayBudgets(repo: GatewaysRepository, nowMs: number): Promise<GatewayBudgetUse[]> {
  const out: GatewayBudgetUse[] = [];
  for (const g of gateways()) {
    const rules = g.capabilities.quota?.rules ?? [];
    const split = rules.some((r) => r.cached === true);
    for (const r of rules) {
      const since = r.windowMs > 0 ? nowMs - r.windowMs : Math.floor(nowMs / 86_400_000) * 86_400_000;
      const cached = split ? r.cached === true : undefined;
      const used =
        r.per === "address"
          ? await repo.countCalls(g.id, "address", since, cached)
          : await repo.maxAccountCalls(g.id, since, cached);
      out.push({
        gateway: g.id,
        window: r.windowMs > 0 ? `${Math.round(r.windowMs / 3_600_000)}h` : "utc_day",
        scope: r.per === "address" ? "address" : "account",
        calls: cached === undefined ? "all" : cached ? "cached" : "uncached",
        limit: r.limit,
        used,
      });
    }
  }
  return out;
}
