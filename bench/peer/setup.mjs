// Prepares the peer's database: better-auth's own migrations
// (getMigrations), one verified account PEER_EMAIL / PEER_PASSWORD signed
// up through the library, and PEER_SESSIONS sessions of PEER_USERS
// accounts inserted with SQL, their cookies (signed as better-call signs
// them: token "." base64(HMAC-SHA256(secret, token)), URI-encoded)
// written to the file PEER_COOKIES, one a line.
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { getMigrations } from "better-auth/db/migration";
import { auth, pool } from "./auth.mjs";

const env = process.env;
const nsessions = Number(env.PEER_SESSIONS || 1000);
const nusers = Number(env.PEER_USERS || 200);

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();
await auth.api.signUpEmail({
  body: { email: env.PEER_EMAIL, password: env.PEER_PASSWORD, name: "bench" },
});
const first = await pool.query('SELECT id, "emailVerified" FROM "user" WHERE email = $1',
  [env.PEER_EMAIL]);
await pool.query('UPDATE "user" SET "emailVerified" = true WHERE id = $1', [first.rows[0].id]);

// More accounts, without a password: they only hold sessions.
const ids = [first.rows[0].id];
for (let i = 1; i < nusers; i++) {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO "user" (id, name, email, "emailVerified", "createdAt", "updatedAt")
     VALUES ($1, 'bench', $2, true, now(), now())`, [id, `peer-${i}@bench.example`]);
  ids.push(id);
}
const cookies = [];
for (let i = 0; i < nsessions; i++) {
  const token = randomBytes(24).toString("base64url");
  await pool.query(
    `INSERT INTO session (id, "expiresAt", token, "createdAt", "updatedAt", "ipAddress", "userAgent", "userId")
     VALUES ($1, now() + interval '7 days', $2, now(), now(), '127.0.0.1', 'bench/run', $3)`,
    [randomUUID(), token, ids[i % ids.length]]);
  const sig = createHmac("sha256", env.PEER_SECRET).update(token).digest("base64");
  cookies.push(encodeURIComponent(`${token}.${sig}`));
}
writeFileSync(env.PEER_COOKIES, cookies.join("\n") + "\n");
await pool.end();
