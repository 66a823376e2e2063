#!/usr/bin/env bash
# Tessera's HTTP load test: bare Kestrel, Tessera (memory, SQLite, Redis), Microsoft's session
# (memory, Redis) and express-session (MemoryStore, connect-redis), side by side in one run on
# 127.0.0.1, each serving the same three scenarios:
#   new   GET /new  without a cookie: a session is created, one value set, and saved
#   rmw   GET /rmw  with a session cookie: the counter is read, incremented and saved
#   read  GET /read with a session cookie: the counter is read
# Returning visitors cycle through $SESSIONS sessions made on the server under test beforehand.
# Each repetition starts every server afresh, warms it up with new visitors, seeds it and warms
# up the returning-visitor scenarios, all pinned to CPU 0 (with Redis), then measures every
# scenario on every server, one server under load at a time (wrk on CPU 1), the returning
# visitors first (each checked afterwards to have found its sessions), the new visitors last:
# DURATION one-second slices each, the servers taking turns slice by slice, so a server and its
# floor sample the machine over the same span of time. Each ratio is the median over the
# repetitions of the server's requests/s over its floor's in the same repetition: bare Kestrel
# for servers without Redis, the Redis floor (bare Kestrel making only the Redis round trips a
# session needs) for servers on Redis.
#
# Usage: bench/http/run.sh
# Environment:
#   REPS=3          repetitions (every server is started afresh for each)
#   DURATION=5      measured seconds of each server and scenario (one-second wrk runs, interleaved)
#   WARMUP=3        seconds of wrk on each scenario after a server starts (then 1 s before
#                   each scenario's measured slices)
#   CONNECTIONS=32  wrk connections
#   SESSIONS=256    sessions returning visitors cycle through (50000: the many-visitors case)
#   SERVERS="..."   which servers, default all: kestrel redis-floor tessera-memory tessera-sqlite
#                   tessera-redis tessera-redis-touchafter aspnet-memory aspnet-redis express
#                   express-memory express-redis
# Writes bench/http/results.md (the table it prints) and bench/http/results.svg (the ratios).
# Beside requests/s, each measured run records the CPU time the server process and redis-server
# spent per request (from /proc/<pid>/stat, in clock ticks), and for a server on Redis the Redis
# commands it sent per request and redis-server's time per call of each (INFO commandstats, which
# also counts the commands a script runs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

REPS=${REPS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-3}
CONNECTIONS=${CONNECTIONS:-32}
SESSIONS=${SESSIONS:-256}
SERVERS=${SERVERS:-"kestrel redis-floor tessera-memory tessera-sqlite tessera-redis tessera-redis-touchafter aspnet-memory aspnet-redis express express-memory express-redis"}
SCENARIOS="read rmw new"
SERVER_CPU=0
LOAD_CPU=1

say() { printf '\n== %s\n' "$*" >&2; }
die() { echo "run.sh: $*" >&2; exit 1; }

# ----- Provisioning -----

declare -A needed=([wrk]=wrk [redis-server]=redis-server [redis-cli]=redis-tools [curl]=curl [taskset]=util-linux)
missing=()
for command in "${!needed[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${needed[$command]}")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "Installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    die "the load test needs: ${missing[*]} (sudo apt-get install -y ${missing[*]})"
  fi
fi
command -v node >/dev/null 2>&1 || die "the load test needs Node.js (node and npm)"
command -v dotnet >/dev/null 2>&1 || die "the load test needs the .NET SDK"
(($(nproc) >= 2)) || die "the load test needs two CPUs (one for the server, one for wrk)"

if [[ ! -d node/node_modules ]]; then
  say "npm ci in bench/http/node"
  (cd node && npm ci --no-audit --no-fund --loglevel=error)
fi

say "Building the .NET servers (Release)"
dotnet build servers/Tessera.Bench.Servers.csproj -c Release -nologo -v quiet >&2
dotnet_server="$here/servers/bin/Release/net10.0/Tessera.Bench.Servers.dll"
[[ -f $dotnet_server ]] || die "the build made no $dotnet_server"

# ----- Processes this script starts, and their end -----

