"""C++ kernel names: the report file keeps the raw mangled name, `wprof report` shows it demangled in
every format, and --mangled shows it raw."""
import json
import os
import shutil
import sys
import tempfile

import h5py
from tools_common import Checker, run

data = sys.argv[1]
MANGLED = "_Z10matmulTileILi16EEvPKfS1_Pfi"
DEMANGLED = "void matmulTile<16>(float const*, float const*, float*, int)"
c = Checker()

path = os.path.join(tempfile.mkdtemp(prefix="wprof-demangle-"), "report.h5")
shutil.copy(os.path.join(data, "report.h5"), path)
with h5py.File(path, "r+") as f:
    names = [n.decode() if isinstance(n, bytes) else n for n in f["names"][:]]
    gemm = names.index("gemm_kernel")
    f["names"][gemm] = MANGLED
    # the summary carries the name itself
    summary = f["summary/kernels"][:]
    for i, row in enumerate(summary):
        if row["name"] in (b"gemm_kernel", "gemm_kernel"):
            row["name"] = MANGLED
            summary[i] = row
    f["summary/kernels"][:] = summary

rc, out, err = run(["report", path, "--table", "kernels"])
c.check(rc == 0, f"report exits 0 ({err.strip()})")
c.check("matmulTile<16>(float const*" in out, "the table shows the demangled name")
c.check(MANGLED not in out, "the table does not show the mangled name")
rc, out, _ = run(["report", path, "--table", "kernels", "--rank", "1"])
c.check(rc == 0 and "matmulTile<16>(float const*" in out, "one rank's table demangles too")
rc, out, _ = run(["report", path, "--table", "kernels", "--format", "json"])
names_json = [r["name"] for r in json.loads(out)["tables"]["kernels"]]
c.check(DEMANGLED in names_json, f"JSON shows the demangled name (got {names_json[:3]})")
rc, out, _ = run(["report", path, "--table", "kernels", "--mangled"])
c.check(rc == 0 and MANGLED in out, "--mangled shows the raw name")
with h5py.File(path, "r") as f:
    raw = [n.decode() if isinstance(n, bytes) else n for n in f["names"][:]]
    c.check(MANGLED in raw, "the file keeps the raw name")
c.done()
