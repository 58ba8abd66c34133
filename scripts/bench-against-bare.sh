# shellcheck shell=bash
# What scripts/bench-cloudflare.sh and scripts/bench-fastly.sh share: alternating rounds of
# an EdgeZero app and the same app written by hand, under one local runtime, and the summary
# (medians, ranges, the throughput ratio, the sizes). Sourced, not run.
#
# The caller sets `secs` and `rounds`, the associative arrays `manifest` and `wasm` (keys
# `edgezero` and `bare`), `bare_name` (how the summary calls the bare app), and defines
# `start_runtime APP PORT` (starts the runtime in the background and sets `pid`).

command -v wrk >/dev/null || {
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get install -y -qq wrk >/dev/null
}

work=$(mktemp -d)
pid=""
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# CPU time (clock ticks, user + system) used so far by process $1 and all its descendants
# (the runtime: Viceroy, or the CLI with miniflare's node and workerd).
cpu_ticks() {
  python3 - "$1" <<'PY'
import os, sys
procs = {}
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            stat = open(f"/proc/{p}/stat").read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        procs[int(p)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
total, todo = 0, [int(sys.argv[1])]
while todo:
    pid = todo.pop()
    total += procs.get(pid, (0, 0))[1]
    todo += [c for c, (parent, _) in procs.items() if parent == pid]
print(total)
PY
}

# One round of app $1 in a fresh runtime: a warm-up, then wrk; prints requests/s and the
# runtime's CPU time per request in microseconds (what the app costs the machine, which moves
# less than requests/s with whatever else runs). Both apps count every request exactly: the
# answer after the round shows one more view than all requests before it.
round() {
  local port before after out
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  start_runtime "$1" "$port"
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/counter" >/dev/null && break; sleep 0.1; done
  wrk -t2 -c16 -d1s "http://127.0.0.1:$port/counter" >/dev/null
  before=$(cpu_ticks "$pid")
  out=$(wrk -t2 -c16 -d"${secs}s" "http://127.0.0.1:$port/counter")
  after=$(cpu_ticks "$pid")
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    /requests in/ {n = $1} /Requests\/sec/ {rps = $2}
    END {if (n == 0) {print "wrk served no request" > "/dev/stderr"; exit 1}
         printf "%s %.1f\n", rps, ticks / hz * 1e6 / n}' <<<"$out"
  curl -s "http://127.0.0.1:$port/counter" >"$work/last-$1"
  kill -INT "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# The lowest and highest of the arguments, printed with the format $1 (e.g. %.1f).
range() { local f="$1"; shift; printf '%s\n' "$@" | sort -g | awk -v f="$f-$f" 'NR==1 {lo=$1} {hi=$1} END {printf f, lo, hi}'; }

# The rounds, alternating which app goes first, then the summary. Besides the ratio of the
# medians, the median of each round's own ratio: the two apps of a round ran back to back,
# so that one moves less with whatever else the machine did.
run_rounds() {
  local ez=() bare=() ratios=() ez_cpu=() bare_cpu=() cpu_ratios=() r e b ec bc
  for r in $(seq "$rounds"); do
    if [ $((r % 2)) = 1 ]; then e=$(round edgezero); b=$(round bare); else b=$(round bare); e=$(round edgezero); fi
    read -r e ec <<<"$e"; read -r b bc <<<"$b"
    ez+=("$e"); bare+=("$b"); ratios+=("$(echo "$e / $b" | bc -l)")
    ez_cpu+=("$ec"); bare_cpu+=("$bc"); cpu_ratios+=("$(echo "$bc / $ec" | bc -l)")
    printf 'round %d: edgezero %8.1f req/s %7.1f us CPU/req   %s %8.1f req/s %7.1f us CPU/req   (last views: %s / %s)\n' \
      "$r" "$e" "$ec" "$bare_name" "$b" "$bc" "$(cat "$work/last-edgezero")" "$(cat "$work/last-bare")"
  done
  local me mb
  me=$(median "${ez[@]}"); mb=$(median "${bare[@]}")
  printf 'median: edgezero %.1f req/s (range %s), bare %.1f req/s (range %s), ratio %.3f (goal >= 0.95)\n' \
    "$me" "$(range %.1f "${ez[@]}")" "$mb" "$(range %.1f "${bare[@]}")" "$(echo "$me / $mb" | bc -l)"
  printf 'median of the rounds'"'"' own ratios: %.3f (range %s)\n' \
    "$(median "${ratios[@]}")" "$(range %.3f "${ratios[@]}")"
  me=$(median "${ez_cpu[@]}"); mb=$(median "${bare_cpu[@]}")
  printf 'runtime CPU per request, median: edgezero %.1f us (range %s), bare %.1f us (range %s); bare / edgezero %.3f, rounds'"'"' own %.3f (range %s)\n' \
    "$me" "$(range %.1f "${ez_cpu[@]}")" "$mb" "$(range %.1f "${bare_cpu[@]}")" "$(echo "$mb / $me" | bc -l)" \
    "$(median "${cpu_ratios[@]}")" "$(range %.3f "${cpu_ratios[@]}")"
  local se sb ge gb
  se=$(stat -c %s "${wasm[edgezero]}"); sb=$(stat -c %s "${wasm[bare]}")
  ge=$(gzip -9c "${wasm[edgezero]}" | wc -c); gb=$(gzip -9c "${wasm[bare]}" | wc -c)
  printf 'size: edgezero %d bytes (gzip %d), bare %d bytes (gzip %d), ratio %.3f (gzip %.3f; goal <= 1.15)\n' \
    "$se" "$ge" "$sb" "$gb" "$(echo "$se / $sb" | bc -l)" "$(echo "$ge / $gb" | bc -l)"
}
