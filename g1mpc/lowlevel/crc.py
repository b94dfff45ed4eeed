"""The CRC Unitree's low-level messages carry: CRC-32 (polynomial 0x04C11DB7, initial value 0xFFFFFFFF, no
reflection, no final XOR) over little-endian 32-bit words, each fed most significant bit first.

That is zlib's reflected CRC-32 run on bit-reversed bytes, so it costs one C call instead of a Python
loop over every bit (which takes milliseconds on a 1 kB command).
"""

from __future__ import annotations

import zlib

import numpy as np

_REVERSED_BYTES = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


def _reverse32(value: int) -> int:
    return int(f"{value:032b}"[::-1], 2)


def unitree_crc32(data: bytes) -> int:
    """The CRC of ``data`` (a multiple of 4 bytes: the message's words before its CRC field)."""
    if len(data) % 4:
        raise ValueError(f"unitree_crc32: {len(data)} bytes is not a whole number of 32-bit words")
    most_significant_first = np.frombuffer(data, "<u4").astype(">u4").tobytes()
    # zlib inverts the register before and after; its init 0 is an internal 0xFFFFFFFF and the final
    # inversion is undone with ^ 0xFFFFFFFF.
    reflected = zlib.crc32(most_significant_first.translate(_REVERSED_BYTES), 0) ^ 0xFFFFFFFF
    return _reverse32(reflected)
