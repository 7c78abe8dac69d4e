# Shell helpers shared by deploy/demo.sh, deploy/cluster.sh and the end-to-end tests (through
# tests/e2e/harness.sh). Source it; it defines functions only and changes no shell option.
#
#   tb_json FILE KEY           prints member KEY of the JSON object in FILE ("-": stdin)
#   tb_origin BALLOT_FILE      prints the election origin a ballot definition names
#   tb_wait_listening OUT PID [SECONDS]
#                              waits until the program PID writes "listening on URL" to its
#                              stdout file OUT and prints URL; returns 1, saying why on stderr,
#                              when PID exits first or SECONDS (default 30) pass
#   tb_free_ports N [consecutive]
#                              prints N ports (N consecutive ones with "consecutive") on
#                              127.0.0.1 that nothing listens on, below the kernel's ephemeral
#                              range: a port from bind-to-0 is in that range, where any outgoing
#                              connection may take it before the server told it starts, or while
#                              a server restarted on its port is down
#   tb_stop PID [SECONDS]      SIGTERM, then SIGKILL after SECONDS (default 10); waits for it
#                              when it is a child of this shell; returns 1 when PID was not
#                              running
#   tb_usage SCRIPT            prints SCRIPT's leading comment (its lines 2.. up to the first
#                              line that is not a comment) without the "# ": a script's --help
#
# Guardians (tabella-guardian). Guardian i's files are named by a printf pattern with one %s for
# i, the BASE: BASE.key (its key), BASE.json (what keygen --json printed), BASE.pass (its
# passphrase, 0600).
#   tb_guardian_keys GUARDIAN_BIN BASE "INDEXES"
#                              makes each guardian's key, .json and passphrase file
#   tb_guardians_start GUARDIAN_BIN "URLS" BASE STATE LOG "INDEXES" ARGS...
#                              starts in the background, for each index i, GUARDIAN_BIN
#                              --ledger URL --index i --key --state --passphrase-file ARGS
#                              (ARGS: options and the command, "ceremony" or "decrypt --yes");
#                              URLS is one ledger URL or one per index (a cluster: each guardian
#                              talks to its own node); STATE and LOG are printf patterns like
#                              BASE (LOG gets stdout and stderr). They run at once: the ceremony
#                              and the decryption wait for one another through the ledger.
#   tb_guardians_wait          waits for the guardians tb_guardians_start started; when one
#                              failed, prints every one's log on stderr and returns 1.
#                              TB_GUARDIAN_PIDS holds the pids until then (for a cleanup trap)

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

tb_usage() {
  sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$1"
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

tb_guardian_keys() {
  local bin=$1 base=$2 i b
  for i in $3; do
    # shellcheck disable=SC2059  # the pattern is the caller's
    b=$(printf "$base" "$i")
    "$bin" --index "$i" --key "$b.key" keygen --json > "$b.json"
    (umask 077; echo "passphrase of guardian $i" > "$b.pass")
  done
}

TB_GUARDIAN_PIDS=()
TB_GUARDIAN_LOGS=()
tb_guardians_start() {
  local bin=$1 base=$3 state=$4 log=$5 i b n=0 url
  local -a urls indexes
  read -r -a urls <<< "$2"
  read -r -a indexes <<< "$6"
  shift 6
  for i in "${indexes[@]}"; do
    url=${urls[0]}
    if ((${#urls[@]} > 1)); then url=${urls[$n]}; fi
    # shellcheck disable=SC2059
    b=$(printf "$base" "$i")
    # shellcheck disable=SC2059
    TB_GUARDIAN_LOGS+=("$(printf "$log" "$i")")
    # shellcheck disable=SC2059
    "$bin" --ledger "$url" --index "$i" --key "$b.key" --state "$(printf "$state" "$i")" \
      --passphrase-file "$b.pass" "$@" > "${TB_GUARDIAN_LOGS[-1]}" 2>&1 &
    TB_GUARDIAN_PIDS+=($!)
    n=$((n + 1))
  done
}

tb_guardians_wait() {
  local p failed=0
  for p in "${TB_GUARDIAN_PIDS[@]}"; do wait "$p" || failed=1; done
  if ((failed)); then
    for p in "${TB_GUARDIAN_LOGS[@]}"; do echo "--- $p" >&2; cat "$p" >&2; done
  fi
  TB_GUARDIAN_PIDS=()
  TB_GUARDIAN_LOGS=()
  return "$failed"
}

tb_free_ports() {
  python3 - "$1" "${2:-}" <<'PY'
import random, socket, sys
n, consecutive = int(sys.argv[1]), sys.argv[2] == "consecutive"
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
first = max(1024, lo // 2)
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        return True
    except OSError:
        return False
    finally:
        s.close()
for _ in range(500):
    if consecutive:
        base = random.randrange(first, lo - n)
        ports = list(range(base, base + n))
    else:
        ports = random.sample(range(first, lo), n)
    if all(free(p) for p in ports):
        print(" ".join(map(str, ports)))
        sys.exit(0)
sys.exit("no free ports below the ephemeral range %d" % lo)
PY
}
