"""Stage "transfer_diffuser": a second base diffuser of one environment, trained as the study's (the
same data and settings) from another seed (``transfer.ENV.independent_diffuser_seed``), for the
steering test of reward transfer (resumes after a kill)."""

import numpy as np
import torch

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.data.format import DatasetError, read_dataset, read_provenance
from diffirl.device import resolve_device
from diffirl.diffusion.model_io import save_diffuser
from diffirl.diffusion.training import DiffuserTrainer, settings_fingerprint
from diffirl.io import write_json


def main() -> None:
    spec, params = parse(__doc__)
    transfer = getattr(params.transfer, spec.name)
    if transfer is None:
        fail(ValueError(f"transfer.{spec.name} is not set: reward transfer does not run in {spec.name}"))
    study = getattr(params.diffusers, spec.name)
    settings = study.model_copy(update={"seed": transfer.independent_diffuser_seed})
    torch.set_num_threads(settings.torch_threads)
    data_path = paths.dataset_file(spec.name, spec.base_split)
    try:
        dataset = read_dataset(data_path)
        fingerprint = settings_fingerprint(settings, read_provenance(data_path)["sha256"])
        device = resolve_device(settings.device)
    except (DatasetError, RuntimeError) as error:
        fail(error)
    checkpoint = paths.independent_diffuser_checkpoint(spec.name)
    result = DiffuserTrainer(settings, dataset, checkpoint, fingerprint, device).train()
    save_diffuser(
        paths.independent_diffuser_model(spec.name),
        settings,
        dataset.observations.shape[1],
        dataset.actions.shape[1],
        result.normalizer,
        result.diffusion.state_dict(),
        result.early_weights,
    )
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
