from diffirl.data.sac_generation import choose_medium


def test_medium_is_the_checkpoint_nearest_the_target_return():
    checkpoints = [{"step": 1000, "return": 100.0}, {"step": 2000, "return": 1400.0}, {"step": 3000, "return": 3000.0}]
    assert choose_medium(checkpoints, 0.33 * 4000)["step"] == 2000
    assert choose_medium(checkpoints, 0.0)["step"] == 1000


def test_ties_go_to_the_earlier_checkpoint():
    checkpoints = [{"step": 2000, "return": 10.0}, {"step": 1000, "return": 10.0}]
    assert choose_medium(checkpoints, 10.0)["step"] == 1000
