"""Default file locations (no heavy imports: the start-up prefetch reads them before JAX loads)."""

from pathlib import Path

DEFAULT_CHECKPOINT = Path(__file__).parent / "data" / "g1_default.ckpt"
DEFAULT_PRECOMPILED_DIR = "exported_models/precompiled"
