"""Reference motions: a clip of robot poses at a fixed frame rate, and generated motions reproducible from a seed."""
