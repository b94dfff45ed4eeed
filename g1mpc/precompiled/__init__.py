"""The ahead-of-time compiled pipeline: exported stages, their manifest, the compilation cache and the stored models."""
