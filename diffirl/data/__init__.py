"""Datasets: one on-disk format, and the three sources that produce it."""
