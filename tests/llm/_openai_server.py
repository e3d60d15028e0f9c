"""Runs llama-cpp-python's OpenAI-compatible server for the tests, with llama.cpp's "extra" CPU
buffer types turned off as ``agent.llm._native`` does (their AMX kernels crash on VMs that report
AMX without enabling it). Arguments are the server's own."""

from __future__ import annotations

import runpy
import sys
from typing import Any

import llama_cpp.llama_cpp as C

_default_params = C.llama_model_default_params


def _model_params() -> Any:
    params = _default_params()
    params.use_extra_bufts = False
    return params


if __name__ == "__main__":
    C.llama_model_default_params = _model_params
    sys.argv[0] = "llama_cpp.server"
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
