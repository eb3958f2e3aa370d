"""The live GAN view, driven headlessly: step it and check that counters, measurements and plots update."""

import numpy as np
import pytest

from vaegan_edu import widgets


@pytest.fixture(scope="module")
def lab():
    return widgets.GANLab(dataset="ring8", steps_per_frame=20, num_points=300, grid_size=12, seed=0)


def test_initial_state(lab):
    assert lab.step_count == 0
    assert lab.history["step"] == [0]
    assert lab.fake.shape == (300, 2) and lab.arrows_v.shape == (300, 2)
    assert lab.surface[1].shape == (12, 12)
    assert "step 0" in lab.status.value and "modes captured" in lab.status.value


def test_step_button_and_play_tick_train_and_redraw(lab):
    fake_before, surface_before = lab.fake.copy(), lab.surface[1].copy()
    lab.step_button.click()
    assert lab.step_count == 20
    assert lab.history["step"] == [0, 20]
    assert not np.allclose(lab.fake, fake_before)
    assert not np.allclose(lab.surface[1], surface_before)
    lab.play.value += 1  # what the browser's play widget does on each tick
    assert lab.step_count == 40 and "step 40" in lab.status.value
    # The modes panel shows one point per measurement, the data panel the current samples.
    np.testing.assert_array_equal(lab.ax_modes.lines[0].get_xdata(), [0, 20, 40])
    offsets = [c.get_offsets() for c in lab.ax_data.collections if len(c.get_offsets()) == 300]
    assert any(np.allclose(o, lab.fake) for o in offsets)
    assert lab.ax_data.get_title().endswith("step 40")


def test_changing_settings_resets(lab):
    lab.step(10)
    lab.loss.value = "hinge"
    assert lab.step_count == 0 and lab.gan.loss_name == "hinge"
    lab.dataset.value = "moons"
    assert lab.modes is None and "modes" not in lab.status.value
    lab.step(5)
    assert lab.step_count == 5 and lab.history["modes_captured"] == []


def test_arrows_point_where_the_generator_loss_decreases(lab):
    from vaegan_edu import losses
    from vaegan_edu.models.gan import pack_samples
    x, v = lab.fake, lab.arrows_v

    def g_loss(t):
        return float(losses.gan_generator_loss(lab.gan.discriminator(pack_samples(t.astype("float32"), 1)),
                                               lab.gan.loss_name))
    assert g_loss(x + 1e-3 * v / np.abs(v).max()) < g_loss(x)


def test_bad_dataset():
    with pytest.raises(ValueError, match="dataset"):
        widgets.GANLab(dataset="spiral")


def test_the_view_shows_the_gradient_size_not_only_its_direction():
    lab = widgets.GANLab(dataset="ring8", steps_per_frame=20, num_points=300, grid_size=12, seed=0)
    lab.step()
    expected = [float(np.linalg.norm(lab.arrows_v, axis=1).mean())]
    assert len(lab.history["gradient"]) == 2 and lab.history["gradient"][-1:] == expected
    assert f"{expected[0]:.2g}" in lab.status.value
    gradient_axis = lab._ax_gradient
    np.testing.assert_allclose(gradient_axis.lines[0].get_ydata(), lab.history["gradient"])
    assert gradient_axis.get_yscale() == "log"
    lab.step()
    assert len(lab.figure.axes) == 3  # redrawing replaces the log axis instead of stacking new ones
    lab.loss.value = "minimax"  # a reset: the history starts again
    assert lab.history["gradient"] == [lab.history["gradient"][0]] and lab.history["gradient"][0] > 0
