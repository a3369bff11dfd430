// The peer's better-auth instance, shared by server.mjs and setup.mjs.
// Environment: libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE (its
// own database on the bench stack's PostgreSQL), PEER_SECRET, PEER_PORT,
// PEER_POOL (connections per process).
import pg from "pg";
import { betterAuth } from "better-auth";

const env = process.env;

export const pool = new pg.Pool({ max: Number(env.PEER_POOL || 8) });

// Email and password as the library ships them (scrypt N=16384, r=16,
// p=1), a sign-up that does not sign in (authd's signup answers 202 and
// issues nothing), no rate limit (bench/run measures authd with limits
// that never refuse), no telemetry.
export const auth = betterAuth({
  database: pool,
  secret: env.PEER_SECRET,
  baseURL: `http://127.0.0.1:${env.PEER_PORT}`,
  emailAndPassword: { enabled: true, autoSignIn: false },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
});
