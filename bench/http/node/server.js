// One express server of Tessera's HTTP load test (bench/http/run.sh), on 127.0.0.1 only:
//   node server.js <variant> <port> [redis host:port]
// Variants: express (no sessions), express-memory (express-session's MemoryStore),
// express-redis (connect-redis). Endpoints as the .NET servers: /new, /rmw, /read, /health.

import express from "express";
import session from "express-session";

const [variant, portText, redisAddress = "127.0.0.1:6379"] = process.argv.slice(2);
const port = Number(portText);
if (!variant || !port) {
  console.error("usage: node server.js <variant> <port> [redis host:port]");
  process.exit(2);
}

const app = express();
app.disable("x-powered-by");
app.disable("etag");

function respond(res, views) {
  res.type("text/plain; charset=utf-8").send(`views: ${views}`);
}

app.get("/health", (req, res) => respond(res, 0));

if (variant === "express") {
  // The same handler without sessions.
  app.get("/new", (req, res) => respond(res, 1));
  app.get("/rmw", (req, res) => respond(res, 1));
  app.get("/read", (req, res) => respond(res, 1));
} else {
  let store;
  if (variant === "express-redis") {
    const { createClient } = await import("redis");
    const { RedisStore } = await import("connect-redis");
    const client = createClient({ url: `redis://${redisAddress}` });
    client.on("error", (error) => console.error("redis:", error.message));
    await client.connect();
    store = new RedisStore({ client, prefix: "sess:" });
  } else if (variant === "express-memory") {
    store = new session.MemoryStore();
  } else {
    console.error(`unknown variant ${variant}`);
    process.exit(2);
  }

  app.use(
    session({
      store,
      secret: "keyboard cat",
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 3600000 },
    }),
  );
  app.get("/new", (req, res) => {
    req.session.views = 1;
    respond(res, 1);
  });
  app.get("/rmw", (req, res) => {
    const views = (req.session.views || 0) + 1;
    req.session.views = views;
    respond(res, views);
  });
  app.get("/read", (req, res) => respond(res, req.session.views || 0));
}

// Express 5 hands a failed listen (a port in use) to this callback instead of throwing.
app.listen(port, "127.0.0.1", (error) => {
  if (error) {
    console.error(`cannot listen on 127.0.0.1:${port}: ${error.message}`);
    process.exit(1);
  }
  console.log(`listening on http://127.0.0.1:${port}`);
});
