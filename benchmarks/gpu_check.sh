#!/usr/bin/env bash
# One script to prove memd's GPU paths on a machine with an NVIDIA GPU (issue 22):
#   1. installs memd if needed, and rebuilds llama-cpp-python with CUDA unless it already
#      offloads (only for this GPU's architecture, all cores: minutes, not the generic build);
#   2. makes ONNX Runtime's CUDA provider loadable (the CUDA and cuDNN libraries from PyPI
#      when the system has none);
#   3. runs benchmarks/gpu_check.py: embeddings on the CUDA provider against the CPU
#      (cosine >= 0.999, same top hits) and llama.cpp with every layer on the GPU against
#      none (same replies), with texts/s and tokens/s side by side.
# Without a GPU it says so and exits 0. Arguments go to gpu_check.py (e.g. --gguf FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then
  echo "gpu_check: no NVIDIA GPU here (nvidia-smi lists none); nothing to check. memd runs on the CPU."
  exit 0
fi
nvidia-smi -L
[ -x .venv/bin/python ] || ./install.sh
py=.venv/bin/python
pip=("$py" -m pip --disable-pip-version-check)

if ! "$py" -c 'import llama_cpp, sys; sys.exit(0 if llama_cpp.llama_supports_gpu_offload() else 1)'; then
  command -v nvcc >/dev/null 2>&1 || { echo "gpu_check: nvcc not found: install the CUDA toolkit" >&2; exit 1; }
  version=$("$py" -c 'import importlib.metadata as m; print(m.version("llama-cpp-python"))')
  echo "==> building llama-cpp-python $version with CUDA ($(nproc) cores, this GPU's architecture only)"
  CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=native" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
    "${pip[@]}" install --quiet --force-reinstall --no-deps --no-cache-dir "llama-cpp-python==$version"
fi

cuda_ok() {
  "$py" - <<'PY'
import sys
import onnxruntime as ort
try:
    ort.preload_dlls()  # onnxruntime >= 1.21: the CUDA/cuDNN libraries from PyPI, if installed
except Exception:
    pass
sys.exit(0 if "CUDAExecutionProvider" in ort.get_available_providers() else 1)
PY
}
if ! cuda_ok; then
  echo "==> installing onnxruntime-gpu's CUDA 12 and cuDNN libraries from PyPI"
  "${pip[@]}" install --quiet "onnxruntime-gpu[cuda,cudnn]"
fi

echo "==> comparing the GPU paths with the CPU paths"
status=0
"$py" benchmarks/gpu_check.py "$@" || status=$?
echo "gpu_check: $(( $(date +%s) - start )) s in all, build included"
exit $status
