#!/bin/sh
# The rsh agent of the multi-node test (mpirun --mca plm_rsh_agent): Open MPI calls it as ssh,
#   rsh_agent.sh [options] HOST COMMAND...
# and it runs COMMAND in the network namespace of HOST under a hostname of its own (network namespaces
# share the host's name, so `unshare --uts` gives each node one). WPMN_NODES maps addresses to nodes:
# "10.213.77.11=ns1=node1 10.213.77.12=ns2=node2".
while [ $# -gt 0 ]; do
  case "$1" in
    -*) shift ;;
    *) break ;;
  esac
done
host=$1
shift
for entry in $WPMN_NODES; do
  addr=${entry%%=*}
  rest=${entry#*=}
  if [ "$addr" = "$host" ]; then
    exec ip netns exec "${rest%%=*}" unshare --uts sh -c "hostname ${rest#*=} && $*"
  fi
done
echo "rsh_agent.sh: no node has the address $host (WPMN_NODES: $WPMN_NODES)" >&2
exit 255
