#!/usr/bin/env bash
# Macro-benchmark: CPU time per request of axum-sesame against the peers, each server on
# one pinned core, wrk on the other. Prints a Markdown table (req/s, CPU us/request, ratio
# to the no-auth baseline measured in the same run).
#
#   bench/run.sh                          # ROUNDS=5 DURATION=5 CONNS=32 by default
#   ROUNDS=3 DURATION=10 bench/run.sh
#   SERVERS="baseline sesame" bench/run.sh
#   SERVERS="baseline sesame sesame_memory sesame_redis" bench/run.sh   # store mode;
#     sesame_redis needs a Redis at REDIS_URL (default redis://127.0.0.1:6379)
#   SERVERS="baseline axum_login sesame_memory axum_login_redis sesame_redis \
#     axum_login_postgres sesame_postgres" bench/run.sh   # every store, side by side;
#     the *_postgres servers need POSTGRES_URL. A third table gives the store's
#     commands per request (each one round trip: Redis's command stats, PostgreSQL's
#     transactions), the store server's own CPU from /proc (Redis: its pid; PostgreSQL:
#     the processes of PG_USER, default postgres) and the store's bytes per session.
#   SCENARIOS="authenticated reconnect" bench/run.sh
#
# The machine is shared and noisy: every server runs for the whole benchmark and the
# measurements are interleaved (round after round, every server in turn for each
# scenario), so a slow minute hits all servers alike instead of one. Two tables: the
# minimum and the median of each cell's rounds.
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
CONNS=${CONNS:-32}
SERVERS=${SERVERS:-"baseline signed_jar axum_login sesame sesame_flash sesame_wrapped"}
SCENARIOS=${SCENARIOS:-"authenticated many anonymous untouched"}
# "many": authenticated requests from CLIENTS different sessions in turn (wrk script
# many.lua), so per-thread memos of a returning client do not help. Optional, with
# SCENARIOS="... reconnect": the authenticated request on a new connection each time
# (Connection: close); axum::serve re-layers the router for every connection, but the
# kernel's TCP setup (~30 us here) drowns that out.
CLIENTS=${CLIENTS:-1000}
# The same User-Agent for curl and wrk: session protection ties a login to it, and a
# mismatch would (rightly) mark every measured request non-fresh and re-send the cookie.
UA="wrk-bench/1"

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk from Debian packages" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --bins >&2
CLK=$(getconf CLK_TCK)
CORES=$(nproc)
SERVER_CPU=0
LOAD_CPU=$((CORES > 1 ? 1 : 0))

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

declare -A PID URL COOKIE MANY SESSION_BYTES
cleanup() {
  for s in "${!PID[@]}"; do kill "${PID[$s]}" 2>/dev/null || true; done
  for s in "${!MANY[@]}"; do rm -f "${MANY[$s]}"; done
}
trap cleanup EXIT

REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
PG_USER=${PG_USER:-postgres}
store_of() {
  case $1 in
    *_redis) echo redis ;;
    *_postgres) echo postgres ;;
    *) echo "" ;;
  esac
}
# CPU ticks of the store server behind `kind` (PostgreSQL: every process of PG_USER,
# and what its postmaster reaped from backends that ended).
store_ticks() {
  case $1 in
    redis)
      cpu_ticks "$(redis-cli -u "$REDIS_URL" info server | tr -d '\r' | sed -n 's/^process_id://p')" ;;
    postgres)
      local t=0 p
      for p in $(pgrep -u "$PG_USER"); do t=$((t + $(cpu_ticks "$p" 2>/dev/null || echo 0))); done
      p=$(pgrep -o -u "$PG_USER")
      echo $((t + $(awk '{print $16 + $17}' "/proc/$p/stat"))) ;;
  esac
}
# Commands the store server has run: Redis's command stats (the INFO call itself
# included, one per reading), PostgreSQL's transactions (one per statement in autocommit;
# the statistics reach the view within a second).
store_commands() {
  case $1 in
    redis)
      redis-cli -u "$REDIS_URL" info commandstats | tr -d '\r' \
        | sed -n 's/^cmdstat_[^:]*:calls=\([0-9]*\),.*/\1/p' | awk '{n += $1} END {print n}' ;;
    postgres)
      psql "$POSTGRES_URL" -Atc "select xact_commit + xact_rollback from pg_stat_database where datname = current_database()" ;;
  esac
}
# Bytes the store holds (Redis: used_memory; PostgreSQL: the database's size).
store_bytes() {
  case $1 in
    redis) redis-cli -u "$REDIS_URL" info memory | tr -d '\r' | sed -n 's/^used_memory://p' ;;
    postgres) psql "$POSTGRES_URL" -Atc "select pg_database_size(current_database())" ;;
  esac
}

