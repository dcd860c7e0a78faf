"""Benchmark of the blog's build against plain Sphinx: ``nox -s bench`` (see run.py)."""
