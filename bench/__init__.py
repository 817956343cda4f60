"""Side-by-side benchmarks: each runs leadqual and its baseline in the same process run."""
