#!/usr/bin/env bash
# tabella-loadgen --cluster-nodes 3 against real tabella-ledger nodes on a real 3-member etcd
# (docs/benchmarks.md, "Cluster (3 nodes on etcd) vs single node").
#
#   loadgen_cluster_test.sh CASE LOADGEN LEDGER ETCD
#
# CASE:
#   smoke             40 ballots over 4 connections: exit 0, the check line says every ballot was
#                     acknowledged once and the 3 nodes agree; per-node and etcd figures printed;
#                     no process of the run is left afterwards.
#   refused-ballots   node n1 runs with --body-limit 2K (ballots of ~4 KB get 413; the setup
#                     entries it gets are under 1 KB): loadgen must exit 1 with "ballots not
#                     acknowledged".
#   forked-root       node n2 is a real node behind a proxy that serves its /checkpoint with
#                     another root (as a node that forked would): loadgen must exit 1 with
#                     "node 2 root ... differs". Needs python3 (the proxy); skipped (77) without.
#   sigint            SIGINT once the nodes serve: loadgen exits 130 and leaves no etcd or
#                     ledger process of its work dir behind.
# The faults are injected by a wrapper around tabella-ledger that changes one node's arguments
# or puts the proxy in front of it (the node is known by its --data-dir, <work-dir>/nI).
set -uo pipefail
case_name=$1 loadgen=$2 ledger=$3 etcd=$4
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tabella-loadgen-test-XXXXXX")
work=$tmp/work
bg=""
cleanup() {
  if [[ -n $bg ]]; then kill "$bg" 2>/dev/null; wait "$bg" 2>/dev/null; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; echo "--- loadgen output"; cat "$tmp/out" 2>/dev/null; exit 1; }

# Processes whose command line names the work dir (etcd and ledger data dirs).
leftovers() { pgrep -f -- "$work/" || true; }

# The forking proxy: starts the real ledger (its arguments), prints the "listening on" line
# loadgen reads, forwards every request to it and replaces the root line of GET /checkpoint.
proxy=$tmp/fork-proxy.py
cat >"$proxy" <<'PROXY'
import http.client, http.server, os, signal, subprocess, sys, threading
ledger = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
port = int(ledger.stdout.readline().decode().strip().rsplit(":", 1)[1])
local = threading.local()
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def forward(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        if getattr(local, "conn", None) is None:
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local.conn.request(method, self.path, body=body,
                           headers={"Content-Type": "application/json"} if body else {})
        reply = local.conn.getresponse()
        data = reply.read()
        if self.path == "/checkpoint":
            lines = data.decode().split("\n")
            lines[2] = "A" * 43 + "="  # base64 of 32 zero bytes: not this log's root
            data = "\n".join(lines).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.getheader("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        self.forward("GET")
    def do_POST(self):
        self.forward("POST")
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
def stop(*_):
    ledger.terminate()
    ledger.wait()
    os._exit(0)
signal.signal(signal.SIGTERM, stop)
print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()
PROXY

wrapper=$tmp/ledger-wrapper.sh
cat >"$wrapper" <<WRAPPER
#!/usr/bin/env bash
args=("\$@"); node=""
for ((i = 0; i < \${#args[@]}; i++)); do
  [[ \${args[i]} == --data-dir ]] && node=\$(basename "\${args[i+1]}")
done
case "$case_name:\$node" in
  refused-ballots:n1) args+=(--body-limit 2K);;
  forked-root:n2) exec python3 "$proxy" "$ledger" "\${args[@]}";;
esac
exec "$ledger" "\${args[@]}"
WRAPPER
chmod +x "$wrapper"

run() {  # run LEDGER_BIN BALLOTS CONNECTIONS: loadgen in the foreground, output in $tmp/out
  "$loadgen" --ledger-bin "$1" --cluster-nodes 3 --etcd-bin "$etcd" --ballots "$2" \
    --connections "$3" --checkpoint-interval 100ms --work-dir "$work" --no-cache >"$tmp/out" 2>&1
}

case $case_name in
  smoke)
    run "$ledger" 40 4; rc=$?
    [[ $rc == 0 ]] || fail "exit $rc"
    grep -q "^check: 40 ballots acknowledged once each; 3 nodes agree at size" "$tmp/out" ||
      fail "no agreement line"
    for what in "^node 0: CPU" "^node 2: CPU" "^etcd CPU: m0 .* m2 " "^etcd: [0-9]* txns" \
                "^conflicts: " "^throughput: "; do
      grep -q -- "$what" "$tmp/out" || fail "no line matching '$what'"
    done
    ;;
  refused-ballots)
    run "$wrapper" 40 4; rc=$?
    [[ $rc == 1 ]] || fail "exit $rc, expected 1"
    grep -q "check failed: .* ballots not acknowledged" "$tmp/out" || fail "no check failure"
    ;;
  forked-root)
    command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
    run "$wrapper" 40 4; rc=$?
    [[ $rc == 1 ]] || fail "exit $rc, expected 1"
    grep -q "check failed: node 2 root AAAA.* differs from node 0's" "$tmp/out" ||
      fail "no check failure"
    ;;
  sigint)
    # Few ballots, paced (10 s of submissions at 4/s): the SIGINT lands while they are sent,
    # without generating and pre-verifying hundreds of ballots first.
    "$loadgen" --ledger-bin "$ledger" --cluster-nodes 3 --etcd-bin "$etcd" --ballots 40 \
      --rate 4 --connections 4 --work-dir "$work" --no-cache >"$tmp/out" 2>&1 &
    bg=$!
    for _ in $(seq 900); do
      grep -q "^cluster: " "$tmp/out" && break
      kill -0 "$bg" 2>/dev/null || break
      sleep 0.1
    done
    grep -q "^cluster: " "$tmp/out" || fail "the cluster never started"
    [[ -n $(leftovers) ]] || fail "no etcd/ledger process found under $work while running"
    kill -INT "$bg"
    wait "$bg"; rc=$?
    bg=""
    [[ $rc == 130 ]] || fail "exit $rc after SIGINT, expected 130"
    ;;
  *) echo "unknown case $case_name"; exit 2;;
esac
left=$(leftovers)
[[ -z $left ]] || fail "processes left behind: $(ps -o pid=,args= -p "${left//$'\n'/,}")"
echo "PASS: $case_name"
tail -n 25 "$tmp/out"
