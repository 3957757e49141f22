#!/usr/bin/env bash
# libwprof.so must not depend on HDF5 (it writes the format itself) nor on any CUDA library (dlopen):
# an application with its own HDF5 or without CUDA must load it.
set -euo pipefail
lib=$1
needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "libwprof.so needs:"; printf '  %s\n' $needed
[ -n "$needed" ] || { echo "FAIL: readelf found no NEEDED entries in $lib"; exit 1; }
bad=$(printf '%s\n' $needed | grep -Ei 'hdf5|cuda|cupti|nvtoolsext|nvrtc|jansson' || true)
if [ -n "$bad" ]; then echo "FAIL: libwprof.so links $bad"; exit 1; fi
printf '%s\n' $needed | grep -q 'libmpi' || { echo "FAIL: libwprof.so should link MPI"; exit 1; }
echo "PASS"
