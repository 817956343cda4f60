"""Established learners the benchmarks compare leadqual with (installed only for the bench:
``bench/requirements-peers.txt``)."""
