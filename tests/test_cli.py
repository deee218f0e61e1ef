import pytest

from gcrit_utils.cli import main


def test_gc_prints_critical_gain(capsys):
    assert main(["gc", "--arch", "gru", "--bias-std", "0.5"]) == 0
    assert "= 1.94" in capsys.readouterr().out


def test_gc_finite_n(capsys):
    assert main(["gc", "--arch", "lstm", "--bias-std", "0.5", "--n", "300", "--seed", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[1].startswith("finite-N g_c (n=300, seed=1)")


def test_gc_mean_field(capsys):
    assert main(["gc", "--arch", "rnn", "--bias-std", "1", "--method", "mean_field"]) == 0
    value = float(capsys.readouterr().out.split("=")[-1])
    assert value == pytest.approx(1.8556, abs=1e-4)


def test_gc_mean_field_with_candidate_bias(capsys):
    argv = ["gc", "--arch", "gru", "--bias-std", "0.5", "--candidate-bias-std", "0.5",
            "--method", "mean_field"]
    assert main(argv) == 0
    value = float(capsys.readouterr().out.split("=")[-1])
    assert value == pytest.approx(2.5451, abs=1e-4)


@pytest.mark.parametrize(
    "argv",
    [["gc", "--arch", "gru", "--bias-std", "-1"], ["gc", "--arch", "tcn"],
     ["gc", "--arch", "gru", "--n", "0"],
     ["gc", "--arch", "gru", "--candidate-bias-std", "0.5"]],
)
def test_gc_bad_input_exits_2(argv, capsys):
    with pytest.raises(SystemExit, match="^2$"):
        main(argv)
    assert "error" in capsys.readouterr().err


def test_init_help(capsys):
    with pytest.raises(SystemExit, match="^0$"):
        main(["init"])
    assert "critical_init_" in capsys.readouterr().out


def test_figures_list_and_one_figure(tmp_path, capsys):
    assert main(["figures", "--list"]) == 0
    assert "critical_gains" in capsys.readouterr().out
    assert main(["figures", "--outdir", str(tmp_path), "--only", "critical_gains"]) == 0
    assert (tmp_path / "critical_gains.pdf").stat().st_size > 1000
    assert (tmp_path / "critical_gains.png").stat().st_size > 1000


def test_figures_unknown_name(capsys):
    with pytest.raises(SystemExit, match="^2$"):
        main(["figures", "--only", "nope"])


def test_paper_style_restores_only_its_keys():
    import matplotlib

    from gcrit_utils.figures import paper_style

    backend = matplotlib.get_backend()
    size = matplotlib.rcParams["font.size"]
    with paper_style():
        assert matplotlib.rcParams["pdf.fonttype"] == 42
    assert matplotlib.rcParams["font.size"] == size
    assert matplotlib.get_backend() == backend
