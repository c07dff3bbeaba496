"""Performance benchmarks for ARCHITECTURE.md's targets; run with ``python -m bench``.

Measured against a real sync server process on 127.0.0.1 and real encrypted replicas, never as
timed tests. Results are printed and written to ``bench/results/latest.json`` (gitignored).
"""
