"""Command-line tools for operators (`python -m cli.<tool>`): what is done on the server, not in the browser."""
