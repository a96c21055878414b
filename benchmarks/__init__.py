"""Reproducible load and page-weight measurements (not timed tests): `make benchmark`."""
