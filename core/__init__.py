"""Cross-cutting pieces every area uses: settings, the clock, translations and logging.

Kept apart from `web/` (HTTP plumbing) so that jobs and command-line tools can use them without the web stack.
"""
