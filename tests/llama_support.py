"""Skip a test when llama-cpp-python is not installed, without importing it: importing the
native library in the test process is what a crashing build would take down."""

from __future__ import annotations

import importlib.util

import pytest


def require_llama_cpp() -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed")
