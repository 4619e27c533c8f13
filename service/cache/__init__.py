"""The cache shared by all workers: Redis first, a bounded in-process fallback, counted."""
