"""gcrit_utils: the random-matrix criterion for initialising gated recurrent networks.

Companion package of the *gcrit* book (arXiv 2605.10650). Nothing is computed at import.

>>> from gcrit_utils import critical_gain, RandomRNN, max_lyapunov
>>> round(critical_gain("gru", bias_std=0.5), 4)
1.9464
"""

from .cells import CELLS, Cell, get_cell
from .forecast import forecast_gains, train_readouts, valid_prediction_time
from .gaussian import gaussian_expectation, sigmoid_sq_moment, sigmoid_sq_moment_probit
from .init import (
    chrono_init_,
    critical_init_,
    memory_bias_init_,
    module_zero_state_jacobian,
    orthogonal_init_,
)
from .lyapunov import LyapunovResult, first_crossing, lyapunov_spectrum, max_lyapunov
from .meanfield import mean_field_critical_gain, mean_field_fixed_point
from .network import RandomRNN, ZeroStateFactors, state_dim
from .signalprop import annealed_critical_gain
from .spectra import (
    rightmost_eigenvalue,
    rightmost_eigenvalues,
    spectral_edge_crossing,
    zero_state_eigenvalues,
)
from .sweep import Sweep
from .systems import SYSTEMS, system_series
from .theory import (
    critical_gain,
    mean_field_rnn,
    sampled_spectral_support,
    spectral_support,
    support_right_edge,
)
from .tuning import GainChoice, tune_gain

__version__ = "0.1.0"

#: The public API, by topic (the API page of the book lists exactly these).
API: dict[str, tuple[str, ...]] = {
    "The criterion": (
        "critical_gain", "mean_field_critical_gain", "annealed_critical_gain",
        "mean_field_fixed_point", "mean_field_rnn",
        "spectral_support", "sampled_spectral_support", "support_right_edge",
        "gaussian_expectation", "sigmoid_sq_moment", "sigmoid_sq_moment_probit"),
    "Cells and networks": (
        "CELLS", "Cell", "get_cell", "RandomRNN", "ZeroStateFactors", "state_dim"),
    "Spectra and dynamics": (
        "zero_state_eigenvalues", "rightmost_eigenvalue", "rightmost_eigenvalues",
        "spectral_edge_crossing", "max_lyapunov", "lyapunov_spectrum", "LyapunovResult",
        "first_crossing"),
    "Forecasting": (
        "tune_gain", "GainChoice", "SYSTEMS", "system_series", "train_readouts",
        "forecast_gains", "valid_prediction_time"),
    "Initialising PyTorch modules": (
        "critical_init_", "orthogonal_init_", "memory_bias_init_", "chrono_init_",
        "module_zero_state_jacobian"),
    "Stored experiments": ("Sweep",),
}

__all__ = [
    "critical_gain",
    "mean_field_critical_gain",
    "annealed_critical_gain",
    "mean_field_fixed_point",
    "mean_field_rnn",
    "spectral_support",
    "sampled_spectral_support",
    "support_right_edge",
    "gaussian_expectation",
    "sigmoid_sq_moment",
    "sigmoid_sq_moment_probit",
    "CELLS",
    "Cell",
    "get_cell",
    "RandomRNN",
    "ZeroStateFactors",
    "state_dim",
    "zero_state_eigenvalues",
    "rightmost_eigenvalue",
    "rightmost_eigenvalues",
    "spectral_edge_crossing",
    "max_lyapunov",
    "lyapunov_spectrum",
    "LyapunovResult",
    "first_crossing",
    "tune_gain",
    "GainChoice",
    "SYSTEMS",
    "system_series",
    "train_readouts",
    "forecast_gains",
    "valid_prediction_time",
    "critical_init_",
    "orthogonal_init_",
    "memory_bias_init_",
    "chrono_init_",
    "module_zero_state_jacobian",
    "Sweep",
]
