#!/bin/bash
# Multi-node test (label multinode): two "nodes" made of network namespaces joined by a bridge, each
# with its own address on a private /24 and its own hostname (rsh_agent.sh runs Open MPI's daemon
# under `unshare --uts`), an MPI job across them over TCP, and `wprof sweep --hostfile` across them.
# The reports are checked with h5py by check_multinode.py. Everything it creates is removed on exit,
# failure included. Needs root (exit 77 without it, or when namespaces cannot be made).
# Environment (CTest sets it): WPROF_BUILD_DIR, WPROF_BIN, WPROF_MPIEXEC, WPROF_MPIEXEC_PREFLAGS,
# WPROF_PYTHON (with h5py); WPMN_SUBNET overrides the /24 (default 10.213.77).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SUB=${WPMN_SUBNET:-10.213.77}
APP=$WPROF_BUILD_DIR/bin/e2e_app
PY=${WPROF_PYTHON:-python3}
NODES=2

[ "$(id -u)" = 0 ] || { echo "SKIP: network namespaces need root"; exit 77; }
for tool in ip unshare "$WPROF_MPIEXEC"; do
  command -v "$tool" > /dev/null || { echo "SKIP: no $tool"; exit 77; }
done
# Only addresses this test creates: the subnet must be unused here.
if ip -4 -o addr show | grep -qF " $SUB." || ip -4 route show | grep -q "^${SUB//./\\.}\."; then
  echo "SKIP: $SUB.0/24 is already in use on this machine (set WPMN_SUBNET)"
  exit 77
fi

TAG=wpmn$(( $$ % 100000 ))   # interface names stay under 15 characters
BR=${TAG}br
TMP=$(mktemp -d /tmp/wprof-multinode-XXXXXX)
created_ns=()
cleanup() {
  for ns in "${created_ns[@]}"; do ip netns del "$ns" 2> /dev/null; done  # takes its veth pair along
  ip link del "$BR" 2> /dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip link add "$BR" type bridge || { echo "SKIP: cannot create a bridge"; exit 77; }
ip addr add "$SUB.1/24" dev "$BR" && ip link set "$BR" up || exit 1
WPMN_NODES=""
for k in $(seq 1 $NODES); do
  ns=$TAG-$k
  ip netns add "$ns" || { echo "SKIP: ip netns add failed"; exit 77; }
  created_ns+=("$ns")
  ip link add "${TAG}h$k" type veth peer name "${TAG}n$k" &&
    ip link set "${TAG}n$k" netns "$ns" &&
    ip link set "${TAG}h$k" master "$BR" up &&
    ip -n "$ns" addr add "$SUB.1$k/24" dev "${TAG}n$k" &&
    ip -n "$ns" link set "${TAG}n$k" up &&
    ip -n "$ns" link set lo up || exit 1
  echo "$SUB.1$k slots=2" >> "$TMP/hostfile"
  WPMN_NODES="$WPMN_NODES $SUB.1$k=$ns=$TAG-node$k"
done
export WPMN_NODES
echo "nodes:$WPMN_NODES (bridge $BR, $SUB.1 on the host side)"

# mpirun runs on the host side of the bridge; its daemons start on the nodes through the agent.
MCA="--mca plm_rsh_agent $HERE/rsh_agent.sh --mca plm_rsh_no_tree_spawn 1
     --mca oob_tcp_if_include $SUB.0/24 --mca btl_tcp_if_include $SUB.0/24"
PREFLAGS=${WPROF_MPIEXEC_PREFLAGS//;/ }
status=0

echo "== one job, 4 ranks on 2 nodes"
# shellcheck disable=SC2086
timeout 90 "$WPROF_MPIEXEC" $PREFLAGS $MCA --hostfile "$TMP/hostfile" -np 4 \
  -x WPROF_OUTPUT="$TMP/job.h5" -x WPROF_MAX_ITERS=3 -x WPROF_LOG=debug "$APP" --iters 4 --windows 6 \
  2>"$TMP/job.log" || status=1
grep -E "spilled|clock" "$TMP/job.log"
"$PY" "$HERE/check_multinode.py" report "$TMP/job.h5" 4 "$TAG-node1" "$TAG-node2" || status=1
"$PY" "$HERE/check_multinode.py" spills "$TMP/job.log" 4 6 || status=1

echo "== wprof sweep --hostfile across the nodes, --np 2,4"
timeout 180 "$WPROF_BIN" sweep --np 2,4 --hostfile "$TMP/hostfile" --mpirun "$WPROF_MPIEXEC" \
  --mpirun-args "$PREFLAGS $MCA" --timeout 90 -o "$TMP/sweep" -- "$APP" --iters 4 --windows 1 || status=1
"$PY" "$HERE/check_multinode.py" sweep "$TMP/sweep" "$TAG-node1" "$TAG-node2" || status=1
exit $status
