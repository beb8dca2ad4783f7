"""Set-based loaders of the benchmarks' data (generate_series), written against the models' `_meta`."""
