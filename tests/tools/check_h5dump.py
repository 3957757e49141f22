#!/usr/bin/env python3
"""h5dump reads the report: the header lists every table with its columns, the full dump succeeds
and shows names and summary names as text. usage: check_h5dump.py DATA_DIR H5DUMP"""
import re
import subprocess
import sys

from schema import TABLES
from tools_common import Checker, expected

data, h5dump = sys.argv[1], sys.argv[2]
if not h5dump or h5dump.endswith("NOTFOUND"):
    print("h5dump not found (install hdf5-tools)")
    sys.exit(1)
c = Checker()
path = f"{data}/report.h5"


def dump(*args):
    p = subprocess.run([h5dump, *args, path], capture_output=True)
    c.eq(p.returncode, 0, f"h5dump {' '.join(args)} exit status")
    return p.stdout.decode("utf-8", "replace")


header = dump("-H")
c.check('ATTRIBUTE "schema_version"' in header, "root attribute schema_version in h5dump -H")
c.check('GROUP "summary"' in header, "group /summary in h5dump -H")
c.check('DATASET "names"' in header, "dataset /names in h5dump -H")
for table, cols in TABLES.items():
    one = dump("-H", "-d", "/" + table)
    c.check(f'DATASET "/{table}"' in one, f"h5dump -H -d /{table} shows the dataset")
    for col in cols:
        c.check(f'"{col}";' in one, f"/{table} column {col} in h5dump -H")
c.check('"kernel"' in dump("-H", "-d", "/kernels"), "kind is an HDF5 enum with its names")

full = dump()
exp = expected(data)
for name in [n for n in exp["names"] if n.isascii()][:6]:
    c.check(name in full, f"name {name[:40]!r} in the full dump")
for row in exp["summary"]["ranges"] + exp["summary"]["kernels"]:
    name = row["name"]
    if name.isascii():
        c.check(f'"{name}"' in full, f"summary name {name!r} as text in the dump")
    else:  # h5dump 1.10 prints non-ASCII bytes as octal escapes: look for the ASCII part
        part = max(re.split(r"[^\x20-\x7e]+", name), key=len)
        c.check(part in full, f"ASCII part {part!r} of summary name {name!r} in the dump")
attrs = dump("-a", "/schema_version")
c.check("(0): 1" in attrs, "schema_version is 1 in h5dump -a")
c.done()
