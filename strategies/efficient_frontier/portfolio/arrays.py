"""Array aliases and input checks shared by the optimiser modules."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .errors import InvalidInput

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]

# Relative tolerance for symmetry and positive semi-definiteness of a covariance matrix.
_PSD_TOLERANCE = 1e-10


def readonly(values: npt.ArrayLike) -> FloatArray:
    """A float64 copy that cannot be written to, safe to hand out from frozen objects."""
    array = np.array(values, dtype=np.float64, copy=True)
    array.setflags(write=False)
    return array


def check_names(names: Sequence[str]) -> tuple[str, ...]:
    """Asset names as a tuple; they must be non-empty and unique."""
    result = tuple(names)
    if not result:
        raise InvalidInput("no assets given: pass at least one asset name")
    if len(set(result)) != len(result):
        duplicates = sorted({name for name in result if result.count(name) > 1})
        raise InvalidInput(f"asset names must be unique; repeated: {', '.join(duplicates)}")
    return result


def check_vector(values: npt.ArrayLike, size: int, what: str) -> FloatArray:
    """A finite 1-D float vector of the given length."""
    vector = np.asarray(values, dtype=np.float64)
    if vector.shape != (size,):
        raise InvalidInput(f"{what} must have shape ({size},), got {vector.shape}")
    if not np.all(np.isfinite(vector)):
        raise InvalidInput(f"{what} contains NaN or infinite values")
    return vector


def check_covariance(values: npt.ArrayLike, size: int) -> FloatArray:
    """A finite, symmetric, positive semi-definite matrix (symmetrised exactly)."""
    matrix = np.asarray(values, dtype=np.float64)
    if matrix.shape != (size, size):
        raise InvalidInput(f"covariance must have shape ({size}, {size}), got {matrix.shape}")
    if not np.all(np.isfinite(matrix)):
        raise InvalidInput("covariance contains NaN or infinite values")
    scale = max(float(np.max(np.abs(matrix))), np.finfo(np.float64).tiny)
    if np.max(np.abs(matrix - matrix.T)) > _PSD_TOLERANCE * scale:
        raise InvalidInput("covariance is not symmetric")
    symmetric = (matrix + matrix.T) / 2.0
    smallest = float(np.linalg.eigvalsh(symmetric)[0])
    if smallest < -_PSD_TOLERANCE * scale:
        raise InvalidInput(
            f"covariance is not positive semi-definite (smallest eigenvalue {smallest:.3g}); "
            "estimate it from one common set of bars, or apply shrinkage"
        )
    return symmetric
