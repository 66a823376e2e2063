// An Express app on express-session with connect-redis or connect-pg-simple: the Node.js side of
// Tessera's interop tests (tests/Tessera.Interop.Tests), which run a Tessera app on the same Redis
// or PostgreSQL table with the same secret and cookie name, and send each app the other's cookies.
//
// Environment:
//   SESSION_STORE   "redis" (default) or "postgres"
//   REDIS_URL       the Redis server, for example redis://127.0.0.1:6379 (required for redis)
//   DATABASE_URL    the PostgreSQL database, for example postgres://app@127.0.0.1:5432/app
//                   (required for postgres); connect-pg-simple creates its table if missing and
//                   does not prune on its own (POST /prune does)
//   PG_TABLE        connect-pg-simple's tableName (default session)
//   SESSION_SECRET  the secret that signs the cookie (required unless SESSION_SECRETS is set)
//   SESSION_SECRETS a JSON array of secrets, express-session's rotation: the first signs, all
//                   verify (replaces SESSION_SECRET)
//   SESSION_ROLLING "true": express-session's rolling option (default false)
//   SESSION_NAME    the cookie's name (default connect.sid)
//   COOKIE_MAX_AGE  the cookie's maxAge in milliseconds (default 3600000)
//   PORT            the port to listen on, on 127.0.0.1 (default 0: a free port)
//
// When it listens it prints "listening on http://127.0.0.1:<port>".
//
// Endpoints (JSON in and out; {id, values} is the session's ID and its values without the cookie):
//   GET  /health            "ok", without a session
//   GET  /id                {id}
//   GET  /get               {id, values}
//   POST /set               merges the body's keys into the session; {id, values}
//   POST /set-date          {key: iso, ...}: stores each value as a Date; {id, values}
//   GET  /date?key=k        {iso}: the value read back as a Date
//   POST /destroy           destroys the session; {destroyed: id}
//   POST /regenerate        regenerates the session, then merges the body's keys; {id, values}
//   POST /increment         {key}: adds one to the session's number under key (0 when absent); {id, values}
//   GET  /raw/:id           redis: {key, ttl, document}: what connect-redis reads for that ID, and the key's TTL;
//                           postgres: {key, expire, document}: what connect-pg-simple reads for that ID, and
//                           its row's expire as epoch milliseconds (null when there is no row)
//   POST /prune             postgres: connect-pg-simple's pruneSessions; {pruned: true}

import connectPgSimple from "connect-pg-simple";
import { RedisStore } from "connect-redis";
import express from "express";
import session from "express-session";
import pg from "pg";
import { createClient } from "redis";

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`The environment variable ${name} is required.`);
    process.exit(2);
  }
  return value;
}

const storeKind = process.env.SESSION_STORE || "redis";
const secret = process.env.SESSION_SECRETS ? JSON.parse(process.env.SESSION_SECRETS) : required("SESSION_SECRET");
const rolling = process.env.SESSION_ROLLING === "true";
const name = process.env.SESSION_NAME || "connect.sid";
const maxAge = Number(process.env.COOKIE_MAX_AGE || 3600000);
const port = Number(process.env.PORT || 0);

let client;
let pool;
let store;
const prefix = "sess:";
if (storeKind === "postgres") {
  pool = new pg.Pool({ connectionString: required("DATABASE_URL") });
  pool.on("error", (error) => console.error("pg:", error.message));
  const PgStore = connectPgSimple(session);
  store = new PgStore({
    pool,
    tableName: process.env.PG_TABLE || "session",
    createTableIfMissing: true,
    pruneSessionInterval: false,
  });
} else {
  client = createClient({ url: required("REDIS_URL") });
  client.on("error", (error) => console.error("redis:", error.message));
  await client.connect();
  store = new RedisStore({ client, prefix });
}

const app = express();
app.get("/health", (req, res) => res.type("text/plain").send("ok"));

app.use(express.json());
app.use(
  session({
    store,
    secret,
    name,
    resave: false,
    rolling,
    saveUninitialized: false,
    cookie: { maxAge },
  }),
);

function values(sess) {
  const { cookie, ...rest } = JSON.parse(JSON.stringify(sess));
  return rest;
}

function view(req) {
  return { id: req.sessionID, values: values(req.session) };
}

function merge(sess, body) {
  for (const [key, value] of Object.entries(body ?? {})) {
    if (key !== "cookie") {
      sess[key] = value;
    }
  }
}

app.get("/id", (req, res) => res.json({ id: req.sessionID }));

app.get("/get", (req, res) => res.json(view(req)));

app.post("/set", (req, res) => {
  merge(req.session, req.body);
  res.json(view(req));
});

app.post("/set-date", (req, res) => {
  for (const [key, iso] of Object.entries(req.body ?? {})) {
    req.session[key] = new Date(iso);
  }
  res.json(view(req));
});

app.get("/date", (req, res) => {
  const value = req.session[String(req.query.key)];
  const date = new Date(value);
  res.json({ iso: Number.isNaN(date.getTime()) ? null : date.toISOString() });
});

app.post("/destroy", (req, res, next) => {
  const id = req.sessionID;
  req.session.destroy((error) => (error ? next(error) : res.json({ destroyed: id })));
});

app.post("/regenerate", (req, res, next) => {
  req.session.regenerate((error) => {
    if (error) {
      next(error);
      return;
    }
    merge(req.session, req.body);
    res.json(view(req));
  });
});

app.post("/increment", (req, res) => {
  const key = String(req.body?.key);
  req.session[key] = (Number(req.session[key]) || 0) + 1;
  res.json(view(req));
});

app.get("/raw/:id", async (req, res, next) => {
  try {
    const document = await new Promise((resolve, reject) =>
      store.get(req.params.id, (error, sess) => (error ? reject(error) : resolve(sess))),
    );
    if (pool) {
      const result = await pool.query(
        `SELECT (extract(epoch from expire::timestamptz) * 1000)::float8 AS expire FROM ${store.quotedTable()} WHERE sid = $1`,
        [req.params.id],
      );
      res.json({ key: req.params.id, expire: result.rows[0]?.expire ?? null, document: document ?? null });
      return;
    }
    const key = prefix + req.params.id;
    const ttl = await client.ttl(key);
    res.json({ key, ttl, document: document ?? null });
  } catch (error) {
    next(error);
  }
});

app.post("/prune", (req, res, next) => {
  if (!pool) {
    res.status(404).json({ error: "pruning is connect-pg-simple's" });
    return;
  }
  store.pruneSessions((error) => (error ? next(error) : res.json({ pruned: true })));
});

// connect-redis's own listing: length() and ids() SCAN the prefix; all() reads every key found.
app.get("/store/length", async (req, res, next) => {
  try {
    res.json({ length: await store.length() });
  } catch (error) {
    next(error);
  }
});

app.get("/store/ids", async (req, res, next) => {
  try {
    res.json({ ids: await store.ids() });
  } catch (error) {
    next(error);
  }
});

app.get("/store/all", async (req, res, next) => {
  try {
    const all = await store.all();
    res.json({ count: Array.isArray(all) ? all.length : Object.keys(all).length });
  } catch (error) {
    next(error);
  }
});

const server = app.listen(port, "127.0.0.1", (error) => {
  if (error) {
    console.error(`cannot listen on port ${port}: ${error.message}`);
    process.exit(1);
  }
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

async function shutdown() {
  server.close();
  await client?.quit().catch(() => {});
  await store.close?.().catch(() => {});
  await pool?.end().catch(() => {});
  process.exit(0);
}

process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
