# Shell helpers shared by deploy/demo.sh, deploy/cluster.sh and the end-to-end tests (through
# tests/e2e/harness.sh). Source it; it defines functions only and changes no shell option.
#
#   tb_json FILE KEY           prints member KEY of the JSON object in FILE ("-": stdin)
#   tb_origin BALLOT_FILE      prints the election origin a ballot definition names
#   tb_wait_listening OUT PID [SECONDS]
#                              waits until the program PID writes "listening on URL" to its
#                              stdout file OUT and prints URL; returns 1, saying why on stderr,
#                              when PID exits first or SECONDS (default 30) pass
#   tb_stop PID [SECONDS]      SIGTERM, then SIGKILL after SECONDS (default 10); waits for it
#                              when it is a child of this shell; returns 1 when PID was not
#                              running

tb_json() {
  python3 -c '
import json, sys
src = sys.stdin if sys.argv[1] == "-" else open(sys.argv[1])
print(json.load(src)[sys.argv[2]])' "$1" "$2"
}

tb_origin() { tb_json "$1" origin; }

tb_wait_listening() {
  local out=$1 pid=$2 seconds=${3:-30} i
  for ((i = 0; i < seconds * 10; i++)); do
    if grep -q '^listening on ' "$out" 2>/dev/null; then
      sed -n 's/^listening on //p' "$out" | head -1
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "process $pid exited before it listened (output: $out)" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "process $pid did not listen within ${seconds} s (output: $out)" >&2
  return 1
}

tb_stop() {
  local pid=$1 seconds=${2:-10} i
  kill "$pid" 2>/dev/null || return 1
  for ((i = 0; i < seconds * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}
