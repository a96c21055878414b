"""Fault injection: each script starts its own app against a throwaway database, drives traffic over HTTP, injects
one fault and checks the outcome in the database. `python -m benchmarks.faults.run [name ...]` runs them."""
