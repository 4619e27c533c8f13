"""Aggregators: what the events add up to."""
