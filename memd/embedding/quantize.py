"""Compressed vectors for memories that have faded: the tiers' storage saving.

active: float32 in the ``vector`` column (4 bytes a dimension);
warm: int8 with one float32 scale (1 byte a dimension, cosine error ~1e-3);
cold and archived: one sign bit a dimension (1/32 of float32); the text stays, so
moving back to active re-embeds it exactly instead of inflating the bits.
Compressed vectors live in ``qvec`` and ``vector`` is null: LanceDB stores a null
vector in almost no space.
"""

from __future__ import annotations

import struct

import numpy as np

FLOAT32, INT8, BINARY = "float32", "int8", "binary"
FORMAT_BY_TIER = {"active": FLOAT32, "warm": INT8, "cold": BINARY, "archived": BINARY}


def encode(vector: np.ndarray, fmt: str) -> bytes | None:
    v = np.asarray(vector, dtype=np.float32)
    if fmt == FLOAT32:
        return None
    if fmt == INT8:
        scale = float(np.abs(v).max()) / 127.0 or 1.0
        return struct.pack("<f", scale) + np.round(v / scale).astype(np.int8).tobytes()
    if fmt == BINARY:
        return np.packbits(v > 0).tobytes()
    raise ValueError(f"unknown vector format {fmt!r}")


def format_of(qvec: bytes | None, dim: int) -> str:
    if qvec is None:
        return FLOAT32
    return INT8 if len(qvec) == 4 + dim else BINARY


def decode(qvec: bytes, dim: int) -> np.ndarray:
    """A unit vector back from either compressed form."""
    if len(qvec) == 4 + dim:
        (scale,) = struct.unpack("<f", qvec[:4])
        v = np.frombuffer(qvec[4:], dtype=np.int8).astype(np.float32) * scale
    else:
        bits = np.unpackbits(np.frombuffer(qvec, dtype=np.uint8))[:dim]
        v = bits.astype(np.float32) * 2.0 - 1.0
    norm = float(np.linalg.norm(v))
    out: np.ndarray = v / norm if norm > 0 else v
    return out
