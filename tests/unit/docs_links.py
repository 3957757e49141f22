#!/usr/bin/env python3
"""The docs' links must lead somewhere: every relative Markdown link in README.md, docs/*.md and every
README.md of the tree names a file or folder of the project, and a #anchor names a heading of the file
it points into (GitHub's anchors: lower-case, punctuation other than - and _ dropped, spaces to -).
README.md stays short: at most 250 lines. External links (http, https, mailto) are not checked.

  docs_links.py ROOT          check the tree at ROOT; exit 1 with one line per problem
  docs_links.py --self-test   check a small tree with known mistakes: each must be reported
"""
import os
import re
import sys
import tempfile
import unicodedata

README_MAX_LINES = 250

FENCE = re.compile(r"^\s{0,3}(```|~~~)")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)\s*=\s*\"([^\"]+)\"", re.I)
# [text](target "title") and ![alt](target); text may hold one level of brackets (badges, code)
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
SKIP_DIRS = {".git", "node_modules"}


def slug(text):
    """GitHub's anchor of a heading: its text without markup, lower-case, letters, digits, - and _ kept,
    spaces to -."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link in a heading: its text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    out = []
    for ch in text.lower():
        cat = unicodedata.category(ch)
        if ch in " -_" or cat[0] in "LMN":
            out.append("-" if ch == " " else ch)
    return "".join(out)


def markdown_lines(text):
    """The lines of a Markdown file outside fenced code blocks, with their numbers."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        m = FENCE.match(line)
        if m:
            if fence is None:
                fence = m.group(1)
            elif m.group(1) == fence:
                fence = None
            continue
        if fence is None:
            yield number, line


def anchors_of(path, cache):
    if path not in cache:
        seen = {}
        names = set()
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for _, line in markdown_lines(text):
            names.update(HTML_ANCHOR.findall(line))
            m = HEADING.match(line)
            if not m:
                continue
            base = slug(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            names.add(base if n == 0 else "%s-%d" % (base, n))
        cache[path] = names
    return cache[path]


def links_of(text):
    """(line number, target) of every link of a Markdown text, code spans and blocks left out."""
    for number, line in markdown_lines(text):
        line = CODE_SPAN.sub("", line)
        m = REF_DEF.match(line)
        if m:
            yield number, m.group(1)
            continue
        for m in INLINE_LINK.finditer(line):
            yield number, m.group(1)


def is_external(target):
    return re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) is not None or target.startswith("//")


def check_file(root, path, cache, problems):
    rel = os.path.relpath(path, root)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for number, target in links_of(text):
        target = target.strip("<>")
        if not target or is_external(target):
            continue
        where = "%s:%d: %s" % (rel, number, target)
        file_part, _, anchor = target.partition("#")
        file_part = file_part.split("?", 1)[0]
        if file_part:
            base = root if file_part.startswith("/") else os.path.dirname(path)
            dest = os.path.normpath(os.path.join(base, file_part.lstrip("/")))
        else:
            dest = path
        if os.path.relpath(dest, root).startswith(os.pardir):
            problems.append("%s: points outside the project" % where)
            continue
        if not os.path.exists(dest):
            problems.append("%s: no such file" % where)
            continue
        if anchor and dest.endswith(".md") and os.path.isfile(dest):
            if anchor not in anchors_of(dest, cache):
                problems.append("%s: no heading #%s in %s" % (where, anchor, os.path.relpath(dest, root)))


def markdown_files(root):
    files = [os.path.join(root, "README.md")]
    docs = os.path.join(root, "docs")
    if os.path.isdir(docs):
        files += sorted(os.path.join(docs, n) for n in os.listdir(docs) if n.endswith(".md"))
    for d, subdirs, names in os.walk(root):
        # build trees (a CMakeCache.txt) and hidden folders hold no documentation of the project
        subdirs[:] = sorted(s for s in subdirs if s not in SKIP_DIRS and not s.startswith(".")
                            and not os.path.exists(os.path.join(d, s, "CMakeCache.txt")))
        if d != root and "README.md" in names:
            files.append(os.path.join(d, "README.md"))
    return [f for f in dict.fromkeys(files) if os.path.isfile(f)]


