#!/usr/bin/env bash
# Macro-benchmark: CPU time per request of axum-sesame against the peers, each server on
# one pinned core, wrk on the other. Prints a Markdown table (req/s, CPU us/request, ratio
# to the no-auth baseline measured in the same run).
#
#   bench/run.sh                  # DURATION=10 CONNS=32 by default
#   DURATION=20 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")"
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
SERVERS=${SERVERS:-"baseline signed_jar axum_login sesame"}

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

declare -A RPS CPU
for server in $SERVERS; do
  log=$(mktemp)
  PORT=0 taskset -c "$SERVER_CPU" "target/release/server_$server" >"$log" 2>&1 &
  pid=$!
  url=""
  for _ in $(seq 1 100); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*' "$log" || true)
    [ -n "$url" ] && break
    sleep 0.05
  done
  [ -n "$url" ] || { echo "server_$server did not start" >&2; cat "$log" >&2; exit 1; }
  cookie=$(curl -s -o /dev/null -D - "$url/login" | tr -d '\r' \
    | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | paste -sd';' | sed 's/;/; /g')
  # Check every path answers as it should before measuring it.
  body=$(curl -s -H "Cookie: $cookie" "$url/protected")
  [ "$body" = "Logged in as: foo@bar.tld" ] || { echo "$server: authenticated body is '$body'" >&2; exit 1; }
  anon=$(curl -s -o /dev/null -w '%{http_code}' "$url/protected")
  for scenario in authenticated anonymous untouched; do
    case $scenario in
      authenticated) path=/protected; hdr=(-H "Cookie: $cookie") ;;
      anonymous) path=/protected; hdr=() ;;
      untouched) path=/plain; hdr=(-H "Cookie: $cookie") ;;
    esac
    if [ "$server" = baseline ] && [ "$scenario" = anonymous ]; then continue; fi
    t0=$(cpu_ticks "$pid")
    out=$(taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" "${hdr[@]}" "$url$path")
    t1=$(cpu_ticks "$pid")
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    RPS[$server/$scenario]=$rps
    CPU[$server/$scenario]=$(awk -v t=$((t1 - t0)) -v clk="$CLK" -v n="$reqs" 'BEGIN {printf "%.2f", t / clk * 1e6 / n}')
    echo "$server $scenario ($path, anonymous status $anon): $rps req/s, ${CPU[$server/$scenario]} us CPU/request" >&2
  done
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rm -f "$log"
done

base=${CPU[baseline/authenticated]}
echo
echo "CPU per request on one pinned core; ratio = CPU / no-auth baseline ($base us) of this run."
echo "wrk -t1 -c$CONNS -d${DURATION}s on the other core; $(nproc) cores, $(uname -r)."
echo
echo "| server | authenticated /protected | anonymous /protected (redirect) | route that never touches the session |"
echo "|---|---|---|---|"
for server in $SERVERS; do
  row="| $server |"
  for scenario in authenticated anonymous untouched; do
    key=$server/$scenario
    if [ -z "${CPU[$key]:-}" ]; then row="$row – |"; continue; fi
    ratio=$(awk -v a="${CPU[$key]}" -v b="$base" 'BEGIN {printf "%.2f", a / b}')
    row="$row ${CPU[$key]} us (x$ratio), ${RPS[$key]} req/s |"
  done
  echo "$row"
done
