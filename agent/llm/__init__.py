"""The only code that imports ``llama_cpp``: model packs, the runtime, constrained decoding."""
