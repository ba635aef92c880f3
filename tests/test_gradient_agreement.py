"""The known-answer gradient test (diffirl/rewards/gradient_agreement.py): cosines that steering's
invariances fix, on a tiny diffuser's unguided chains."""

import numpy as np
import torch

from diffirl.diffusion.sampling import draw_noise
from diffirl.rewards.gradient_agreement import gradient_cosines
from tests.test_planning import tiny_trained

OBSERVATION_DIM, ACTION_DIM, CHAINS = 4, 2, 6


def test_cosines_are_blind_to_offset_and_rescaling_and_see_sign_and_direction(tmp_path):
    diffusion = tiny_trained(tmp_path, "tiny", OBSERVATION_DIM, ACTION_DIM).diffusion
    generator = torch.Generator().manual_seed(0)
    conditions = {0: torch.randn(CHAINS, OBSERVATION_DIM, generator=generator)}
    noise = draw_noise(diffusion, CHAINS, generator)
    x = ACTION_DIM  # the first observation coordinate of a transition [action, observation]

    def reference(plans, steps):
        return plans[..., x].sum(dim=1) + 0.5 * (plans[..., x + 1] ** 2).sum(dim=1)

    guides = {
        "rescaled": lambda plans, steps: 3.0 * reference(plans, steps) + 7.0,
        "negated": lambda plans, steps: -reference(plans, steps),
        "first_state_only": lambda plans, steps: (plans[:, 0, ACTION_DIM:] ** 3).sum(dim=1),
        "partly": lambda plans, steps: reference(plans, steps) + plans[..., 0].sum(dim=1),
    }
    cosines = gradient_cosines(diffusion, conditions, guides, reference, noise)
    assert all(values.shape == (diffusion.n_timesteps, CHAINS) for values in cosines.values())
    np.testing.assert_allclose(cosines["rescaled"], 1.0, atol=1e-5)
    np.testing.assert_allclose(cosines["negated"], -1.0, atol=1e-5)
    # the planner overwrites the conditioned first state after every push: such a guide steers nothing
    np.testing.assert_allclose(cosines["first_state_only"], 0.0, atol=1e-6)
    assert (cosines["partly"] > 0.05).all() and (cosines["partly"] < 0.99).all()
    # the same noise gives the same chains, so the same cosines
    again = gradient_cosines(diffusion, conditions, {"partly": guides["partly"]}, reference, noise)
    assert np.array_equal(again["partly"], cosines["partly"])
