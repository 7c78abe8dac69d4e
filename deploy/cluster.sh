#!/usr/bin/env bash
# deploy/cluster.sh start|stop|status|kill-node N|restart-node N [options]: a whole Tabella cluster on 127.0.0.1 for a demo
# election (docs/cluster.md section 2): 3 etcd members, 3 tabella-ledger nodes on them and 3
# witnesses (tabella-witness, witness i following node i; every node is given all three and one
# node at a time pushes checkpoints to them, the others take its cosignatures). With no options it uses the build in build/release, keeps its state in
# $TABELLA_CLUSTER_DIR (default /tmp/tabella-cluster), makes an authority key there when none is
# given (authority.key, 0600), and writes election.json: ballots/demo-general.json with the three
# witnesses named in the manifest (quorum 2), ready for `tabella-admin init --ballot`.
# Node n0 appends for the cluster: n1 and n2 send the entries posted to them on to it
# (--cluster-appender; while n0 is down they append themselves), so appends do not race
# (docs/cluster.md, "One appender").
#
# Options:
#   --bin DIR            build tree (DIR/server/tabella-ledger, DIR/client/admin/tabella-admin,
#                        DIR/server/witness/tabella-witness); default build/release, built
#                        first (release preset) when these programs are missing there
#   --dir DIR            state directory (etcd members m0..m2, nodes n0..n2, witnesses w0..w2, logs)
#   --origin O           the manifest's origin (default: ballots/demo-general.json's)
#   --authority-key HEX  the election authority's public key (default: DIR/authority.key's, made once)
#   --key-file F         the ledger key every node signs with (default DIR/ledger.key, made once)
#   --base-port N        ports N..N+11 (etcd clients N..N+2, etcd peers N+3..N+5, nodes N+6..N+8,
#                        witnesses N+9..N+11); default etcd 2379/22379/32379 (peers +1), nodes
#                        8641..8643, witnesses 8651..8653
#   --witness NAME=DIR   a witness's name and data dir (give three; its key is made there if
#                        missing); default witness-0.tabella.example=DIR/w0 ...
#   --no-witnesses       start no witnesses (nodes get no --witness)
#
# Writes DIR/nodes.txt and DIR/witnesses.txt (one URL a line). `stop` stops every process `start`
# started (pids in DIR/*.pid); a start that fails stops whatever it had started.
# `restart-node N` (N = 0, 1 or 2) kills node nN with SIGKILL, as a crash would, and starts it again
# with the command `start` used (saved in DIR/nN.cmd) on its data dir and port; the node catches
# up with the cluster log as it runs (docs/cluster.md, sections 1 and 3). `kill-node N` is only
# the kill (restart-node N then finds it not running and starts it). Both SIGKILL only a process
# named tabella-ledger, and give up if it is still there 10 s later.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/deploy/lib/tabella.sh"
cmd=${1:-}
shift || true
node=""
if [[ ( $cmd == restart-node || $cmd == kill-node ) && $# -gt 0 && $1 != -* ]]; then
  node=$1
  shift
fi
bin=$root/build/release
dir=${TABELLA_CLUSTER_DIR:-/tmp/tabella-cluster}
origin=""
authority=""
key_file=""
base_port=""
witness_specs=()
with_witnesses=1
usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}
while [[ $# -gt 0 ]]; do
  case $1 in
    --bin) bin=$2; shift 2;;
    --dir) dir=$2; shift 2;;
    --origin) origin=$2; shift 2;;
    --authority-key) authority=$2; shift 2;;
    --key-file) key_file=$2; shift 2;;
    --base-port) base_port=$2; shift 2;;
    --witness) witness_specs+=("$2"); shift 2;;
    --no-witnesses) with_witnesses=0; shift;;
    -h|--help) usage; exit 0;;
    *) echo "cluster.sh: unknown option $1 (--help lists them)" >&2; exit 2;;
  esac
done
# An older --bin named the server directory itself.
[[ -x $bin/tabella-ledger && ! -x $bin/server/tabella-ledger ]] && bin=$(dirname "$bin")
ledger_bin=$bin/server/tabella-ledger
witness_bin=$bin/server/witness/tabella-witness
admin_bin=$bin/client/admin/tabella-admin

if [[ -n $base_port ]]; then
  [[ $base_port =~ ^[0-9]+$ && $base_port -ge 1024 && $base_port -le 65520 ]] ||
    { echo "cluster.sh: --base-port must be 1024..65520" >&2; exit 2; }
  client_ports=($base_port $((base_port + 1)) $((base_port + 2)))
  peer_ports=($((base_port + 3)) $((base_port + 4)) $((base_port + 5)))
  ledger_ports=($((base_port + 6)) $((base_port + 7)) $((base_port + 8)))
  witness_ports=($((base_port + 9)) $((base_port + 10)) $((base_port + 11)))
