"""System packages some tests need, and the skip that names the package when it is absent.

CI installs them (.ci/run); a fresh machine with only Python and pip skips those tests with
the reason instead of failing them.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
HAS_CHROMIUM = os.path.exists(CHROMIUM)
HAS_LIBZBAR = ctypes.util.find_library("zbar") is not None
HAS_MOSQUITTO = shutil.which("mosquitto") is not None or os.path.exists("/usr/sbin/mosquitto")

needs_chromium = pytest.mark.skipif(
    not HAS_CHROMIUM, reason=f"{CHROMIUM} is absent (apt-get install chromium)")
needs_libzbar = pytest.mark.skipif(
    not HAS_LIBZBAR, reason="pyzbar needs the system library libzbar0 (apt-get install libzbar0)")


def skip_module_without_chromium() -> None:
    """Skip the calling test module where Debian's Chromium is not installed."""
    if not HAS_CHROMIUM:
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)", allow_module_level=True)


def decoder_params(names: tuple[str, ...] | list[str]) -> list[object]:
    """``names`` as pytest params, pyzbar skipped (with the reason) where libzbar0 is absent."""
    return [pytest.param(name, marks=needs_libzbar) if name == "pyzbar" else name
            for name in names]