def check_tree(root):
    problems = []
    readme = os.path.join(root, "README.md")
    if not os.path.isfile(readme):
        problems.append("README.md: missing")
    else:
        with open(readme, encoding="utf-8") as f:
            lines = len(f.read().splitlines())
        if lines > README_MAX_LINES:
            problems.append("README.md: %d lines, more than %d: move details to docs/" % (lines, README_MAX_LINES))
    cache = {}
    files = markdown_files(root)
    for path in files:
        check_file(root, path, cache, problems)
    return files, problems


def self_test():
    """A tree with one good link of each kind and one mistake of each kind: all mistakes reported."""
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "docs"))
        os.makedirs(os.path.join(root, "part", "sub"))
        os.makedirs(os.path.join(root, "build"))
        with open(os.path.join(root, "build", "CMakeCache.txt"), "w") as f:
            f.write("")
        with open(os.path.join(root, "build", "README.md"), "w") as f:
            f.write("[not ours](nowhere.md)\n")  # a build tree: not checked
        with open(os.path.join(root, "docs", "guide.md"), "w") as f:
            f.write("# Guide\n\n## The `wprof run` command: steps, ranks & more\n\n## Same\n\n## Same\n\n"
                    "[up](../README.md) [self](#same-1) [part](../part/README.md#part)\n"
                    "```\n[in a code block](missing.md)\n```\n")
        with open(os.path.join(root, "part", "README.md"), "w") as f:
            f.write("# Part\n\n[guide](../docs/guide.md#guide) [broken anchor, part](../docs/guide.md#nope)\n")
        with open(os.path.join(root, "README.md"), "w") as f:
            f.write("# Top\n\n"
                    "[good](docs/guide.md#the-wprof-run-command-steps-ranks--more) [dir](part/sub/)\n"
                    "[web](https://example.org/x.md) `[code](missing.md)` ![pic](docs/guide.md)\n"
                    "[broken file](docs/missing.md) [broken anchor](docs/guide.md#no-such-heading)\n"
                    "[outside](../outside/notes.md) [ref]\n\n[ref]: docs/gone.md\n")
            f.write("line\n" * README_MAX_LINES)
        _, problems = check_tree(root)
        expect = [
            "README.md: %d lines" % (README_MAX_LINES + 8),
            "README.md:5: docs/missing.md: no such file",
            "README.md:5: docs/guide.md#no-such-heading: no heading #no-such-heading in docs/guide.md",
            "README.md:6: ../outside/notes.md: points outside the project",
            "README.md:8: docs/gone.md: no such file",
            "part/README.md:3: ../docs/guide.md#nope: no heading #nope",
        ]
        ok = True
        for e in expect:
            if not any(p.startswith(e) for p in problems):
                print("FAIL: self-test: not reported: %s" % e)
                ok = False
        if len(problems) != len(expect):
            print("FAIL: self-test: %d problems reported, %d expected:" % (len(problems), len(expect)))
            for p in problems:
                print("  " + p)
            ok = False
        if slug("`wprof trace`: the timeline in Perfetto") != "wprof-trace-the-timeline-in-perfetto":
            print("FAIL: self-test: slug of a heading with code and a colon")
            ok = False
        if slug("Stragglers (`/stragglers`, `wprof report --stragglers`)") != \
                "stragglers-stragglers-wprof-report---stragglers":
            print("FAIL: self-test: slug of a heading with slashes and double dashes")
            ok = False
        if ok:
            print("PASS: self-test: a broken link, a broken anchor, a link outside the project and a long "
                  "README are caught; code, build trees and external links are left alone")
        return 0 if ok else 1


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = os.path.abspath(argv[1])
    files, problems = check_tree(root)
    for p in problems:
        print("FAIL: " + p)
    if problems:
        return 1
    print("PASS: the links of %d Markdown files lead to files and headings of the project" % len(files))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
