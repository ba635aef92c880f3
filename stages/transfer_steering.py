"""Stage "transfer_steering": every learnt reward steering the study's base diffuser and an
independently trained one, each paired with the same diffuser unguided and guided by the true
reward (the steering test of reward transfer)."""

import json

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.data.format import DatasetError
from diffirl.device import resolve_device
from diffirl.diffusion.model_io import TrainedDiffuser, load_trained_diffuser
from diffirl.io import write_json
from diffirl.transfer.steering import check_same_normaliser, steered_rollouts


def main() -> None:
    spec, params = parse(__doc__)
    if getattr(params.transfer, spec.name) is None:
        fail(ValueError(f"transfer.{spec.name} is not set: reward transfer does not run in {spec.name}"))
    settings = getattr(params.diffusers, spec.name)
    try:
        original = load_trained_diffuser(spec.name, settings)
        independent = TrainedDiffuser(paths.independent_diffuser_model(spec.name), resolve_device(settings.device))
        check_same_normaliser(original, independent)
        metrics = {
            name: steered_rollouts(d, spec, params)
            for name, d in (("original", original), ("independent", independent))
        }
    except (DatasetError, FileNotFoundError, ValueError, RuntimeError) as error:
        fail(error)
    write_json(paths.transfer_steering_metrics(spec.name), metrics)
    print(json.dumps({d: {m: round(s["return_mean"], 1) for m, s in by.items()} for d, by in metrics.items()}))


if __name__ == "__main__":
    run_stage(main)
