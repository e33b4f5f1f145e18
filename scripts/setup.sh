#!/usr/bin/env bash
# Create or reuse .venv: Python 3.10.13, exact versions from requirements/lock.txt, this project editable.
# Idempotent: a stamp holds the hash of the lock file and pyproject.toml; nothing runs when it matches.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=.venv/.setup-stamp
want=$(cat requirements/lock.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/python ]; then
  exit 0
fi

# A venv built for the same lock file on this machine is reused (hard links: seconds, no extra disk), like the
# pip cache and the model cache: only the paths written into bin/ and the project's editable install are redone.
cached="${POLICYBOT_CACHE:-$HOME/.cache/zhengcetong}/venvs/$want"
quiet() { "$@" 2>&1 | { grep -v "is ignored: it is neither" || true; }; }
relocate() {  # the scripts and activate files in $3/bin name the venv's own folder: $1 becomes $2
  { grep -rlF "$1" "$3/bin" || true; } | while read -r f; do sed -i "s|$1|$2|g" "$f"; done  # sed -i cuts the link
}
reuse() {
  cp -al "$cached" .venv && relocate "$cached" "$PWD/.venv" .venv && rm -f "$stamp" \
    && quiet .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e . \
    && .venv/bin/python -m pip check >/dev/null && echo "$want" > "$stamp"
}
if [ ! -e .venv ] && [ -f "$cached/.setup-stamp" ]; then
  start=$(date +%s)
  if reuse; then
    echo "setup: reused the venv of this lock file from $cached in $(( $(date +%s) - start )) s"
    exit 0
  fi
  echo "setup: the venv in $cached could not be reused; building one"
  rm -rf .venv
fi

py=""
for cand in "$(pyenv root 2>/dev/null)/versions/$(cat .python-version)/bin/python" python3.10; do
  if [ -n "$cand" ] && command -v "$cand" >/dev/null 2>&1; then py=$cand; break; fi
done
[ -n "$py" ] || { echo "setup: Python $(cat .python-version) not found (pyenv install $(cat .python-version))" >&2; exit 1; }

echo "setup: building .venv with $($py --version) from requirements/lock.txt (first time: ~5 min, ~8 GB)"
start=$(date +%s)
[ -x .venv/bin/python ] || "$py" -m venv .venv
.venv/bin/python -m pip install -q --upgrade "pip==24.2"
# One resolver run for everything: a separate later install can break a Rasa pin.
# pip's own exit status decides (pipefail); only the find-links noise of this machine is filtered out.
# --no-compile: no bytecode for the ~60,000 modules up front (about a minute); Python writes it on first import
quiet .venv/bin/python -m pip install -q --no-compile -r requirements/lock.txt || { echo "setup: pip install failed (see above); .venv is not stamped" >&2; exit 1; }
quiet .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e . || { echo "setup: installing the project failed; .venv is not stamped" >&2; exit 1; }
.venv/bin/python -m pip check
rm -f "$stamp"  # a new file: the stamp may be a hard link into the machine's copy
echo "$want" > "$stamp"
echo "setup: done in $(( $(date +%s) - start )) s, $(du -sh .venv | cut -f1)"
if [ ! -e "$cached" ]; then  # keep it for the next clone (best effort: a failure here fails nothing)
  { mkdir -p "$(dirname "$cached")" && rm -rf "$cached.tmp" && cp -al .venv "$cached.tmp" \
      && relocate "$PWD/.venv" "$cached" "$cached.tmp" && mv -T "$cached.tmp" "$cached"; } 2>/dev/null \
    || { rm -rf "$cached.tmp"; echo "setup: could not keep a copy in $cached"; }
fi
