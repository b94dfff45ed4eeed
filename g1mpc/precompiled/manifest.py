"""What a precompiled build was built from, the key that finds it, and the digests that prove its files.

The expected manifest is computed from sources only (config, file hashes, versions), so finding and
checking a build compiles nothing: neither JAX functions nor MuJoCo models. Its hash is the build's key:
one directory per configuration, several side by side. The stored manifest adds the SHA-256 of every
file of the build, which the loader checks on the very bytes it uses.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jax
import mujoco
from jax import export

from g1mpc.common.errors import ConfigError
from g1mpc.running.config import RunConfig

MANIFEST_FORMAT = 6
PACKAGE_DIR = Path(__file__).resolve().parents[1]


class StaleArtifact(Exception):
    """A precompiled build is missing, stale or damaged; the message says why."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    return sha256_bytes(Path(path).read_bytes())[:16]


def code_digest() -> str:
    """Hash of this package's source (robot and task files included): any change makes a build stale."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        h.update(str(path.relative_to(PACKAGE_DIR)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def robot_file_digest(config: RunConfig) -> str:
    """Hash of the robot's scene XML and the XML files next to it (the scene includes them)."""
    scene = config.robot_description.xml_path()
    h = hashlib.sha256(scene.read_bytes())
    for path in sorted(scene.parent.glob("*.xml")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _noise_correlation_digest(path: str) -> str:
    """The correlation file's digest (a constant of the compiled sampling stage), or "independent"."""
    if not path:
        return "independent"
    try:
        return sha256_file(path)
    except OSError as exc:
        raise ConfigError(f"noise_correlation: cannot read '{path}' ({exc.strerror}); give an existing .npz") from None


def expected_manifest(config: RunConfig, checkpoint: str | Path) -> dict:
    """The fields a matching build must have: everything its code, models and inputs were built from."""
    return {
        "format": MANIFEST_FORMAT,
        "config_digest": config.digest(),
        "code_sha256": code_digest(),
        "checkpoint_sha256": sha256_file(checkpoint),
        "robot": config.robot,
        "task": config.task.name,
        "robot_sha256": robot_file_digest(config),
        "reference_sha256": sha256_file(config.reference) if config.reference else "generated",
        "noise_correlation_sha256": _noise_correlation_digest(config.controller.noise_correlation),
        "backend": config.controller.backend,
        "frequency": config.frequency,
        "platform": export.default_export_platform(),  # cpu, cuda, rocm or tpu: what jax.export takes
        "jax_version": jax.__version__,
        "jaxlib_version": jax.lib.__version__ if hasattr(jax.lib, "__version__") else jax.__version__,
        "mujoco_version": mujoco.__version__,
    }


def build_key(expected: dict) -> str:
    """The directory name of the build for these sources."""
    return sha256_bytes(json.dumps(expected, sort_keys=True).encode())[:16]


def read_manifest(build_dir: str | Path, expected: dict | None = None) -> dict:
    """The stored manifest; with ``expected``, raise :class:`StaleArtifact` naming the first field that differs."""
    path = Path(build_dir) / "manifest.json"
    if not path.is_file():
        raise StaleArtifact(f"no precompiled build in '{Path(build_dir)}'")
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise StaleArtifact(f"manifest '{path}' does not parse ({type(exc).__name__})") from None
    if not isinstance(found, dict) or not isinstance(found.get("files"), dict):
        raise StaleArtifact(f"manifest '{path}' is not a build manifest (no file digests)")
    for key, value in (expected or {}).items():
        if found.get(key) != value:
            raise StaleArtifact(f"stale: {key} is {found.get(key)!r} in the build but {value!r} now")
    return found


_WHAT_CHANGED = {
    "code_sha256": "the g1mpc source changed since it was built (an update or a local edit)",
    "config_digest": "another run configuration",
    "checkpoint_sha256": "another network checkpoint",
    "robot_sha256": "the robot's model files changed",
    "reference_sha256": "another reference clip",
    "noise_correlation_sha256": "another sampling-noise correlation file",
}


def why_no_build(builds_dir: str | Path, expected: dict) -> str:
    """Why no build has this key: the nearest build under ``builds_dir`` (fewest differing fields) and what differs."""
    nearest: tuple[int, str, list[str]] | None = None
    for manifest_path in sorted(Path(builds_dir).glob("[!.]*/manifest.json")):
        try:
            found = json.loads(manifest_path.read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(found, dict):
            continue
        differing = [key for key, value in expected.items() if found.get(key) != value]
        if nearest is None or len(differing) < nearest[0]:
            nearest = (len(differing), manifest_path.parent.name, differing)
    if nearest is None:
        return f"no precompiled build in '{builds_dir}' yet"
    _, key, differing = nearest
    said = [_WHAT_CHANGED.get(field, f"{field} differs") for field in differing]
    return f"no build for these sources; the nearest, {key}, differs: {'; '.join(said)}"


def check_digest(build_dir: str | Path, name: str, digest: str, manifest: dict) -> None:
    """Raise :class:`StaleArtifact` unless ``digest`` (of the bytes read) is the manifest's for file ``name``."""
    if digest != manifest["files"].get(name):
        raise StaleArtifact(f"build file '{Path(build_dir) / name}' does not match its digest in the manifest (changed or damaged)")


def read_verified(build_dir: str | Path, name: str, manifest: dict) -> bytes:
    """The bytes of one file of a build, after checking them against the manifest's digest."""
    path = Path(build_dir) / name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise StaleArtifact(f"build file '{path}' is missing") from None
    except OSError as exc:
        raise StaleArtifact(f"build file '{path}' is unreadable ({exc.strerror or exc})") from None
    check_digest(build_dir, name, sha256_bytes(data), manifest)
    return data
