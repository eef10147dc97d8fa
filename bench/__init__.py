"""Benchmarks of epd-relay against stunnel; run each script directly (see its docstring)."""