else
  client_ports=(2379 22379 32379); peer_ports=(2380 22380 32380)
  ledger_ports=(8641 8642 8643); witness_ports=(8651 8652 8653)
fi
initial=""; endpoints=""
for i in 0 1 2; do
  initial+="${initial:+,}m$i=http://127.0.0.1:${peer_ports[$i]}"
  endpoints+="${endpoints:+,}127.0.0.1:${client_ports[$i]}"
done

alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stops the processes of DIR/*.pid: witnesses, then nodes, then etcd (TERM, KILL after 10 s).
stop() {
  local f pid stopped=0
  for f in "$dir"/w?.pid "$dir"/n?.pid "$dir"/m?.pid; do
    [[ -f $f ]] || continue
    pid=$(cat "$f")
    if tb_stop "$pid" 10; then stopped=$((stopped + 1)); fi
    rm -f "$f"
  done
  echo "stopped $stopped processes"
}

# Waits for "listening on URL" in a process's stdout file; fails, showing its log, if the
# process exits first or does not listen within 30 s.
wait_listening() {
  local out=$1 pidfile=$2 what=$3
  tb_wait_listening "$out" "$(cat "$pidfile")" 30 > /dev/null && return 0
  echo "cluster.sh: $what did not start; its log:" >&2
  cat "${out%.out}.log" >&2
  return 1
}

# wait_all DIR LETTER WHAT LIST PORT...: waits for each of DIR/LETTER0, LETTER1, ... (one per
# PORT) to listen, and appends its URL to the file LIST.
wait_all() {
  local dir=$1 letter=$2 what=$3 list=$4 i=0 port
  shift 4
  for port in "$@"; do
    wait_listening "$dir/$letter$i.out" "$dir/$letter$i.pid" "$what $letter$i"
    echo "http://127.0.0.1:$port" >>"$list"
    i=$((i + 1))
  done
}

# Starts node I with the command saved in DIR/nI.cmd (stdout DIR/nI.out, stderr appended to
# DIR/nI.log) and writes its pid to DIR/nI.pid.
launch_node() {
  local i=$1 cmd
  cmd=$(cat "$dir/n$i.cmd")
  eval "exec $cmd" >"$dir/n$i.out" 2>>"$dir/n$i.log" &
  echo $! >"$dir/n$i.pid"
}

# kill-node I: SIGKILL (a crash: no clean shutdown) of node nI, if it runs.
kill_node() {
  local i=${node:-}
  [[ $i =~ ^[0-2]$ ]] || { echo "cluster.sh: $cmd takes a node number 0, 1 or 2" >&2; exit 2; }
  if alive "$dir/n$i.pid"; then
    local pid
    pid=$(cat "$dir/n$i.pid")
    # A stale pid file may name another program by now: SIGKILL only a tabella-ledger.
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == tabella-ledger ]] || {
      echo "cluster.sh: pid $pid of $dir/n$i.pid is not a tabella-ledger; not killing it" >&2; exit 1; }
    kill -KILL "$pid" 2>/dev/null || true
    # A SIGKILLed process goes at once unless it is stuck in the kernel (a hung disk): then its
    # port and data dir are still held, and starting another node there would fail anyway.
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
      (( waited++ < 200 )) || {
        echo "cluster.sh: node n$i (pid $pid) is still there 10 s after SIGKILL (stuck in the kernel?); giving up" >&2
        exit 1; }
      sleep 0.05
    done
    echo "node n$i (pid $pid) killed with SIGKILL"
  else
    echo "node n$i was not running"
  fi
}

# restart-node I: kill-node I, then the same command on the same data dir and port; waits until
# it listens again and prints the log size it serves.
restart_node() {
  local i=${node:-}
  [[ $i =~ ^[0-2]$ ]] || { echo "cluster.sh: restart-node takes a node number 0, 1 or 2" >&2; exit 2; }
  [[ -f $dir/n$i.cmd ]] || { echo "cluster.sh: $dir/n$i.cmd is missing: start the cluster with this script first" >&2; exit 1; }
  kill_node
  launch_node "$i"
  local url
  url=$(tb_wait_listening "$dir/n$i.out" "$(cat "$dir/n$i.pid")" 60) || {
    echo "cluster.sh: node n$i did not start again; its log:" >&2; tail -20 "$dir/n$i.log" >&2; exit 1; }
  echo "node n$i restarted (pid $(cat "$dir/n$i.pid")) on its data dir $dir/n$i, listening on $url"
  local size
  size=$(curl -sf "$url/v1/status" | tb_json - size) ||
    size="(status not readable)"
  echo "node n$i serves a log of $size entries"
}

start() {
  for f in "$dir"/m?.pid "$dir"/n?.pid "$dir"/w?.pid; do
    if alive "$f"; then
      echo "cluster.sh: already running (pid $(cat "$f") from $f); run '$0 stop --dir $dir' first" >&2
      exit 1
    fi
  done
  if [[ $bin == "$root/build/release" && ( ! -x $ledger_bin || ! -x $admin_bin || ! -x $witness_bin ) ]]; then
    echo "building tabella-ledger, tabella-admin and tabella-witness (release preset) ..."
    (cd "$root" && cmake --preset release >/dev/null &&
      cmake --build --preset release --target tabella-ledger tabella-admin tabella-witness) ||
      { echo "cluster.sh: the build failed (deploy/install-deps.sh installs what it needs)" >&2; exit 1; }
  fi
  for b in "$ledger_bin" "$admin_bin"; do
    [[ -x $b ]] || { echo "cluster.sh: $b not found (build it, or give --bin)" >&2; exit 1; }
  done
  "$ledger_bin" --help | grep -q -- --cluster ||
    { echo "cluster.sh: $ledger_bin has no --cluster option" >&2; exit 1; }
  command -v etcd >/dev/null && command -v etcdctl >/dev/null ||
    { echo "cluster.sh: etcd and etcdctl are needed (deploy/install-deps.sh)" >&2; exit 1; }
  mkdir -p "$dir"
  rm -f "$dir"/nodes.txt "$dir"/witnesses.txt
  # From here on a failure stops whatever was started.
  trap 'rc=$?; if [[ $rc != 0 ]]; then echo "cluster.sh: start failed; stopping what it started" >&2; stop >&2; fi' EXIT

  if [[ -z $origin ]]; then
    origin=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["origin"])' \
      "$root/ballots/demo-general.json")
  fi
  if [[ -z $authority ]]; then
    if [[ -f $dir/authority.key && ! -f $dir/authority.json ]]; then
      echo "cluster.sh: $dir/authority.key exists without authority.json; give --authority-key" >&2
      exit 2
    fi
    if [[ ! -f $dir/authority.key ]]; then
      "$admin_bin" --key "$dir/authority.key" keygen --json >"$dir/authority.json"
    fi
    authority=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["public_key"])' \
      "$dir/authority.json")
    echo "authority key: $authority (private key $dir/authority.key)"
  fi

  # Witness keys first: the manifest must name them.
  names=(); wdirs=()
  if [[ $with_witnesses = 1 ]]; then
    [[ -x $witness_bin ]] || { echo "cluster.sh: $witness_bin not found" >&2; exit 1; }
    if [[ ${#witness_specs[@]} -eq 0 ]]; then
      witness_specs=("witness-0.tabella.example=$dir/w0" "witness-1.tabella.example=$dir/w1"
                     "witness-2.tabella.example=$dir/w2")
    fi
    [[ ${#witness_specs[@]} -eq 3 ]] || { echo "cluster.sh: give --witness three times" >&2; exit 2; }
    for spec in "${witness_specs[@]}"; do
      names+=("${spec%%=*}"); wdirs+=("${spec#*=}")
    done
    for i in 0 1 2; do
      "$witness_bin" --data-dir "${wdirs[$i]}" --name "${names[$i]}" --print-verifier-key \
        >"$dir/w$i.vkey"
    done
    python3 - "$root/ballots/demo-general.json" "$dir/election.json" "$origin" \
      "${names[@]}" "$dir/w0.vkey" "$dir/w1.vkey" "$dir/w2.vkey" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["origin"] = sys.argv[3]
names, keys = sys.argv[4:7], sys.argv[7:10]
doc["witnesses"] = {"quorum": 2, "members": [
    {"name": n, "key": open(k).read().strip()} for n, k in zip(names, keys)]}
json.dump(doc, open(sys.argv[2], "w"), indent=2, ensure_ascii=False)
PY
  fi

  for i in 0 1 2; do
    state=new; [[ -d $dir/m$i/member ]] && state=existing
    etcd --name m$i --data-dir "$dir/m$i" \
      --listen-client-urls http://127.0.0.1:${client_ports[$i]} \
      --advertise-client-urls http://127.0.0.1:${client_ports[$i]} \
      --listen-peer-urls http://127.0.0.1:${peer_ports[$i]} \
      --initial-advertise-peer-urls http://127.0.0.1:${peer_ports[$i]} \
      --initial-cluster "$initial" --initial-cluster-state $state \
      --initial-cluster-token tabella --max-txn-ops 1024 --max-request-bytes 33554432 \
      >"$dir/m$i.log" 2>&1 &
    echo $! >"$dir/m$i.pid"
  done
  healthy=0
  for _ in $(seq 100); do
    for i in 0 1 2; do
      alive "$dir/m$i.pid" || { echo "cluster.sh: etcd member m$i exited; its log:" >&2; tail -20 "$dir/m$i.log" >&2; exit 1; }
    done
    if ETCDCTL_API=3 etcdctl --endpoints="$endpoints" endpoint health >/dev/null 2>&1; then
      healthy=1; break
    fi
    sleep 0.2
  done
  [[ $healthy = 1 ]] || { echo "cluster.sh: etcd did not become healthy within 20 s (logs: $dir/m?.log)" >&2; exit 1; }
  echo "etcd members: http://${endpoints//,/ http://}"

  key_file=${key_file:-$dir/ledger.key}
  # Made once here (0600) so that every node signs with the same key.
  echo "ledger verifier key: $("$ledger_bin" --print-verifier-key --origin "$origin" \
    --key-file "$key_file")"
  witness_arg=()
  if [[ $with_witnesses = 1 ]]; then
    urls=""
    for i in 0 1 2; do urls+="${urls:+,}http://127.0.0.1:${witness_ports[$i]}"; done
    witness_arg=(--witness "$urls")
  fi
  for i in 0 1 2; do
    # n1 and n2 send the entries posted to them on to n0, which appends for the cluster (no
    # append races; when n0 is down they append themselves): docs/cluster.md, "One appender".
    appender_arg=()
    [[ $i = 0 ]] || appender_arg=(--cluster-appender "http://127.0.0.1:${ledger_ports[0]}")
    # Saved for restart-node, which starts the node again exactly so.
    printf '%q ' "$ledger_bin" --cluster "etcd://$endpoints" --data-dir "$dir/n$i" \
      --listen 127.0.0.1:${ledger_ports[$i]} --origin "$origin" --authority-key "$authority" \
      --key-file "$key_file" "${witness_arg[@]}" "${appender_arg[@]}" >"$dir/n$i.cmd"
    : >"$dir/n$i.log"
    launch_node "$i"
  done
  wait_all "$dir" n "ledger node" "$dir/nodes.txt" "${ledger_ports[@]}"
  echo "ledger nodes: $(tr '\n' ' ' <"$dir/nodes.txt")"

  if [[ $with_witnesses = 1 ]]; then
    for i in 0 1 2; do
      "$witness_bin" --ledger "http://127.0.0.1:${ledger_ports[$i]}" \
        --listen "127.0.0.1:${witness_ports[$i]}" --data-dir "${wdirs[$i]}" --name "${names[$i]}" \
        --poll 200ms >"$dir/w$i.out" 2>"$dir/w$i.log" &
      echo $! >"$dir/w$i.pid"
    done
    wait_all "$dir" w "witness" "$dir/witnesses.txt" "${witness_ports[@]}"
    echo "witnesses: $(tr '\n' ' ' <"$dir/witnesses.txt")(${names[*]}; witness i follows node i)"
    echo "election definition naming them: $dir/election.json"
  fi
  trap - EXIT
  if [[ -f $dir/authority.key ]]; then
    echo "define the election:"
    echo "  $admin_bin --ledger $(head -1 "$dir/nodes.txt") --key $dir/authority.key init --ballot $dir/election.json"
  fi
  echo "stop everything: $0 stop --dir $dir"
}

status() {
  ETCDCTL_API=3 etcdctl --endpoints="$endpoints" endpoint status -w table || true
  for i in 0 1 2; do
    if alive "$dir/n$i.pid"; then
      echo "node n$i http://127.0.0.1:${ledger_ports[$i]}: pid $(cat "$dir/n$i.pid"), checkpoint:"
      curl -s "http://127.0.0.1:${ledger_ports[$i]}/checkpoint" | sed -n '2,3s/^/  /p' || true
    else
      echo "node n$i: not running"
    fi
  done
  for i in 0 1 2; do
    if alive "$dir/w$i.pid"; then
      echo "witness w$i http://127.0.0.1:${witness_ports[$i]}: pid $(cat "$dir/w$i.pid")"
    fi
  done
}

case $cmd in
  start) start;;
  stop) stop;;
  status) status;;
  restart-node) restart_node;;
  kill-node) kill_node;;
  -h|--help|help) usage;;
  *) echo "usage: $0 start|stop|status|kill-node N|restart-node N [options] (--help lists them)" >&2; exit 2;;
esac
