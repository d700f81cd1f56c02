"""Units of information: the ``base`` argument every measure takes.

JAX-free and at the bottom of the layers, so that the measures (which also
accept traced bases) and the NumPy paths above share one check.
"""

import math

import numpy as np


def log_base(base):
    """Divisor turning nats into the unit of ``base``.

    Parameters
    ----------
    base : None or positive real number other than 1
        None means nats (divisor 1); 2 gives bits, 10 hartleys.

    Returns
    -------
    float
        ``log(base)``, or 1.0 for None.

    Raises
    ------
    TypeError
        If ``base`` is not a real scalar (bools and strings included).
    ValueError
        If ``base`` is not positive, not finite, or equal to 1.
    """
    if base is None:
        return 1.0
    if isinstance(base, (bool, np.bool_)) or np.ndim(base) != 0 \
            or np.asarray(base).dtype.kind not in "iuf":
        raise TypeError(f"base must be a positive number other than 1, or None; got {base!r}.")
    value = float(base)
    if not 0 < value < math.inf or value == 1:
        raise ValueError(f"base must be a positive number other than 1, or None; got {base!r}.")
    return math.log(value)
