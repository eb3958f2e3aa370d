"""Headless tests of the chapter 01-02 explorers and figures: set slider values, check the numbers shown."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vaegan_edu import plots, probability, widgets  # noqa: E402

GRID = np.linspace(-8, 8, 1601)
LOG_P = np.asarray(probability.log_normal_mixture(GRID, [0.5, 0.5], np.array([-2.0, 2.0]), np.log([0.36, 0.36])))


def test_kl_explorer_values_match_the_closed_form_for_a_gaussian_target():
    log_p = np.asarray(probability.log_normal(GRID[:, None], 0.5, math.log(2.0)))
    values = widgets.kl_explorer_values(1.0, 0.7, log_p, GRID)
    mu_q, lv_q, mu_p, lv_p = np.array([1.0]), np.array([2 * math.log(0.7)]), np.array([0.5]), np.log([2.0])
    np.testing.assert_allclose(values["kl_qp"], float(probability.kl_normal(mu_q, lv_q, mu_p, lv_p)), rtol=5e-5)
    np.testing.assert_allclose(values["kl_pq"], float(probability.kl_normal(mu_p, lv_p, mu_q, lv_q)), rtol=5e-5)
    with pytest.raises(ValueError, match="`sigma` must be positive"):
        widgets.kl_explorer_values(0.0, -1.0, log_p, GRID)


def test_kl_explorer_updates_when_sliders_move():
    explorer = widgets.KLExplorer(GRID, LOG_P, mu=0.0, sigma=1.0)
    explorer.mu.value, explorer.sigma.value = 2.0, 0.6  # q sits on the right-hand mode
    expected = widgets.kl_explorer_values(2.0, 0.6, LOG_P, GRID)
    assert explorer.values["kl_qp"] == pytest.approx(expected["kl_qp"])
    assert f"KL(q ‖ p) = {expected['kl_qp']:.3f}" in explorer.readout.value
    # on one mode, the reverse KL is close to log 2 (q misses half of p), the forward KL is large
    assert explorer.values["kl_qp"] == pytest.approx(math.log(2.0), abs=0.01)
    assert explorer.values["kl_pq"] > 3 * explorer.values["kl_qp"]
    plt.close(explorer.figure)


def _model_1d():
    return probability.LinearGaussian(W=np.array([[1.5], [0.5]]), b=np.zeros(2), noise_std=0.5)


def test_elbo_explorer_shows_log_evidence_elbo_and_the_gap():
    model, x = _model_1d(), np.array([[1.0, 0.8]])
    explorer = widgets.ELBOExplorer(model, x)
    explorer.q_mean.value, explorer.q_log_std.value = 0.3, -1.0
    v = explorer.values
    np.testing.assert_allclose(v["elbo"] + v["kl"], v["log_evidence"], rtol=1e-5)
    assert v["elbo"] == pytest.approx(float(model.elbo(x, np.array([[0.3]]), np.array([[-2.0]]))[0]))
    assert f"ELBO = {v['elbo']:.3f}" in explorer.readout.value
    # at the exact posterior the gap closes
    explorer.q_mean.value = v["posterior_mean"]
    explorer.q_log_std.value = math.log(v["posterior_std"])
    assert explorer.values["kl"] == pytest.approx(0.0, abs=1e-3)  # the slider step rounds the log-std
    plt.close(explorer.figure)


def test_elbo_explorer_rejects_a_two_dimensional_latent():
    model = probability.LinearGaussian(W=np.ones((3, 2)), b=np.zeros(3), noise_std=0.5)
    with pytest.raises(ValueError, match="latent_dim=2"):
        widgets.ELBOExplorer(model, np.zeros((1, 3)))


def test_plots_draw_what_they_are_given_and_check_their_inputs():
    fig, ax = plt.subplots()
    plots.plot_density_curves(ax, GRID, {"p": np.exp(LOG_P), "q": np.exp(LOG_P) / 2}, fill="p")
    assert [line.get_label() for line in ax.get_lines()] == ["q"]
    with pytest.raises(ValueError, match="has shape"):
        plots.plot_density_curves(ax, GRID, {"p": LOG_P[:-1]})
    ax = plots.plot_estimates(plt.subplots()[1], [10, 100], [1.0, 1.1], [0.1, 0.01], truth=1.05)
    assert ax.get_xscale() == "log"
    with pytest.raises(ValueError, match="same length"):
        plots.plot_estimates(ax, [10, 100], [1.0], [0.1])
    ax = plots.plot_elbo_gap(plt.subplots()[1], log_evidence=-3.0, elbo=-3.5)
    assert [round(p.get_height(), 6) for p in ax.patches] == [-3.0, -3.5, 0.5]
    with pytest.raises(ValueError, match="lower bound"):
        plots.plot_elbo_gap(ax, log_evidence=-3.0, elbo=-2.0)
    plt.close("all")


def test_an_explorer_does_not_leave_its_figure_to_the_next_plt_show():
    """The widget draws its own figure; left open in pyplot, the notebook's next plt.show() drew it again."""
    before = set(plt.get_fignums())
    explorer = widgets.KLExplorer(GRID, LOG_P, mu=0.0, sigma=1.0)
    explorer.mu.value = 1.0  # a redraw after closing still works
    assert set(plt.get_fignums()) == before
    assert explorer.figure.axes and "KL(q ‖ p)" in explorer.readout.value
    model, x = _model_1d(), np.array([[1.0, 0.8]])
    widgets.ELBOExplorer(model, x)
    assert set(plt.get_fignums()) == before
