#!/usr/bin/env python3
"""The countable rules of the source tree's shape, checked on the sources alone (no build products):

  (a) no source file (.c .h .py .sh .cmake CMakeLists.txt) anywhere in the project is over 600 lines;
  (b) no folder of runtime/, io/ or tools/ holds more than 12 .c files side by side;
  (c) no file refers to the design notes outside the project (the project must stand on its own);
  (d) header names are unique across runtime/, io/, tools/, collectives/ (includes use bare names);
  (e) every folder of runtime/, io/, tools/, collectives/ that holds a .c or .h file has a README.md;
  (f) every folder of those parts that holds .c files is listed in cmake/parts.cmake, whose folder
      lists give the build its sources and include paths.

Usage: check_structure.py SOURCE_DIR   (prints each failure as "path: rule (x): why", exit 1; else
                                        one line with the counts, exit 0)
       check_structure.py --self-test  (builds trees that break each rule in a temporary folder and
                                        checks that exactly that rule trips)

In a git checkout the files are those git knows (tracked, or new and not ignored); otherwise the tree
is walked, skipping build*/ folders, build trees (a CMakeCache.txt) and hidden folders. Python 3
standard library only.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

MAX_LINES = 600
MAX_C_FILES = 12
SOURCE_SUFFIXES = (".c", ".h", ".py", ".sh", ".cmake")
SOURCE_NAMES = ("CMakeLists.txt",)
CODE_PARTS = ("runtime", "io", "tools", "collectives")  # rules (d), (e), (f)
COUNTED_PARTS = ("runtime", "io", "tools")               # rule (b)
PARTS_FILE = "cmake/parts.cmake"


def outside_needles():
    """What a reference outside the project looks like. Built here, not written out, so this file does
    not match itself."""
    up, shared = "." * 2 + "/", "sha" + "red"
    return [up + shared, shared + "/" + "DESIGN.md", shared + "/" + "STYLE.md"]


# ---- listing the tree ----

def git_files(root):
    """The files git knows under root (tracked, or untracked and not ignored), or None when root is
    not the top of a git work tree (or git is missing)."""
    try:
        top = subprocess.run(["git", "-C", root, "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, check=False)
        if top.returncode != 0 or os.path.realpath(top.stdout.strip()) != os.path.realpath(root):
            return None
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    names = sorted({p for p in out.decode("utf-8", "surrogateescape").split("\0") if p})
    return [p for p in names if os.path.isfile(os.path.join(root, p))]  # deleted but still in the index: gone


def walked_files(root):
    files = []
    for here, dirs, names in os.walk(root):
        rel = os.path.relpath(here, root)
        keep = []
        for d in sorted(dirs):
            if d.startswith(".") or (rel == "." and d.startswith("build")):
                continue
            if os.path.exists(os.path.join(here, d, "CMakeCache.txt")):
                continue
            keep.append(d)
        dirs[:] = keep
        for n in sorted(names):
            files.append(n if rel == "." else os.path.join(rel, n).replace(os.sep, "/"))
    return files


def list_files(root):
    files = git_files(root)
    return (files, "git") if files is not None else (walked_files(root), "walk")


# ---- helpers ----

def folder_of(path):
    return path.rsplit("/", 1)[0] if "/" in path else "."


def part_of(path, parts):
    head = path.split("/", 1)[0]
    return head if head in parts and "/" in path else None


def line_count(data):
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def is_source(path):
    name = path.rsplit("/", 1)[-1]
    return name in SOURCE_NAMES or name.endswith(SOURCE_SUFFIXES)


def listed_folders(root):
    """The folders that cmake/parts.cmake lists, as paths from root ("io/model", "collectives")."""
    try:
        with open(os.path.join(root, PARTS_FILE), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    listed = set()
    for part, items in re.findall(r"set\(\s*WPROF_([A-Z]+)_FOLDERS\s+([^)]*)\)", text):
        base = part.lower()
        for item in items.split():
            item = item.strip().strip('"').rstrip("/")
            listed.add(base if item in (".", "") else base + "/" + item)
    return listed


# ---- the rules ----

def check(root):
    """Returns (failures, counts, mode); a failure is (rule, path, why)."""
    files, mode = list_files(root)
    fails, counts = [], {}

    # (a) and (c): every file read once
    needles = [n.encode() for n in outside_needles()]
    sources = 0
    for path in files:
        try:
            with open(os.path.join(root, path), "rb") as f:
                data = f.read()
        except OSError as e:
            fails.append(("c", path, "cannot be read (%s)" % e.strerror))
            continue
        if is_source(path):
            sources += 1
            n = line_count(data)
            if n > MAX_LINES:
                fails.append(("a", path, "%d lines, more than %d" % (n, MAX_LINES)))
        found = [n.decode() for n in needles if n in data]
        if found:
            fails.append(("c", path, "refers to %s, outside the project" % " and ".join(found)))
    counts["files read"] = len(files)
    counts["source files"] = sources

    code = [p for p in files if part_of(p, CODE_PARTS)]
    folders = {}
    for p in code:
        folders.setdefault(folder_of(p), []).append(p.rsplit("/", 1)[-1])

    # (b)
    counted = 0
    for folder, names in sorted(folders.items()):
        if folder.split("/", 1)[0] not in COUNTED_PARTS:
            continue
        counted += 1
        nc = sum(1 for n in names if n.endswith(".c"))
        if nc > MAX_C_FILES:
            fails.append(("b", folder + "/", "%d .c files side by side, more than %d" % (nc, MAX_C_FILES)))
    counts["folders counted"] = counted

    # (d)
    seen = {}
    for p in code:
        if p.endswith(".h"):
            seen.setdefault(p.rsplit("/", 1)[-1], []).append(p)
    for name, paths in sorted(seen.items()):
        if len(paths) > 1:
            for p in paths:
                fails.append(("d", p, "header name %s is not unique (%s)" % (name, ", ".join(paths))))
    counts["headers"] = len(seen)

    # (e)
    code_folders = sorted(f for f, names in folders.items() if any(n.endswith((".c", ".h")) for n in names))
    for folder in code_folders:
        if "README.md" not in folders[folder]:
            fails.append(("e", folder + "/", "holds code but no README.md"))
    counts["code folders"] = len(code_folders)

    # (f)
    c_folders = sorted(f for f, names in folders.items() if any(n.endswith(".c") for n in names))
    listed = listed_folders(root)
    if listed is None:
        fails.append(("f", PARTS_FILE, "cannot be read"))
    else:
        for folder in c_folders:
            if folder not in listed:
                fails.append(("f", folder + "/", "holds .c files but is not listed in " + PARTS_FILE))
    counts["folders with .c files"] = len(c_folders)
    return fails, counts, mode


RULES = {
    "a": "no source file over %d lines" % MAX_LINES,
    "b": "no folder of runtime/, io/, tools/ with more than %d .c files" % MAX_C_FILES,
    "c": "no reference outside the project",
    "d": "header names unique across runtime/, io/, tools/, collectives/",
    "e": "a README.md in every code folder",
    "f": "every folder with .c files listed in " + PARTS_FILE,
}


def run(root):
    fails, counts, mode = check(root)
    for rule, path, why in fails:
        print("%s: rule (%s) %s: %s" % (path, rule, RULES[rule], why))
    if fails:
        print("structure_rules: %d failure(s)" % len(fails))
        return 1
    print("structure_rules: ok (%s): %s" % (mode, ", ".join("%d %s" % (v, k) for k, v in counts.items())))
    return 0


# ---- self-test: a clean tree, then one violation per rule ----

def write(root, path, text):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as f:
        f.write(text)


def clean_tree(root):
    write(root, PARTS_FILE, "set(WPROF_IO_FOLDERS model)\nset(WPROF_COLLECTIVES_FOLDERS .)\n"
                            "set(WPROF_RUNTIME_FOLDERS api)\nset(WPROF_TOOLS_FOLDERS . common)\n")
    write(root, "CMakeLists.txt", "project(t C)\n")
    write(root, "README.md", "A project.\n")
    for folder in ("io/model", "runtime/api", "tools", "tools/common", "collectives"):
        stem = folder.replace("/", "_")
        write(root, folder + "/README.md", "What this owns.\n")
        write(root, folder + "/%s.c" % stem, "int %s(void) { return 0; }\n" % stem)
        write(root, folder + "/%s.h" % stem, "int %s(void);\n" % stem)
    write(root, "tests/long_data.txt", "x\n" * (MAX_LINES + 50))  # not a source file: no limit
    write(root, "build/generated.c", "x\n" * (MAX_LINES + 50))    # a build folder: skipped
    write(root, "out/CMakeCache.txt", "")                         # a build tree by another name: skipped
    write(root, "out/generated.c", "x\n" * (MAX_LINES + 50))


def break_rule(root, rule):
    if rule == "a":
        write(root, "tests/big.py", "pass\n" * (MAX_LINES + 1))
    elif rule == "b":
        for i in range(MAX_C_FILES + 1):
            write(root, "io/model/extra_%d.c" % i, "int extra_%d;\n" % i)
    elif rule == "c":
        write(root, "docs/notes.md", "See %s for why.\n" % outside_needles()[1])
    elif rule == "d":
        write(root, "runtime/api/tools_common.h", "int again(void);\n")
    elif rule == "e":
        os.remove(os.path.join(root, "tools/common/README.md"))
    elif rule == "f":
        write(root, "io/wire/README.md", "What this owns.\n")
        write(root, "io/wire/wire.c", "int wire;\n")


def tripped(root):
    return {rule for rule, _, _ in check(root)[0]}


def git_init(root):
    """Makes root a git checkout with its files added; False when git cannot."""
    try:
        write(root, ".gitignore", "/build*/\n/out/\n")
        for cmd in (["init", "-q"], ["add", "-A"]):
            subprocess.run(["git", "-C", root] + cmd, check=True, capture_output=True)
        return True
    except (OSError, subprocess.CalledProcessError):
        return False


def self_test():
    failures = []

    def expect(what, got, want):
        if got != want:
            failures.append("%s: rules tripped %s, expected %s" % (what, sorted(got), sorted(want)))

    with tempfile.TemporaryDirectory(prefix="structure-rules-") as tmp:
        clean = os.path.join(tmp, "clean")
        clean_tree(clean)
        expect("clean tree", tripped(clean), set())
        for rule in RULES:
            for use_git in (False, True):
                tree = os.path.join(tmp, "break-%s-%s" % (rule, "git" if use_git else "walk"))
                shutil.copytree(clean, tree)
                if use_git and not git_init(tree):
                    print("self-test: git not usable, the git listing is not tested")
                    continue
                break_rule(tree, rule)
                if use_git:
                    subprocess.run(["git", "-C", tree, "add", "-A"], check=True, capture_output=True)
                mode = check(tree)[2]
                if mode != ("git" if use_git else "walk"):
                    failures.append("rule (%s): listed by %s, expected %s" % (rule, mode, "git" if use_git else "walk"))
                expect("rule (%s), %s" % (rule, mode), tripped(tree), {rule})
        # a new file git does not track yet is checked too (untracked, not ignored)
        tree = os.path.join(tmp, "untracked")
        shutil.copytree(clean, tree)
        if git_init(tree):
            break_rule(tree, "a")
            expect("untracked file, git", tripped(tree), {"a"})
        # the command line: exit status and one line per failure naming the path and the rule
        bad = os.path.join(tmp, "break-c-walk")
        out = subprocess.run([sys.executable, os.path.abspath(__file__), bad], capture_output=True, text=True)
        if out.returncode != 1 or "docs/notes.md: rule (c)" not in out.stdout:
            failures.append("command on a broken tree: exit %d, output %r" % (out.returncode, out.stdout))
        out = subprocess.run([sys.executable, os.path.abspath(__file__), clean], capture_output=True, text=True)
        if out.returncode != 0 or not out.stdout.startswith("structure_rules: ok"):
            failures.append("command on a clean tree: exit %d, output %r" % (out.returncode, out.stdout))
    for f in failures:
        print("self-test: " + f)
    if failures:
        return 1
    print("structure_rules self-test: ok: a clean tree passes, each of the %d rules trips alone (walked and "
          "git-listed trees)" % len(RULES))
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        print("usage: check_structure.py SOURCE_DIR | --self-test", file=sys.stderr)
        return 2
    return run(os.path.abspath(argv[1]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
