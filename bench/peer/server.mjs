// The peer's HTTP server: better-auth's Node handler on 127.0.0.1:PEER_PORT,
// PEER_WORKERS processes (node:cluster, one listening socket), as authd
// runs several processes per endpoint. Stops on SIGTERM.
import cluster from "node:cluster";
import http from "node:http";

const env = process.env;
const workers = Number(env.PEER_WORKERS || 2);

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  let stopping = false;
  cluster.on("exit", (w, code) => {
    if (!stopping) {
      console.error(`peer: worker ${w.process.pid} exited (${code})`);
      process.exitCode = 1;
    }
    if (Object.keys(cluster.workers).length === 0) process.exit();
  });
  process.on("SIGTERM", () => {
    stopping = true;
    for (const w of Object.values(cluster.workers)) w.kill("SIGTERM");
  });
} else {
  const { toNodeHandler } = await import("better-auth/node");
  const { auth, pool } = await import("./auth.mjs");
  const server = http.createServer(toNodeHandler(auth));
  server.keepAliveTimeout = 65000;
  server.listen(Number(env.PEER_PORT), "127.0.0.1");
  // The library keeps timers of its own: the worker ends explicitly once
  // its connections and its database pool are closed.
  process.on("SIGTERM", () => {
    server.close();
    server.closeAllConnections();
    pool.end().finally(() => process.exit(0));
  });
}
