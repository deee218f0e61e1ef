"""gcrit_utils: the random-matrix criterion for initialising gated recurrent networks.

Companion package of the *gcrit* book (arXiv 2605.10650). Nothing is computed at import.

>>> from gcrit_utils import critical_gain, RandomRNN, max_lyapunov
>>> round(critical_gain("gru", bias_std=0.5), 4)
1.9464
"""

from .cells import RandomRNN, ZeroStateFactors, state_dim
from .init import critical_init_
from .lyapunov import LyapunovResult, lyapunov_spectrum, max_lyapunov
from .spectra import (
    rightmost_eigenvalue,
    rightmost_eigenvalues,
    spectral_edge_crossing,
    zero_state_eigenvalues,
)
from .theory import (
    critical_gain,
    gaussian_expectation,
    mean_field_rnn,
    sampled_spectral_support,
    sigmoid_sq_moment,
    sigmoid_sq_moment_probit,
    spectral_support,
    support_right_edge,
)

__version__ = "0.1.0"

__all__ = [
    "RandomRNN",
    "ZeroStateFactors",
    "LyapunovResult",
    "critical_gain",
    "critical_init_",
    "gaussian_expectation",
    "lyapunov_spectrum",
    "max_lyapunov",
    "mean_field_rnn",
    "rightmost_eigenvalue",
    "rightmost_eigenvalues",
    "sampled_spectral_support",
    "sigmoid_sq_moment",
    "sigmoid_sq_moment_probit",
    "spectral_edge_crossing",
    "spectral_support",
    "state_dim",
    "support_right_edge",
    "zero_state_eigenvalues",
]
