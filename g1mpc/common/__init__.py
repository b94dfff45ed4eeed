"""Small pieces every layer uses: the user-facing error types, atomic file writes, default paths."""
