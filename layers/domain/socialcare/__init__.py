"""The social-care domain: cases, their lifecycle and clocks, ingest, platforms, notifications."""
