"""On-disk cache of what the edge last heard: KeySet, Revocations and DeviceConfig.

The edge starts from this cache and decides with no network at all. Files are written
atomically (temp file + fsync + rename), so a power cut leaves the old or the new copy,
never half a file. A corrupt file is set aside and reported, not trusted.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from officegate.protocol import KeySet
from officegate.protocol.messages import DeviceConfig, Revocations

log = logging.getLogger(__name__)

_KEYS = "keys.json"
_REVOCATIONS = "revocations.json"
_CONFIG = "config.json"


class EdgeCache:
    """The cache directory (``data_dir/cache``) and typed load/save of each document."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)

    # Raw bytes, atomically ------------------------------------------------------------
    def write(self, name: str, data: bytes) -> None:
        """Replace ``name`` with ``data`` atomically and durably."""
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.directory / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        # The rename itself must reach the disk too.
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def read(self, name: str) -> bytes | None:
        """The cached bytes of ``name``, or ``None`` when there is no such file."""
        try:
            return (self.directory / name).read_bytes()
        except FileNotFoundError:
            return None

    def _set_aside(self, name: str, why: str) -> None:
        bad = self.directory / f"{name}.corrupt"
        os.replace(self.directory / name, bad)
        log.warning("cached %s is unusable (%s); moved to %s", name, why, bad.name)

    # Typed documents -------------------------------------------------------------------
    def save_keys(self, keys: KeySet) -> None:
        """Cache the site's trusted keys."""
        self.write(_KEYS, keys.to_json())

    def load_keys(self) -> KeySet | None:
        """The cached KeySet, or ``None`` if none (or it was corrupt)."""
        data = self.read(_KEYS)
        if data is None:
            return None
        try:
            return KeySet.from_json(data)
        except ValueError as exc:
            self._set_aside(_KEYS, str(exc))
            return None

    def save_revocations(self, revocations: Revocations) -> None:
        """Cache the site's revoked pass ids."""
        self.write(_REVOCATIONS, revocations.to_json())

    def load_revocations(self) -> Revocations | None:
        """The cached Revocations, or ``None`` if none (or it was corrupt)."""
        data = self.read(_REVOCATIONS)
        if data is None:
            return None
        try:
            return Revocations.from_json(data)
        except ValueError as exc:
            self._set_aside(_REVOCATIONS, str(exc))
            return None

    def save_config(self, config: DeviceConfig) -> None:
        """Cache this device's config (door profile)."""
        self.write(_CONFIG, config.to_json())

    def load_config(self) -> DeviceConfig | None:
        """The cached DeviceConfig, or ``None`` if none (or it was corrupt)."""
        data = self.read(_CONFIG)
        if data is None:
            return None
        try:
            return DeviceConfig.from_json(data)
        except ValueError as exc:
            self._set_aside(_CONFIG, str(exc))
            return None