work=$(mktemp -d)
server_pid=""
server_pids=()
redis_pid=""
cleanup() {
  for pid in "${server_pids[@]}" $server_pid $redis_pid; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${server_pids[@]}" $server_pid $redis_pid; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port nothing listens on, on 127.0.0.1, below the kernel's range of ephemeral ports: a port
# in that range may be the local end of one of the run's own connections (wrk's, a server's to
# redis-server), which no probe sees and which makes the server's bind fail.
ephemeral_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
if ((ephemeral_low > 12000)); then port_low=10000 port_span=$((ephemeral_low - 10000)); else port_low=20000 port_span=30000; fi
free_port() {
  local port
  while :; do
    port=$((port_low + RANDOM % port_span))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# Stops a process this script started: TERM, then KILL after 10 s.
stop() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# ----- Redis: a private server on a free loopback port, without persistence -----

redis_port=$(free_port)
say "Starting redis-server on 127.0.0.1:$redis_port"
taskset -c "$SERVER_CPU" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
  --daemonize no --logfile "$work/redis.log" &
redis_pid=$!
for _ in $(seq 100); do
  redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
  sleep 0.1
done
redis-cli -h 127.0.0.1 -p "$redis_port" ping | grep -q PONG || die "redis-server did not start: $(cat "$work/redis.log")"

# ----- One server -----

start_server() {
  local name=$1 port=$2
  local log="$work/$name.log"
  case $name in
    express*)
      NODE_ENV=production taskset -c "$SERVER_CPU" node node/server.js "$name" "$port" "127.0.0.1:$redis_port" >"$log" 2>&1 &
      ;;
    *)
      # Steady state: on one CPU under constant load, the tiered JIT's call-counting delay
      # (100 ms, times 10 in a one-CPU process, started again while new methods keep being compiled) keeps
      # most of the hot path at tier 0 for 20-30 s. Counting calls at once gets every .NET
      # server, the baseline included, to optimized code within the warm-up.
      DOTNET_NOLOGO=1 DOTNET_TC_CallCountingDelayMs=0 ASPNETCORE_ENVIRONMENT=Production taskset -c "$SERVER_CPU" \
        dotnet "$dotnet_server" "$name" "$port" "127.0.0.1:$redis_port" "$work/sessions.db" >"$log" 2>&1 &
      ;;
  esac
  server_pid=$!
  local error=""
  for _ in $(seq 600); do
    if error=$(curl -sSf --max-time 2 -o /dev/null "http://127.0.0.1:$port/health" 2>&1); then
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || die "$name exited at start: $(cat "$log")"
    sleep 0.1
  done
  die "$name did not answer on port $port within 60 s ($error): $(cat "$log")"
}

# Makes $SESSIONS sessions as new visitors and writes their cookies (name=value), one a line.
seed() {
  local name=$1 port=$2 file=$3
  : >"$file"
  if [[ $name == kestrel || $name == express ]]; then
    # No sessions: a Cookie header of the same size as a signed express-session cookie.
    awk -v n="$SESSIONS" 'BEGIN { for (i = 1; i <= n; i++) printf "connect.sid=s%%3A%032d.%043d\n", i, i }' >"$file"
    return
  fi

  # One curl for all the new visitors, on one kept-alive connection; each prints its Set-Cookie.
  local urls="$work/seed-urls.txt"
  awk -v n="$SESSIONS" -v url="http://127.0.0.1:$port/new" \
    'BEGIN { for (i = 1; i <= n; i++) printf "url = \"%s\"\noutput = \"/dev/null\"\n", url }' >"$urls"
  curl -s -K "$urls" -w '%header{set-cookie}\n' | sed 's/;.*//' >"$file"
  local count
  count=$(grep -c . "$file" || true)
  ((count == SESSIONS)) || die "$name gave $count cookies for $SESSIONS new visitors"

  # The scenarios do what they say: the counter goes up with /rmw and /read reads it.
  local cookie one two three
  cookie=$(head -n 1 "$file")
  one=$(curl -s -H "Cookie: $cookie" "http://127.0.0.1:$port/read")
  two=$(curl -s -H "Cookie: $cookie" "http://127.0.0.1:$port/rmw")
  three=$(curl -s -H "Cookie: $cookie" "http://127.0.0.1:$port/read")
  [[ $one == "views: 1" && $two == "views: 2" && $three == "views: 2" ]] ||
    die "$name's session endpoints answered '$one', '$two', '$three' instead of views 1, 2, 2"
}

