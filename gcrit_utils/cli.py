"""Command line: ``gcrit gc`` prints the critical gain, ``gcrit figures`` regenerates the figures,
``gcrit init`` documents the initializer."""

from __future__ import annotations

import argparse
import sys

from .cells import ARCHS
from .theory import METHODS, critical_gain

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The ``gcrit`` argument parser (sub-commands ``gc`` and ``init``)."""
    parser = argparse.ArgumentParser(prog="gcrit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gc = sub.add_parser("gc", help="print the critical gain g_c(s_b) of an architecture")
    gc.add_argument("--arch", choices=ARCHS, required=True)
    gc.add_argument("--bias-std", type=float, default=0.0, help="gate-bias std s_b (default 0)")
    gc.add_argument("--candidate-bias-std", type=float, default=0.0,
                    help="candidate (GRU n, LSTM g) bias std; needs --method mean_field")
    gc.add_argument("--method", choices=METHODS, default="zero_state")
    gc.add_argument("--n", type=int, default=None,
                    help="also print the finite-N g_c of one sampled network of n units")
    gc.add_argument("--seed", type=int, default=0, help="seed of that network (default 0)")

    figs = sub.add_parser("figures", help="regenerate the book's figures (PDF + PNG)")
    figs.add_argument("--outdir", default="figures", help="output folder (default: figures)")
    figs.add_argument("--only", nargs="+", default=None, metavar="NAME",
                      help="regenerate only these figures")
    figs.add_argument("--list", action="store_true", help="list the figure names and exit")
    figs.add_argument("--scale", choices=("default", "paper"), default=None,
                      help="run scale (default: $GCRIT_SCALE or 'default')")

    sub.add_parser(
        "init",
        help="how to initialise torch.nn.RNN/GRU/LSTM at the critical gain",
        description=(
            "In Python: from gcrit_utils import critical_init_; "
            "g = critical_init_(module, bias_std=0.0, gain_factor=0.5, method='zero_state', "
            "seed=None, bias_mean=None). Sets weight_hh = g * W0 (W0 ~ N(0, 1/H)) in every "
            "layer and direction, bias_ih ~ N(bias_mean, bias_std^2) per gate (candidate "
            "spread 0), bias_hh = 0, and returns g = gain_factor * g_c, with g_c computed for "
            "those bias means. The book's chapter on training compares this with PyTorch's "
            "default, orthogonal, forget-bias and chrono initialisation (chrono_init_)."
        ),
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gcrit`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "init":
        parser.parse_args(["init", "--help"])
        return 0
    if args.command == "figures":
        return _figures(parser, args)
    try:
        g_c = critical_gain(args.arch, args.bias_std, method=args.method,
                            candidate_bias_std=args.candidate_bias_std)
    except ValueError as err:
        parser.error(str(err))
    cand = f", candidate_bias_std={args.candidate_bias_std}" if args.candidate_bias_std else ""
    print(f"g_c(arch={args.arch}, bias_std={args.bias_std}{cand}, method={args.method}) "
          f"= {g_c:.5f}")
    if args.n is not None:
        from .network import RandomRNN  # torch is imported only when needed

        if args.n < 1:
            parser.error(f"--n must be an integer >= 1, got {args.n}")
        net = RandomRNN(args.arch, args.n, 1.0, args.bias_std, seed=args.seed,
                        candidate_bias_std=args.candidate_bias_std)
        g_fin = (net.mean_field_critical_gain() if args.method == "mean_field"
                 else net.finite_size_critical_gain())
        print(f"finite-N g_c (n={args.n}, seed={args.seed}) = {g_fin:.5f}")
    return 0


def _figures(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from .figures import FIGURES, make_figures

    if args.list:
        print("\n".join(sorted(FIGURES)))
        return 0
    try:
        written = make_figures(args.outdir, args.only, args.scale)
    except ValueError as err:
        parser.error(str(err))
    print(f"wrote {len(written)} files to {args.outdir}/")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
