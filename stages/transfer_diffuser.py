"""Stage "transfer_diffuser": a second base diffuser of one environment, trained as the study's (the
same data and settings) from another seed (``transfer.ENV.independent_diffuser_seed``), for the
steering test of reward transfer (resumes after a kill)."""

import numpy as np

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.data.format import DatasetError
from diffirl.diffusion.training import DiffuserTrainer, save_trained, training_inputs
from diffirl.io import write_json


def main() -> None:
    spec, params = parse(__doc__)
    transfer = getattr(params.transfer, spec.name)
    if transfer is None:
        fail(ValueError(f"transfer.{spec.name} is not set: reward transfer does not run in {spec.name}"))
    study = getattr(params.diffusers, spec.name)
    settings = study.model_copy(update={"seed": transfer.independent_diffuser_seed})
    try:
        dataset, fingerprint, device = training_inputs(settings, paths.dataset_file(spec.name, spec.base_split))
    except (DatasetError, RuntimeError) as error:
        fail(error)
    checkpoint = paths.independent_diffuser_checkpoint(spec.name)
    result = DiffuserTrainer(settings, dataset, checkpoint, fingerprint, device).train()
    save_trained(paths.independent_diffuser_model(spec.name), settings, dataset, result)
    losses = [row["loss"] for row in result.log]
    write_json(
        paths.independent_diffuser_metrics(spec.name),
        {
            "seed": settings.seed,
            "study_seed": study.seed,
            "steps": len(result.log),
            "final_loss": float(np.mean(losses[-100:])),
            "resumed_from_step": result.resumed_from,
            "seconds_this_run": round(result.seconds, 1),
        },
    )


if __name__ == "__main__":
    run_stage(main)
