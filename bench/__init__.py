"""`make bench`: the portal's speed at university and province scale (docs/benchmarks.md)."""
