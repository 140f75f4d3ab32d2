#!/usr/bin/env bash
# Print the path of a real, working Python interpreter of one of the given versions (first match
# wins), or print nothing and exit 1.
#
#   scripts/find_python.sh 3.13 3.12
#
# pyenv puts shims such as python3.13 on PATH that fail ("pyenv: python3.13: command not found")
# unless that version is selected, so a name on PATH is not trusted: each candidate is run. Looked
# at, per version: pyenv's installed versions ($(pyenv root)/versions/3.13*/bin/python3.13), then
# python3.13 on PATH (the shim, or a system python), then /usr/bin and /usr/local/bin.
set -u
roots=()
if command -v pyenv >/dev/null 2>&1; then roots+=("$(pyenv root 2>/dev/null)"); fi
roots+=("${PYENV_ROOT:-$HOME/.pyenv}")
for version in "$@"; do
  candidates=()
  for root in "${roots[@]}"; do
    # newest patch release first
    while IFS= read -r dir; do candidates+=("$dir/bin/python$version"); done \
      < <(find "$root/versions" -mindepth 1 -maxdepth 1 -name "$version*" 2>/dev/null | sort -rV)
  done
  found=$(command -v "python$version" 2>/dev/null || true)
  [ -n "$found" ] && candidates+=("$found")
  candidates+=("/usr/local/bin/python$version" "/usr/bin/python$version")
  for python in "${candidates[@]}"; do
    [ -x "$python" ] || continue
    real=$("$python" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$version'; import venv; print(sys.executable)" 2>/dev/null) || continue
    [ -n "$real" ] && { echo "$real"; exit 0; }
  done
done
exit 1
