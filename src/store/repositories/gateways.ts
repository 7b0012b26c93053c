/**
 * Community gateways: the gateway and encrypted token of each gateway account, the calls made to every
 * gateway (the budgets are counted from them), and the gateways not to call (banned, throttled). Tokens
 * are encrypted with the store's `SecretBox`, bound to the account; they never reach SQL in clear, logs
 * or messages (only `token_hint`, a masked form, is shown).
 */
import type { Scope } from "../scope.js";

export interface GatewayCredential {
  accountId: number;
  gateway: string;
  token: string;
  tokenHint: string;
  prms: string[];
  createdAtMs: number;
  /** Set when the gateway answered 401 for this token (expired, or not covering the PRM). */
  refused: { atMs: number; message: string } | null;
}

export interface GatewayBlock {
  gateway: string;
  kind: "banned" | "throttled";
  message: string;
  sinceMs: number;
  untilMs: number | null;
}

/** A token masked for display: its first 4 characters and its length. */
export function maskToken(token: string): string {
  return `${token.slice(0, 4)}…(${token.length})`;
}

const secretName = (accountId: number) => `gateway.token:${accountId}`;

export class GatewaysRepository {
  constructor(private readonly scope: Scope) {}

  /** Creates or replaces the account's gateway and token (a new token clears a refusal). */
  async setCredential(accountId: number, gateway: string, token: string, prms: string[]): Promise<void> {
    const values = {
      account_id: accountId,
      gateway,
      token_ciphertext: this.scope.box.encrypt(token, secretName(accountId)),
      token_hint: maskToken(token),
      prms: JSON.stringify(prms),
      created_at_ms: this.scope.now(),
      token_refused_at_ms: null,
      token_refused_message: null,
    };
    await this.scope.db
      .insertInto("account_gateway")
      .values(values)
      .onConflict((oc) =>
        oc.column("account_id").doUpdateSet({
          gateway: values.gateway,
          token_ciphertext: values.token_ciphertext,
          token_hint: values.token_hint,
          prms: values.prms,
          token_refused_at_ms: null,
          token_refused_message: null,
        }),
      )
      .execute();
  }

  async credential(accountId: number): Promise<GatewayCredential | undefined> {
    const row = await this.scope.db
      .selectFrom("account_gateway")
      .selectAll()
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    if (!row) return undefined;
    const prms: unknown = JSON.parse(row.prms);
    return {
      accountId: row.account_id,
      gateway: row.gateway,
      token: this.scope.box.decrypt(row.token_ciphertext, secretName(accountId)),
      tokenHint: row.token_hint,
      prms: Array.isArray(prms) ? prms.filter((p): p is string => typeof p === "string") : [],
      createdAtMs: row.created_at_ms,
      refused:
        row.token_refused_at_ms === null
          ? null
          : { atMs: row.token_refused_at_ms, message: row.token_refused_message ?? "" },
    };
  }

  /** The gateway of each gateway account (no token). */
  async gatewaysOfAccounts(): Promise<Map<number, string>> {
    const rows = await this.scope.db
      .selectFrom("account_gateway")
      .select(["account_id", "gateway"])
      .execute();
    return new Map(rows.map((r) => [r.account_id, r.gateway]));
  }

  /** How many accounts of each gateway have a token the gateway refused (401). */
  async refusedByGateway(): Promise<Map<string, number>> {
    const rows = await this.scope.db
      .selectFrom("account_gateway")
      .select(["gateway", (eb) => eb.fn.countAll<number>().as("n")])
      .where("token_refused_at_ms", "is not", null)
      .groupBy("gateway")
      .execute();
    return new Map(rows.map((r) => [r.gateway, Number(r.n)]));
  }

  async markRefused(accountId: number, message: string): Promise<void> {
    await this.scope.db
      .updateTable("account_gateway")
      .set({ token_refused_at_ms: this.scope.now(), token_refused_message: message })
      .where("account_id", "=", accountId)
      .execute();
  }

  async recordCall(gateway: string, scopes: string[], atMs: number, cached = false): Promise<void> {
    if (scopes.length === 0) return;
    await this.scope.db
      .insertInto("gateway_call")
      .values(scopes.map((scope) => ({ gateway, scope, at_ms: atMs, cached: cached ? 1 : 0 })))
      .execute();
  }

  /** Calls of a scope at or after `sinceMs`, optionally only cached (true) or uncached (false) ones. */
  async countCalls(gateway: string, scope: string, sinceMs: number, cached?: boolean): Promise<number> {
    let q = this.scope.db
      .selectFrom("gateway_call")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("gateway", "=", gateway)
      .where("scope", "=", scope)
      .where("at_ms", ">=", sinceMs);
    if (cached !== undefined) q = q.where("cached", "=", cached ? 1 : 0);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  /**
   * The instants of a scope's calls at or after `sinceMs`, oldest first (when the budget frees up);
   * optionally only cached (true) or uncached (false) ones.
   */
  async callTimes(gateway: string, scope: string, sinceMs: number, cached?: boolean): Promise<number[]> {
    let q = this.scope.db
      .selectFrom("gateway_call")
      .select("at_ms")
      .where("gateway", "=", gateway)
      .where("scope", "=", scope)
      .where("at_ms", ">=", sinceMs);
    if (cached !== undefined) q = q.where("cached", "=", cached ? 1 : 0);
    const rows = await q.orderBy("at_ms").execute();
    return rows.map((r) => r.at_ms);
  }

  /**
   * The most calls any one account of the gateway made at or after `sinceMs` (per-account budgets),
   * optionally only cached (true) or uncached (false) ones; 0 when none.
   */
  async maxAccountCalls(gateway: string, sinceMs: number, cached?: boolean): Promise<number> {
    let q = this.scope.db
      .selectFrom("gateway_call")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("gateway", "=", gateway)
      .where("scope", "like", "account:%")
      .where("at_ms", ">=", sinceMs);
    if (cached !== undefined) q = q.where("cached", "=", cached ? 1 : 0);
    const rows = await q.groupBy("scope").execute();
    return rows.reduce((m, r) => Math.max(m, Number(r.n)), 0);
  }

  async pruneCalls(beforeMs: number): Promise<void> {
    await this.scope.db.deleteFrom("gateway_call").where("at_ms", "<", beforeMs).execute();
  }

  async block(b: GatewayBlock): Promise<void> {
    const values = {
      gateway: b.gateway,
      kind: b.kind,
      message: b.message,
      since_ms: b.sinceMs,
      until_ms: b.untilMs,
    };
    await this.scope.db
      .insertInto("gateway_block")
      .values(values)
      .onConflict((oc) =>
        oc.column("gateway").doUpdateSet({ kind: b.kind, message: b.message, until_ms: b.untilMs }),
      )
      .execute();
  }

  async blocks(): Promise<GatewayBlock[]> {
    const rows = await this.scope.db.selectFrom("gateway_block").selectAll().orderBy("gateway").execute();
    return rows.map((r) => ({
      gateway: r.gateway,
      kind: r.kind === "banned" ? "banned" : "throttled",
      message: r.message,
      sinceMs: r.since_ms,
      untilMs: r.until_ms,
    }));
  }

  async blockOf(gateway: string): Promise<GatewayBlock | undefined> {
    return (await this.blocks()).find((b) => b.gateway === gateway);
  }

  /** True when there was one. */
  async clearBlock(gateway: string): Promise<boolean> {
    const r = await this.scope.db
      .deleteFrom("gateway_block")
      .where("gateway", "=", gateway)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}