for server in $SERVERS; do
  log=$(mktemp)
  store=$(store_of "$server")
  PORT=0 taskset -c "$SERVER_CPU" "target/release/server_$server" >"$log" 2>&1 &
  PID[$server]=$!
  url=""
  for _ in $(seq 1 100); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*' "$log" || true)
    [ -n "$url" ] && break
    sleep 0.05
  done
  [ -n "$url" ] || { echo "server_$server did not start" >&2; cat "$log" >&2; exit 1; }
  URL[$server]=$url
  COOKIE[$server]=$(curl -s -A "$UA" -o /dev/null -D - "$url/login" | tr -d '\r' \
    | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | paste -sd';' | sed 's/;/; /g')
  # Check every path answers as it should before measuring it.
  headers=$(curl -s -A "$UA" -D - -o /tmp/bench-body.$$ -H "Cookie: ${COOKIE[$server]}" "$url/protected")
  body=$(cat /tmp/bench-body.$$); rm -f /tmp/bench-body.$$
  [ "$body" = "Logged in as: foo@bar.tld" ] || { echo "$server: authenticated body is '$body'" >&2; exit 1; }
  # An authenticated request that re-sends its cookie would measure a write, not a read.
  if echo "$headers" | grep -qi '^set-cookie:'; then
    echo "$server: the authenticated response sets a cookie" >&2; exit 1
  fi
  if [ "$server" != baseline ]; then
    # CLIENTS logins, one cookie header per line.
    [ -n "$store" ] && bytes0=$(store_bytes "$store")
    MANY[$server]=$(mktemp)
    # Each login a user of its own (u=N), as real traffic: a per-user index stays small.
    for i in $(seq 1 "$CLIENTS"); do echo "url = \"$url/login?u=$i\""; echo "output = /dev/null"; done \
      | curl -s -A "$UA" -D - -K - | tr -d '\r' \
      | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' >"${MANY[$server]}"
    n=$(sort -u "${MANY[$server]}" | wc -l)
    echo "$server: $(wc -l <"${MANY[$server]}") login cookies, $n distinct" >&2
    if [ -n "$store" ]; then
      sleep 1
      SESSION_BYTES[$server]=$(( ($(store_bytes "$store") - bytes0) / CLIENTS ))
      echo "$server: ${SESSION_BYTES[$server]} store bytes per logged-in session" >&2
    fi
  fi
  anon=$(curl -s -A "$UA" -o /dev/null -w '%{http_code}' "$url/protected")
  echo "$server on $url: anonymous /protected answers $anon" >&2
done

declare -A RUNS_CPU RUNS_RPS RUNS_TRIPS RUNS_SCPU
for round in $(seq 1 "$ROUNDS"); do
  for scenario in $SCENARIOS; do
    for server in $SERVERS; do
      url=${URL[$server]}
      script=()
      case $scenario in
        authenticated) path=/protected; hdr=(-H "Cookie: ${COOKIE[$server]}") ;;
        many) path=/protected; hdr=(); script=(-s many.lua) ;;
        anonymous) path=/protected; hdr=() ;;
        untouched) path=/plain; hdr=(-H "Cookie: ${COOKIE[$server]}") ;;
        reconnect) path=/protected; hdr=(-H "Cookie: ${COOKIE[$server]}" -H "Connection: close") ;;
      esac
      if [ "$server" = baseline ] && { [ "$scenario" = many ] || [ "$scenario" = anonymous ]; }; then
        continue
      fi
      pid=${PID[$server]}
      store=$(store_of "$server")
      if [ -n "$store" ]; then trips0=$(store_commands "$store"); s0=$(store_ticks "$store"); fi
      t0=$(cpu_ticks "$pid")
      out=$(COOKIES=${MANY[$server]:-} UA=$UA taskset -c "$LOAD_CPU" \
        wrk -t1 -c"$CONNS" -d"${DURATION}s" -H "User-Agent: $UA" "${hdr[@]}" "${script[@]}" "$url$path")
      t1=$(cpu_ticks "$pid")
      reqs=$(echo "$out" | awk '/requests in/ {print $1}')
      if [ -n "$store" ]; then
        s1=$(store_ticks "$store")
        [ "$store" = postgres ] && sleep 1.5
        trips1=$(store_commands "$store")
        RUNS_TRIPS[$server/$scenario]="${RUNS_TRIPS[$server/$scenario]:-} $(awk -v d=$((trips1 - trips0)) -v n="$reqs" 'BEGIN {printf "%.3f", d / n}')"
        RUNS_SCPU[$server/$scenario]="${RUNS_SCPU[$server/$scenario]:-} $(awk -v t=$((s1 - s0)) -v clk="$CLK" -v n="$reqs" 'BEGIN {printf "%.3f", t / clk * 1e6 / n}')"
      fi
      rps=$(echo "$out" | awk '/Requests\/sec/ {printf "%.0f", $2}')
      cpu=$(awk -v t=$((t1 - t0)) -v clk="$CLK" -v n="$reqs" 'BEGIN {printf "%.3f", t / clk * 1e6 / n}')
      RUNS_CPU[$server/$scenario]="${RUNS_CPU[$server/$scenario]:-} $cpu"
      RUNS_RPS[$server/$scenario]="${RUNS_RPS[$server/$scenario]:-} $rps"
      echo "round $round: $server $scenario ($path): $rps req/s, $cpu us CPU/request" >&2
    done
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }
minimum() { tr ' ' '\n' | grep -v '^$' | sort -g | head -1 | awk '{printf "%.2f", $1}'; }

