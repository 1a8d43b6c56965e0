"""Tools for developers and benchmarks, not use cases: nothing here serves a request.

:mod:`cmc.devtools.scale_seed` is the benchmark data generator behind ``cmc seed --scale N``."""
