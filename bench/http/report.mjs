// The report of bench/http/run.sh: reads the raw wrk figures and peak RSS, prints the table
// (median requests/s, ratio to the server's floor in the same run, peak RSS), and writes it as
// results.md with a bar chart of the ratios, results.svg. A server's floor is bare Kestrel, or for
// a server on Redis the Redis floor (bare Kestrel making only the Redis round trips a session
// needs), when the run has it.
//   node report.mjs raw.tsv rss.tsv results.md results.svg started reps duration warmup connections sessions

import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";

const [rawPath, rssPath, mdPath, svgPath, started, reps, duration, warmup, connections, sessions] = process.argv.slice(2);

const scenarios = [
  ["new", "new visitor"],
  ["rmw", "returning, read-modify-write"],
  ["read", "returning, read-only"],
];
const labels = {
  kestrel: "bare Kestrel (no sessions)",
  "tessera-memory": "Tessera, MemoryStore",
  "tessera-sqlite": "Tessera, SqliteStore",
  "redis-floor": "Redis floor (Kestrel + StackExchange.Redis)",
  "tessera-redis": "Tessera, RedisStore",
  "tessera-redis-touchafter": "Tessera, RedisStore, TouchAfter 1 min",
  "aspnet-memory": "Microsoft session, memory cache",
  "aspnet-redis": "Microsoft session, Redis cache",
  express: "bare express (no sessions)",
  "express-memory": "express-session, MemoryStore",
  "express-redis": "express-session, connect-redis",
};
const colors = {
  "tessera-memory": "#1b7f4b",
  "tessera-sqlite": "#4fae73",
  "redis-floor": "#444444",
  "tessera-redis": "#9ed3a9",
  "tessera-redis-touchafter": "#c6e8cc",
  "aspnet-memory": "#2456a6",
  "aspnet-redis": "#86a8de",
  express: "#7a7a7a",
  "express-memory": "#c8581e",
  "express-redis": "#f0a36b",
};