# Noise on a shared VM only ever adds CPU time, and it comes in bursts that switch the
# whole machine between a quiet and a loaded regime for seconds at a time. The minimum
# over the rounds is each cell in the quiet regime; the median is shown as a check.
title_of() {
  case $1 in
    authenticated) echo "authenticated /protected" ;;
    many) echo "authenticated, $CLIENTS clients in turn" ;;
    anonymous) echo "anonymous /protected (redirect)" ;;
    untouched) echo "route that never touches the session" ;;
    reconnect) echo "authenticated, a new connection each" ;;
    *) echo "$1" ;;
  esac
}

table() {
  local stat=$1 title=$2
  declare -A CPU RPS
  for key in "${!RUNS_CPU[@]}"; do
    CPU[$key]=$(echo "${RUNS_CPU[$key]}" | $stat)
    RPS[$key]=$(echo "${RUNS_RPS[$key]}" | median)
  done
  local base=${CPU[baseline/authenticated]}
  echo
  echo "$title over $ROUNDS interleaved rounds. Ratio = CPU / the no-auth baseline's in the"
  echo "same scenario: /protected ($base us) for anonymous and many clients, which the"
  echo "baseline does not have; its own cell for the others."
  echo
  local head="| server |" rule="|---|"
  for scenario in $SCENARIOS; do
    head="$head $(title_of "$scenario") |"; rule="$rule---|"
  done
  echo "$head"
  echo "$rule"
  for server in $SERVERS; do
    local row="| $server |"
    for scenario in $SCENARIOS; do
      local key=$server/$scenario
      if [ -z "${CPU[$key]:-}" ]; then row="$row – |"; continue; fi
      local ratio ref=${CPU[baseline/$scenario]:-$base}
      ratio=$(awk -v a="${CPU[$key]}" -v b="$ref" 'BEGIN {printf "%.2f", a / b}')
      row="$row ${CPU[$key]} us (x$ratio), ${RPS[$key]} req/s |"
    done
    echo "$row"
  done
}

echo
echo "CPU per request of a server pinned to one core, wrk -t1 -c$CONNS -d${DURATION}s on the"
echo "other; $CORES cores, $(uname -r), $(date -u +%Y-%m-%d). req/s are medians."
table minimum "Minimum CPU us/request"
table median "Median CPU us/request"

store_table() {
  local any=""
  for server in $SERVERS; do [ -n "$(store_of "$server")" ] && any=1; done
  [ -n "$any" ] || return 0
  echo
  echo "Store servers: store commands (round trips) per request (median), the store"
  echo "server's own CPU us/request (minimum), and the store's bytes per logged-in session"
  echo "($CLIENTS logins of as many users; Redis used_memory, PostgreSQL database size)."
  echo
  local head="| server | bytes/session |" rule="|---|---|"
  for scenario in $SCENARIOS; do
    head="$head $(title_of "$scenario") |"; rule="$rule---|"
  done
  echo "$head"
  echo "$rule"
  for server in $SERVERS; do
    [ -n "$(store_of "$server")" ] || continue
    local row="| $server | ${SESSION_BYTES[$server]:-–} |"
    for scenario in $SCENARIOS; do
      local key=$server/$scenario
      if [ -z "${RUNS_TRIPS[$key]:-}" ]; then row="$row – |"; continue; fi
      row="$row $(echo "${RUNS_TRIPS[$key]}" | median) commands, $(echo "${RUNS_SCPU[$key]}" | minimum) us store CPU |"
    done
    echo "$row"
  done
}
store_table
