"""Benchmarks of the CMC Platform (``make bench``; never collected by pytest). See ``harness.py``."""
