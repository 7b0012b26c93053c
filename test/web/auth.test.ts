/** Sign-in, sessions, the first-start setup, CSRF and the login rate limits. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword, needsRehash, verifyPassword } from "../../src/auth/password.js";
import { csrfOf, fixture, PASSWORD, type Fixture } from "./helpers.js";

describe("first start", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture();
  });
  afterAll(() => f.close());

  it("sends everyone to the setup page, which needs the printed token", async () => {
    const a = f.agent();
    expect((await a.get("/")).headers.location).toBe("/login");
    expect((await a.get("/login")).headers.location).toBe("/setup");
    const noToken = await a.get("/setup");
    expect(noToken.statusCode).toBe(403);
    expect(noToken.body).toContain("user add");
    expect((await a.get("/setup?token=wrong")).statusCode).toBe(403);
  });

  it("checks the form, creates one administrator, signs them in, and closes for good", async () => {
    const token = (await f.web.setupToken()) as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const a = f.agent();
    const page = await a.get(`/setup?token=${token}`);
    expect(page.statusCode).toBe(200);
    const csrf = csrfOf(page.body) as string;
    const bad = await a.post("/setup", {
      _csrf: csrf,
      token,
      username: "bad name!",
      password: "short",
      confirm: "x",
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("lettres, chiffres");
    expect(bad.body).toContain("8 caractères");
    expect(await f.ctx.store.users.count()).toBe(0);
    const mismatch = await a.post("/setup", {
      _csrf: csrf,
      token,
      username: "root",
      password: PASSWORD,
      confirm: "other one",
    });
    expect(mismatch.body).toContain("diffèrent");
    const forged = await a.post("/setup", {
      _csrf: csrf,
      token: "nope",
      username: "root",
      password: PASSWORD,
      confirm: PASSWORD,
    });
    expect(forged.statusCode).toBe(403);
    const noCsrf = await a.post("/setup", { token, username: "root", password: PASSWORD, confirm: PASSWORD });
    expect(noCsrf.statusCode).toBe(403);
    expect(await f.ctx.store.users.count()).toBe(0);
    const ok = await a.post("/setup", {
      _csrf: csrf,
      token,
      username: "root",
      password: PASSWORD,
      confirm: PASSWORD,
    });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe("/");
    const users = await f.ctx.store.users.list();
    expect(users.map((u) => [u.username, u.roles])).toEqual([["root", ["ROLE_USER", "ROLE_ADMIN"]]]);
    expect(users[0]!.passwordHash).toMatch(/^scrypt\$/);
    expect((await a.get("/notificationAccountSender/notificationAccountSenders")).statusCode).toBe(200);
    // Closed now, even with the token.
    expect((await f.agent().get(`/setup?token=${token}`)).headers.location).toBe("/login");
    const b = f.agent();
    const late = await b.post("/setup", {
      _csrf: await b.csrf("/login"),
      token,
      username: "second",
      password: PASSWORD,
      confirm: PASSWORD,
    });
    expect(late.statusCode).toBe(303);
    expect(late.headers.location).toBe("/login");
    expect(await f.ctx.store.users.count()).toBe(1);
    expect(await f.web.setupToken()).toBeNull();
  });
});

describe("sign-in and sessions", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture({ web: { loginRateLimit: { perAddressPerMinute: 1000, freeFailures: 3 } } });
    await f.user("alice");
  });
  afterAll(() => f.close());

  it("signs in with scrypt-checked passwords into a signed, httpOnly, SameSite cookie", async () => {
    const a = f.agent();
    const res = await a.login("alice", PASSWORD);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/");
    const cookie = a.jar.get("ld_session")!;
    expect(cookie.attributes).toMatch(/HttpOnly/i);
    expect(cookie.attributes).toMatch(/SameSite=Lax/i);
    expect(cookie.attributes).toMatch(/Path=\//i);
    const home = await a.get("/");
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain("alice");
  });

  it("refuses a wrong password or an unknown user with the same message", async () => {
    const a = f.agent();
    const wrong = await a.login("alice", "not the password");
    const unknown = await a.login("nobody", "not the password");
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toContain("Identifiant ou mot de passe incorrect");
    expect(unknown.body).toContain("Identifiant ou mot de passe incorrect");
    expect(a.jar.has("ld_session")).toBe(false);
    const empty = await a.post("/login", { _csrf: await a.csrf("/login"), username: "", password: "" });
    expect(empty.statusCode).toBe(400);
  });

  it("ignores a tampered or forged session cookie", async () => {
    const a = f.agent();
    await a.login("alice", PASSWORD);
    const c = a.jar.get("ld_session")!;
    // Change the user id inside the payload, keep the signature.
    const [payload, sig] = [
      c.value.slice(0, c.value.lastIndexOf(".")),
      c.value.slice(c.value.lastIndexOf(".") + 1),
    ];
    const decoded = JSON.parse(Buffer.from(decodeURIComponent(payload), "base64url").toString()) as {
      u: number;
    };
    const forged = Buffer.from(JSON.stringify({ ...decoded, u: decoded.u + 1 })).toString("base64url");
    for (const value of [`${forged}.${sig}`, `${payload}.AAAA`, "garbage"]) {
      a.jar.set("ld_session", { value, attributes: "" });
      const res = await a.get("/");
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe("/login");
    }
  });

  // The password change (which ends the other sessions) is tested in sessions.test.ts.
  it("ends the session after the idle time", async () => {
    await f.user("bob");
    const a = f.agent();
    await a.login("bob", PASSWORD);
    expect((await a.get("/")).statusCode).toBe(200);
    f.clock.advance(13 * 3600_000);
    try {
      expect((await a.get("/")).statusCode).toBe(302);
    } finally {
      f.clock.advance(-13 * 3600_000);
    }
  });

  it("signs out with a CSRF-protected POST only", async () => {
    const a = f.agent();
    await a.login("alice", PASSWORD);
    expect((await a.post("/logout", {})).statusCode).toBe(403);
    expect((await a.post("/logout", { _csrf: "made-up" })).statusCode).toBe(403);
    expect((await a.get("/")).statusCode).toBe(200);
    const out = await a.submit("/logout");
    expect(out.statusCode).toBe(303);
    expect(a.jar.has("ld_session")).toBe(false);
    expect((await a.get("/")).statusCode).toBe(302);
  });

  it("binds CSRF tokens to the session: another visitor's token is refused", async () => {
    const a = f.agent();
    await a.login("alice", PASSWORD);
    const b = f.agent();
    await b.login("alice", PASSWORD);
    const tokenOfA = await a.csrf();
    const res = await b.post("/logout", { _csrf: tokenOfA });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain("Formulaire refusé");
  });

  it("goes back to the page asked for, never to another site", async () => {
    const a = f.agent();
    const gate = await a.get("/notificationAccount/notificationAccounts");
    expect(gate.headers.location).toBe("/login?next=%2FnotificationAccount%2FnotificationAccounts");
    const csrf = await a.csrf("/login?next=%2FnotificationAccount%2FnotificationAccounts");
    const res = await a.post("/login", {
      _csrf: csrf,
      username: "alice",
      password: PASSWORD,
      next: "/notificationAccount/notificationAccounts",
    });
    expect(res.headers.location).toBe("/notificationAccount/notificationAccounts");
    for (const next of ["//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)"]) {
      const b = f.agent();
      const r = await b.post("/login", {
        _csrf: await b.csrf("/login"),
        username: "alice",
        password: PASSWORD,
        next,
      });
      expect(r.headers.location, next).toBe("/");
    }
  });

  it("takes only a local path of printable ASCII as next, and never answers 500 on another (finding 6)", async () => {
    // Fails on the old check: a control character or a full-width solidus went into the Location header.
    const b = f.agent();
    await b.login("alice", PASSWORD);
    for (const raw of ["/%01x", "/%ef%bc%8f", "/a%0d%0aSet-Cookie:x=1", "/%7f", "/caf%C3%A9"]) {
      const anon = f.agent();
      const page = await anon.get(`/login?next=${raw}`);
      expect(page.statusCode, raw).toBe(200);
      expect(page.body, raw).toContain('name="next" value="/"');
      const signedIn = await b.get(`/login?next=${raw}`);
      expect(signedIn.statusCode, raw).toBe(303);
      expect(signedIn.headers.location, raw).toBe("/");
      const c = f.agent();
      const r = await c.post("/login", {
        _csrf: await c.csrf("/login"),
        username: "alice",
        password: PASSWORD,
        next: decodeURIComponent(raw),
      });
      expect(r.statusCode, raw).toBe(303);
      expect(r.headers.location, raw).toBe("/");
    }
  });

  it("makes an address wait, longer each time, after repeated failures for one name, even with the right password", async () => {
    await f.user("carol");
    const a = f.agent();
    for (let i = 0; i < 3; i++) expect((await a.login("carol", "wrong password!")).statusCode).toBe(401);
    const blocked = await a.login("carol", PASSWORD);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.body).toContain("échecs pour cet identifiant depuis votre adresse");
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    f.clock.advance(31_000);
    try {
      // The wait passed: one more failure, and the next wait is twice as long.
      expect((await a.login("carol", "wrong password!")).statusCode).toBe(401);
      f.clock.advance(31_000);
      expect((await a.login("carol", PASSWORD)).statusCode).toBe(429);
      f.clock.advance(31_000);
      expect((await a.login("carol", PASSWORD)).statusCode).toBe(303);
    } finally {
      f.clock.advance(-93_000);
    }
  });
});

describe("failed sign-ins from one address do not lock the user out elsewhere (finding 9)", () => {
  it("five wrong passwords from one address; the real user signs in from another at once", async () => {
    // Fails on the old per-name lock-out: five failures from anywhere blocked the name for 15 minutes.
    const f = await fixture({
      env: { TRUST_PROXY: "1" },
      web: { loginRateLimit: { perAddressPerMinute: 1000 } },
    });
    try {
      await f.user("erin");
      const attacker = f.agent();
      const from = (ip: string) => ({ "x-forwarded-for": ip });
      const csrf = await attacker.csrf("/login");
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await attacker.post(
          "/login",
          { _csrf: csrf, username: "erin", password: `guess number ${i}` },
          from("198.51.100.66"),
        );
        codes.push(res.statusCode);
      }
      expect(codes.slice(0, 3)).toEqual([401, 401, 401]);
      expect(codes.slice(3)).toEqual([429, 429]);
      const real = f.agent();
      const token = await real.csrf("/login");
      const res = await real.post(
        "/login",
        { _csrf: token, username: "erin", password: PASSWORD },
        from("203.0.113.5"),
      );
      expect(res.statusCode).toBe(303);
    } finally {
      await f.close();
    }
  });
});

describe("password hashes (finding 7)", () => {
  it("hashes with scrypt N=2^17, r=8, p=1 and rehashes an older, weaker hash at the next sign-in", async () => {
    const f = await fixture();
    try {
      const old = await hashPassword(PASSWORD, { N: 2 ** 14, r: 8, p: 1 });
      const u = await f.ctx.store.users.create({
        username: "frank",
        passwordHash: old,
        roles: ["ROLE_USER"],
      });
      expect(needsRehash(old)).toBe(true);
      const a = f.agent();
      expect((await a.login("frank", PASSWORD)).statusCode).toBe(303);
      const stored = (await f.ctx.store.users.findById(u.id))!.passwordHash;
      expect(stored).not.toBe(old);
      expect(stored.startsWith("scrypt$131072$8$1$")).toBe(true);
      expect(needsRehash(stored)).toBe(false);
      // Still the same password, and the session survives the rehash.
      expect((await a.get("/user")).statusCode).toBe(200);
      expect((await f.agent().login("frank", PASSWORD)).statusCode).toBe(303);
      expect((await f.agent().login("frank", "not the password")).statusCode).toBe(401);
    } finally {
      await f.close();
    }
  });

  it("refuses stored parameters that are not ours or absurd (no gigabyte allocation from a forged row)", async () => {
    expect(await verifyPassword("x", "scrypt$1073741824$8$1$AAAA$AAAA")).toBe(false);
    expect(await verifyPassword("x", "bcrypt$whatever")).toBe(false);
    expect(needsRehash("scrypt$1000$8$1$AAAA$AAAA")).toBe(true);
  });
});

describe("login rate limit per address", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture({ web: { loginRateLimit: { perAddressPerMinute: 3 } } });
    await f.user("dave");
  });
  afterAll(() => f.close());

  it("answers 429 past the limit", async () => {
    const a = f.agent();
    const csrf = await a.csrf("/login");
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push(
        (await a.post("/login", { _csrf: csrf, username: `u${i}`, password: "whatever123" })).statusCode,
      );
    }
    expect(codes).toEqual([401, 401, 401, 429, 429]);
  });
});

describe("behind a reverse proxy (server.trustProxy)", () => {
  const attempts = async (f: Fixture, from: string): Promise<number[]> => {
    const a = f.agent();
    const csrf = await a.csrf("/login");
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await a.post(
        "/login",
        { _csrf: csrf, username: `v${i}`, password: "whatever123" },
        { "x-forwarded-for": from },
      );
      codes.push(res.statusCode);
    }
    return codes;
  };

  it("trusted: each client address forwarded by the proxy has its own limit", async () => {
    const f = await fixture({
      env: { TRUST_PROXY: "1" },
      web: { loginRateLimit: { perAddressPerMinute: 3 } },
    });
    try {
      await f.user("dave");
      expect(await attempts(f, "198.51.100.7")).toEqual([401, 401, 401, 429]);
      expect(await attempts(f, "203.0.113.9")).toEqual([401, 401, 401, 429]);
    } finally {
      await f.close();
    }
  });

  it("not trusted (the default): the header is ignored, every request counts against the proxy's address", async () => {
    const f = await fixture({ web: { loginRateLimit: { perAddressPerMinute: 3 } } });
    try {
      await f.user("dave");
      expect(await attempts(f, "198.51.100.7")).toEqual([401, 401, 401, 429]);
      expect(await attempts(f, "203.0.113.9")).toEqual([429, 429, 429, 429]);
    } finally {
      await f.close();
    }
  });
});

describe("cookies of a portal served over HTTPS", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture({
      env: { ENEDIS_REDIRECT_URI: "https://portal.example.org/dataconnect-proxy/redirect" },
    });
    await f.user("erin");
  });
  afterAll(() => f.close());

  it("marks the session and CSRF cookies Secure even behind a TLS-terminating proxy", async () => {
    const a = f.agent();
    expect((await a.login("erin", PASSWORD)).statusCode).toBe(303);
    expect(a.jar.get("ld_session")!.attributes).toMatch(/Secure/i);
    expect(a.jar.get("ld_csrf")!.attributes).toMatch(/Secure/i);
  });

  it("has no HEAD twin for the consent routes (a link checker must not use a state)", async () => {
    const a = f.agent();
    for (const url of [
      "/dataconnect-proxy/redirect?state=x",
      "/dataConnect/redirect?state=x",
      "/dataConnect/authorize",
    ]) {
      expect((await a.request({ method: "HEAD", url })).statusCode, url).toBe(404);
    }
  });
});
