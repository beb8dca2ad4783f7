"""Development-only benchmarks (`make bench-*`): installed only when KAM_BENCH=1 and DEBUG are set.

The top of the dependency graph: it may import every app, and nothing imports it. kam/settings.py
refuses KAM_BENCH without DEBUG, so no production configuration ever installs it.
"""
