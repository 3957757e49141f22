#!/usr/bin/env bash
# docs/user-guide.md's table of environment variables must be exactly what the option table generates
# (between the options:begin/end markers). To refresh it: build/bin/print_options.
set -euo pipefail
printer=$1 guide=$2
want=$("$printer")
have=$(sed -n '/<!-- options:begin -->/,/<!-- options:end -->/p' "$guide" | sed '1d;$d')
if [ "$want" != "$have" ]; then
  echo "FAIL: $guide's variable table differs from the option table; regenerate it with $printer"
  diff <(printf '%s\n' "$have") <(printf '%s\n' "$want") || true
  exit 1
fi
echo "PASS: $guide lists the $(printf '%s\n' "$want" | tail -n +3 | wc -l) options of the option table"