# A returning-visitor scenario measured what it names only if the seeded sessions were there
# throughout: after it, the first and the last still answer with their counter.
still_seeded() {
  local name=$1 port=$2 file=$3 cookie answer
  [[ $name != kestrel && $name != express ]] || return 0
  for cookie in "$(head -n 1 "$file")" "$(tail -n 1 "$file")"; do
    answer=$(curl -s -H "Cookie: $cookie" "http://127.0.0.1:$port/read")
    [[ $answer != "views: 0" ]] || die "$name lost a seeded session during the run: its returning visitors were measured as new ones"
  done
}

# CPU time a process has used so far, user and system, in clock ticks (all its threads).
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}
ticks_per_second=$(getconf CLK_TCK)

# Microseconds of CPU per request: cpu_us_per_request <ticks before> <ticks after> <requests>.
cpu_us_per_request() {
  awk -v a="$1" -v b="$2" -v n="$3" -v hz="$ticks_per_second" 'BEGIN { printf "%.1f", n ? (b - a) * 1e6 / hz / n : 0 }'
}

# The Redis commands counted since the last CONFIG RESETSTAT, per request, each with the time
# redis-server spent in one call of it (a script's includes the commands it runs):
# "getex:1.00 (0.7 us), evalsha:1.00 (4.9 us), ...".
redis_commands_per_request() {
  redis-cli -h 127.0.0.1 -p "$redis_port" info commandstats |
    awk -F'[:,=]' -v n="$1" '/^cmdstat_/ {
      name = substr($1, 9)
      for (i = 2; i < NF; i += 2) field[$i] = $(i + 1)
      if (name !~ /^(config|info|ping)/ && n) {
        printf "%s%s:%.2f (%.1f us)", sep, name, field["calls"] / n, field["usec_per_call"]
        sep = ", "
      }
    }'
}

