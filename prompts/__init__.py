"""Prompt manager and domain packs; the only code that uses ``langchain_core`` prompts."""
