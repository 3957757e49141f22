"""Builds wprof._wprof against an installed libwprof (pkg-config) or the CMake build beside this folder.

Where libwprof is looked for, first hit wins:
  1. WPROF_BUILD_DIR=<a CMake build tree of wprof> (headers from the source tree, lib/ of the build);
  2. pkg-config wprof (after `cmake --install build --prefix P`: PKG_CONFIG_PATH=P/lib/pkgconfig);
  3. ../build beside this folder (a source checkout built with ./run.sh build).
The extension records libwprof's folder as its run path, so no LD_LIBRARY_PATH is needed.
"""
import os
import shlex
import subprocess

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(HERE)


def tokens(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return shlex.split(out)


def mpi_flags():
    """MPI's compile and link flags: pkg-config's ompi-c/mpich, else the MPI compiler wrapper's."""
    for pkg in ("ompi-c", "mpich", "mpi"):
        t = tokens(["pkg-config", "--cflags", "--libs", pkg])
        if t is not None:
            return t
    for cmd in (["mpicc", "--showme:compile"], ["mpicc", "-compile_info"]):
        t = tokens(cmd)
        if t is not None:
            return t[1:] if cmd[1] == "-compile_info" else t + (tokens(["mpicc", "--showme:link"]) or [])
    return []


def source_of(build):
    """The source tree a CMake build tree was configured from (its CMakeCache.txt says), so a copy
    of this folder built elsewhere still finds the headers."""
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as cache:
            for line in cache:
                if line.startswith("CMAKE_HOME_DIRECTORY:"):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return SOURCE_ROOT


def from_build_tree(build):
    lib = os.path.join(build, "lib")
    if not os.path.exists(os.path.join(lib, "libwprof.so")):
        return None
    include = os.path.join(source_of(build), "runtime", "include")
    return ["-I" + include, "-L" + lib, "-Wl,-rpath," + lib, "-lwprof"] + mpi_flags(), "build tree " + build


def locate_wprof():
    build = os.environ.get("WPROF_BUILD_DIR")
    if build:
        found = from_build_tree(os.path.abspath(build))
        if not found:
            raise SystemExit(f"WPROF_BUILD_DIR={build}: no lib/libwprof.so there (build wprof first)")
        return found
    t = tokens(["pkg-config", "--cflags", "--libs", "wprof"])
    if t is not None:
        return t, "pkg-config"
    found = from_build_tree(os.path.join(SOURCE_ROOT, "build"))
    if found:
        return found
    raise SystemExit("wprof not found: install it (cmake --install build --prefix P, then "
                     "PKG_CONFIG_PATH=P/lib/pkgconfig), or build it beside this folder (../build), "
                     "or set WPROF_BUILD_DIR to a build tree")


def extension():
    flags, where = locate_wprof()
    print(f"wprof: building against libwprof from {where}")
    inc = [os.path.normpath(f[2:]) for f in flags if f.startswith("-I")]
    libdirs = [os.path.normpath(f[2:]) for f in flags if f.startswith("-L")]
    libs = [f[2:] for f in flags if f.startswith("-l")]
    rpath = [os.path.normpath(f.split(",", 2)[2]) for f in flags if f.startswith("-Wl,-rpath,")]
    rpath += [d for d in libdirs if d not in rpath]
    other = [f for f in flags if not f.startswith(("-I", "-L", "-l", "-Wl,-rpath,"))]
    return Extension("wprof._wprof", sources=["src/module.c", "src/scopes.c"], include_dirs=inc,
                     library_dirs=libdirs, libraries=libs, runtime_library_dirs=rpath,
                     extra_compile_args=["-std=c11", "-O2"] + [f for f in other if not f.startswith("-Wl")],
                     extra_link_args=[f for f in other if f.startswith("-Wl")])


setup(ext_modules=[extension()])