# Runs wrk on the load CPU; prints "requests/s errors requests seconds" of the run.
load() {
  local port=$1 scenario=$2 seconds=$3 cookies=$4
  local script=()
  [[ $scenario == new ]] || script=(-s "$here/cookies.lua")
  local out
  out=$(timeout $((seconds + 30)) taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${seconds}s" --timeout 5s \
    "${script[@]}" "http://127.0.0.1:$port/$scenario" -- "$cookies" 2>&1) || die "wrk failed: $out"
  local rps errors requests runtime
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  requests=$(awk '/ requests in / {print $1}' <<<"$out")
  # "N requests in 1.00s," (wrk writes the run's length in us, ms, s or m).
  runtime=$(awk '/ requests in / { t = $4; sub(",", "", t); f = 1; if (t ~ /us$/) f = 1e-6; else if (t ~ /ms$/) f = 1e-3; else if (t ~ /m$/) f = 60; gsub(/[a-z]/, "", t); print t * f }' <<<"$out")
  errors=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$out")
  [[ -n $rps && -n $runtime ]] || die "wrk printed no requests/s: $out"
  echo "$rps $errors $requests $runtime"
}

# ----- The run -----

raw="$work/raw.tsv"
printf 'server\tscenario\trep\trps\terrors\tserver_cpu_us\tredis_cpu_us\tredis_commands\n' >"$raw"
rss="$work/rss.tsv"
printf 'server\trep\tpeak_rss_kb\n' >"$rss"
started=$(date -u '+%Y-%m-%d %H:%M UTC')

for rep in $(seq "$REPS"); do
  # Every server at once, each on its own port and started afresh: started, seeded and warmed up
  # (the JIT compiles and optimizes the whole path), then left idle until its turn.
  declare -A ports=() pids=()
  redis-cli -h 127.0.0.1 -p "$redis_port" flushall >/dev/null
  rm -f "$work"/sessions.db*
  for name in $SERVERS; do
    port=$(free_port)
    say "rep $rep/$REPS: starting $name on 127.0.0.1:$port"
    start_server "$name" "$port"
    pids[$name]=$server_pid
    ports[$name]=$port
    server_pids+=("$server_pid")
    server_pid=""
    # New visitors first: on a bounded store (Tessera's MemoryStore keeps at most 100,000) the
    # sessions they make would otherwise evict the seeded ones, and the returning-visitor
    # scenarios would measure requests whose session is gone.
    load "$port" new "$WARMUP" /dev/null >/dev/null
    seed "$name" "$port" "$work/cookies-$name.txt"
    for scenario in $SCENARIOS; do
      [[ $scenario == new ]] || load "$port" "$scenario" "$WARMUP" "$work/cookies-$name.txt" >/dev/null
    done
  done

  # Every scenario on every server: a second of load on each in turn, then the measured
  # seconds as one-second slices, the servers taking turns slice by slice (one server under load
  # at a time), so that a server and its floor sample the machine over the same span of time.
  for scenario in $SCENARIOS; do
    say "rep $rep/$REPS: $scenario"
    declare -A requests=() seconds=() errors=() server_ticks=() redis_ticks=() commands=()
    for name in $SERVERS; do
      load "${ports[$name]}" "$scenario" 1 "$work/cookies-$name.txt" >/dev/null
      requests[$name]=0 seconds[$name]=0 errors[$name]=0 server_ticks[$name]=0 redis_ticks[$name]=0 commands[$name]=-
    done
    for slice in $(seq "$DURATION"); do
      for name in $SERVERS; do
        redis-cli -h 127.0.0.1 -p "$redis_port" config resetstat >/dev/null
        server_before=$(cpu_ticks "${pids[$name]}")
        redis_before=$(cpu_ticks "$redis_pid")
        result=$(load "${ports[$name]}" "$scenario" 1 "$work/cookies-$name.txt")
        server_after=$(cpu_ticks "${pids[$name]}")
        redis_after=$(cpu_ticks "$redis_pid")
        read -r _ slice_errors slice_requests slice_seconds <<<"$result"
        requests[$name]=$((requests[$name] + slice_requests))
        errors[$name]=$((errors[$name] + slice_errors))
        seconds[$name]=$(awk -v a="${seconds[$name]}" -v b="$slice_seconds" 'BEGIN { print a + b }')
        server_ticks[$name]=$((server_ticks[$name] + server_after - server_before))
        redis_ticks[$name]=$((redis_ticks[$name] + redis_after - redis_before))
        # The commands of one slice, per request: every slice sends the same ones.
        [[ $name != *redis* ]] || commands[$name]=$(redis_commands_per_request "$slice_requests")
      done
    done
    [[ $scenario == new ]] || for name in $SERVERS; do still_seeded "$name" "${ports[$name]}" "$work/cookies-$name.txt"; done
    for name in $SERVERS; do
      rps=$(awk -v n="${requests[$name]}" -v s="${seconds[$name]}" 'BEGIN { printf "%.2f", s ? n / s : 0 }')
      server_cpu=$(cpu_us_per_request 0 "${server_ticks[$name]}" "${requests[$name]}")
      redis_cpu=-
      [[ $name != *redis* ]] || redis_cpu=$(cpu_us_per_request 0 "${redis_ticks[$name]}" "${requests[$name]}")
      printf '  %-26s %10s req/s  CPU/request: server %6s us, redis-server %6s us  %s%s\n' "$name" "$rps" "$server_cpu" "$redis_cpu" \
        "$([[ ${commands[$name]} == - ]] || echo "(${commands[$name]})")" "$( ((errors[$name])) && echo "  (${errors[$name]} errors)")" >&2
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$scenario" "$rep" "$rps" "${errors[$name]}" "$server_cpu" "$redis_cpu" "${commands[$name]}" >>"$raw"
    done
  done

  for name in $SERVERS; do
    peak=$(awk '/^VmHWM:/ {print $2}' "/proc/${pids[$name]}/status")
    printf '%s\t%s\t%s\n' "$name" "$rep" "$peak" >>"$rss"
    stop "${pids[$name]}"
  done
  server_pids=()
done

say "Results"
node report.mjs "$raw" "$rss" "$here/results.md" "$here/results.svg" \
  "$started" "$REPS" "$DURATION" "$WARMUP" "$CONNECTIONS" "$SESSIONS"