function rows(path) {
  const [header, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  const names = header.split("\t");
  return lines.map((line) => Object.fromEntries(line.split("\t").map((v, i) => [names[i], v])));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const raw = rows(rawPath);
const rss = rows(rssPath);
const servers = [...new Set(raw.map((r) => r.server))];
const result = {};
for (const server of servers) {
  result[server] = { rss: Math.max(...rss.filter((r) => r.server === server).map((r) => Number(r.peak_rss_kb))) };
  for (const [scenario] of scenarios) {
    const runs = raw.filter((r) => r.server === server && r.scenario === scenario);
    result[server][scenario] = {
      rps: median(runs.map((r) => Number(r.rps))),
      errors: runs.reduce((n, r) => n + Number(r.errors), 0),
    };
  }
}

// The floor a server is measured against: the Redis floor for a session store on Redis, else bare Kestrel.
const floorOf = (server) =>
  server !== "redis-floor" && server.includes("redis") && result["redis-floor"] ? "redis-floor" : server === "kestrel" ? null : "kestrel";
// The median over the repetitions of the server's requests/s over its floor's in the same
// repetition: the two were sampled in alternating slices, so a slow minute of the machine moves both.
const ratio = (server, scenario) => {
  const floor = floorOf(server);
  if (!floor || !result[floor]) return NaN;
  const rpsOf = (name) => new Map(raw.filter((r) => r.server === name && r.scenario === scenario).map((r) => [r.rep, Number(r.rps)]));
  const mine = rpsOf(server);
  const theirs = rpsOf(floor);
  const paired = [...mine].filter(([rep]) => theirs.has(rep)).map(([rep, rps]) => rps / theirs.get(rep));
  return paired.length ? median(paired) : NaN;
};
const floorName = { kestrel: "Kestrel", "redis-floor": "Redis floor" };

// The goals for Tessera, as ratios to the floor (256 sessions; with many sessions, 0.05 lower is allowed).
const many = Number(sessions) > 256;
const slack = many ? 0.05 : 0;
const goals = {
  "tessera-memory": { new: 0.75, rmw: 0.85, read: 0.9 },
  "tessera-redis": { new: 0.9, rmw: 0.9, read: 0.9 },
  "tessera-redis-touchafter": { new: 0.9, rmw: 0.9, read: 0.9 },
};
const fmt = (n) => Math.round(n).toLocaleString("en-US");
const fmtRatio = (r) => (Number.isFinite(r) ? r.toFixed(2) : "–");

const head = ["Server", "floor", ...scenarios.flatMap(([, label]) => [`${label} req/s`, "ratio"]), "peak RSS MiB"];
const table = [
  `| ${head.join(" | ")} |`,
  `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
  ...servers.map((server) => {
    const cells = scenarios.flatMap(([scenario]) => {
      const { rps, errors } = result[server][scenario];
      const r = ratio(server, scenario);
      // A Redis server's goals are ratios to the Redis floor: none is marked against Kestrel.
      const goal = server.includes("redis") && floorOf(server) !== "redis-floor" ? undefined : goals[server]?.[scenario];
      const mark = goal === undefined || !Number.isFinite(r) ? "" : r >= goal - slack ? " ✓" : ` (goal ${(goal - slack).toFixed(2)})`;
      return [`${fmt(rps)}${errors ? ` (${errors} errors)` : ""}`, fmtRatio(r) + mark];
    });
    const floor = floorOf(server);
    return `| ${labels[server] ?? server} | ${floor ? floorName[floor] : "–"} | ${cells.join(" | ")} | ${(result[server].rss / 1024).toFixed(0)} |`;
  }),
].join("\n");

// CPU time per request, medians over the repetitions: the server process's, and redis-server's
// for a server on Redis (it runs on the server's CPU), with the Redis commands sent per request.
const cpuMedian = (server, scenario, column) => {
  const values = raw.filter((r) => r.server === server && r.scenario === scenario && r[column] && r[column] !== "-").map((r) => Number(r[column]));
  return values.length ? median(values) : NaN;
};
const fmtUs = (n) => (Number.isFinite(n) ? n.toFixed(1) : "–");
const commandsOf = (server, scenario) =>
  raw.filter((r) => r.server === server && r.scenario === scenario && r.redis_commands && r.redis_commands !== "-").at(-1)?.redis_commands ?? "–";
const hasCpu = raw.some((r) => r.server_cpu_us !== undefined);
const cpuHead = ["Server", ...scenarios.flatMap(([scenario]) => [`${scenario}: server µs`, "redis-server µs"]), "Redis commands per request (new; rmw; read)"];
const cpuTable = hasCpu
  ? [
      `| ${cpuHead.join(" | ")} |`,
      `|${cpuHead.map((_, i) => (i === 0 || i === cpuHead.length - 1 ? "---" : "---:")).join("|")}|`,
      ...servers.map((server) => {
        const cells = scenarios.flatMap(([scenario]) => [fmtUs(cpuMedian(server, scenario, "server_cpu_us")), fmtUs(cpuMedian(server, scenario, "redis_cpu_us"))]);
        const commands = server.includes("redis") ? scenarios.map(([scenario]) => commandsOf(server, scenario)).join("; ") : "–";
        return `| ${labels[server] ?? server} | ${cells.join(" | ")} | ${commands} |`;
      }),
    ].join("\n")
  : "";

const cpu = (() => {
  try {
    return /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))[1];
  } catch {
    return os.cpus()[0]?.model ?? "unknown";
  }
})();
const settings =
  `${started}; ${os.cpus().length} CPUs, ${cpu}; Node.js ${process.version}; ` +
  `server on CPU 0 (with Redis), wrk -t1 -c${connections} on CPU 1; ` +
  `${reps} repetitions, each starting every server afresh and warming it up with ${warmup} s of new visitors, ` +
  `then seeding ${sessions} sessions for returning visitors and warming up each returning scenario for ${warmup} s, ` +
  `then measuring every scenario on every server for ${duration} s, as one-second slices the servers take in turn (after 1 s of the same load), ` +
  `the returning visitors first, each checked afterwards to have found its sessions, and the new visitors last.`;

console.log(table);
if (cpuTable) console.log(`\n${cpuTable}`);
console.log(`\n${settings}`);

writeFileSync(
  mdPath,
  `# HTTP load test results\n\n` +
    `Written by \`bench/http/run.sh\` (see [../README.md](../README.md)). Requests per second are the median of the ` +
    `repetitions; the ratio is the median over the repetitions of the server's requests/s over its floor's in the ` +
    `same repetition, the two sampled in alternating one-second slices over the same span of time: bare Kestrel serving the same handler without ` +
    `sessions, or for a server on Redis the Redis floor (bare Kestrel making only the Redis round trips a session needs: ` +
    `new SET, returning GET + SET, read-only GET; no signing, no JSON); ✓ marks a Tessera figure that meets its goal; ` +
    `peak RSS is the server process's VmHWM over the whole run.\n\n` +
    `${settings}\n\n${table}\n\n![Ratio to the floor](results.svg)\n` +
    (cpuTable
      ? `\n## CPU time per request\n\nMedians over the repetitions, in microseconds of CPU (user and system, all threads, from ` +
        `\`/proc/<pid>/stat\`) per request of the measured slices: the server process's, and for a server on Redis ` +
        `redis-server's, which shares the server's CPU. The Redis commands are those counted by \`INFO commandstats\` ` +
        `per request in the last slice of the last repetition, each with the time redis-server spent in one call of it ` +
        `(\`usec_per_call\`); the commands a Lua script runs (\`evalsha\`) are counted too, and the script's time includes theirs.\n\n${cpuTable}\n`
      : ""),
);

// ----- The chart: one group of bars per scenario, one bar per server, the ratio to its floor -----

const shown = servers.filter((s) => floorOf(s) !== null && result[floorOf(s)]);
const width = 960;
const height = 460;
const margin = { top: 56, right: 320, bottom: 56, left: 56 };
const plotW = width - margin.left - margin.right;
const plotH = height - margin.top - margin.bottom;
const maxRatio = Math.max(1.1, ...shown.flatMap((s) => scenarios.map(([sc]) => ratio(s, sc)).filter(Number.isFinite)));
const yMax = Math.ceil(maxRatio * 5) / 5;
const y = (v) => margin.top + plotH - (v / yMax) * plotH;
const groupW = plotW / scenarios.length;
const barW = Math.min(28, (groupW * 0.8) / Math.max(1, shown.length));
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;");

const parts = [];
parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
parts.push(`<text x="${margin.left}" y="24" font-size="16" font-weight="600">Requests/s relative to the floor: bare Kestrel, or the Redis floor for Redis stores (same run, median of ${esc(reps)}, ${esc(sessions)} sessions)</text>`);
parts.push(`<text x="${margin.left}" y="42" fill="#555">${esc(started)}: server on one CPU, wrk -c${esc(connections)} on the other; higher is better</text>`);
for (let v = 0; v <= yMax + 1e-9; v += 0.2) {
  const yy = y(v).toFixed(1);
  parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${yy}" y2="${yy}" stroke="#e4e4e4"/>`);
  parts.push(`<text x="${margin.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#555">${v.toFixed(1)}</text>`);
}
scenarios.forEach(([scenario, label], g) => {
  const x0 = margin.left + g * groupW + (groupW - barW * shown.length) / 2;
  shown.forEach((server, i) => {
    const r = ratio(server, scenario);
    if (!Number.isFinite(r)) return;
    const x = x0 + i * barW;
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${y(r).toFixed(1)}" width="${(barW - 3).toFixed(1)}" height="${(y(0) - y(r)).toFixed(1)}" fill="${colors[server] ?? "#999"}">` +
        `<title>${esc(labels[server] ?? server)}, ${esc(label)}: ${fmt(result[server][scenario].rps)} req/s, ${r.toFixed(2)}</title></rect>`,
    );
    parts.push(`<text x="${(x + (barW - 3) / 2).toFixed(1)}" y="${(y(r) - 4).toFixed(1)}" text-anchor="middle" font-size="9" fill="#333">${r.toFixed(2)}</text>`);
  });
  parts.push(`<text x="${(margin.left + g * groupW + groupW / 2).toFixed(1)}" y="${height - margin.bottom + 20}" text-anchor="middle">${esc(label)}</text>`);
});
parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(1).toFixed(1)}" y2="${y(1).toFixed(1)}" stroke="#000" stroke-dasharray="5 4"/>`);
parts.push(`<text x="${margin.left + plotW - 4}" y="${(y(1) - 6).toFixed(1)}" text-anchor="end" fill="#000">floor = 1</text>`);
parts.push(`<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${y(0)}" stroke="#333"/>`);
parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`);
shown.forEach((server, i) => {
  const ly = margin.top + 10 + i * 22;
  const lx = margin.left + plotW + 24;
  parts.push(`<rect x="${lx}" y="${ly - 9}" width="14" height="14" fill="${colors[server] ?? "#999"}"/>`);
  parts.push(`<text x="${lx + 20}" y="${ly + 2}">${esc(labels[server] ?? server)} ÷ ${esc(floorName[floorOf(server)])}</text>`);
});
parts.push(`</svg>`);
writeFileSync(svgPath, parts.join("\n") + "\n");
