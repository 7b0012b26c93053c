/**
 * Flash values (POST-redirect-GET): kept encrypted for a few minutes, read once when asked, and expired
 * ones deleted at the next write without being read.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Flash } from "../../src/web/flash.js";
import { fixture, type Fixture } from "./helpers.js";

describe("flash values", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture();
  });
  afterAll(() => f.close());

  it("keeps a value until it expires, once when asked, and purges expired ones", async () => {
    const flash = new Flash(f.ctx.store, f.clock.now);
    await flash.put("token:a", "secret A", 60_000);
    await flash.put("apitest.b", "answer B", 60_000);
    expect(await flash.get("apitest.b")).toBe("answer B");
    expect(await flash.get("apitest.b")).toBe("answer B");
    expect(await flash.get("token:a", { once: true })).toBe("secret A");
    expect(await flash.get("token:a")).toBeNull();
    // Stored encrypted: the plaintext is nowhere in the secrets' names.
    expect((await f.ctx.store.secrets.names()).join(" ")).not.toContain("answer B");
    f.clock.advance(61_000);
    expect(await flash.get("apitest.b")).toBeNull();
    await flash.put("token:c", "secret C", 60_000);
    await flash.put("token:d", "secret D", 60_000);
    f.clock.advance(61_000);
    await flash.put("token:e", "secret E", 60_000);
    const names = (await f.ctx.store.secrets.names()).filter((n) => n.startsWith("flash:"));
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/:token:e$/);
  });
});
