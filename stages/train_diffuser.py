"""Stage "train_diffuser": train one environment's base diffuser (resumes after a kill)."""

import numpy as np

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.data.format import DatasetError
from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.diffusion.training import DiffuserTrainer, save_trained, training_inputs
from diffirl.io import write_csv, write_json, written
from diffirl.reports.diffuser_figures import loss_curve_figure, samples_figure
from diffirl.reports.maze_plots import save_figure


def main() -> None:
    spec, params = parse(__doc__)
    settings = getattr(params.diffusers, spec.name)
    try:
        dataset, fingerprint, device = training_inputs(settings, paths.dataset_file(spec.name, spec.base_split))
    except (DatasetError, RuntimeError) as error:
        fail(error)

    result = DiffuserTrainer(settings, dataset, paths.diffuser_checkpoint(spec.name), fingerprint, device).train()
    model_path = paths.diffuser_model(spec.name)
    save_trained(model_path, settings, dataset, result)

    losses = [row["loss"] for row in result.log]
    write_csv(paths.diffuser_training_log(spec.name), result.log, ["step", "loss"])
    write_json(
        paths.diffuser_training_metrics(spec.name),
        {
            "steps": len(result.log),
            "final_loss": float(np.mean(losses[-100:])),
            "first_loss": float(np.mean(losses[:10])),
            "parameters": sum(p.numel() for p in result.diffusion.parameters()),
            "training_windows": result.windows,
            "episodes_shorter_than_horizon": result.skipped_episodes,
            "resumed_from_step": result.resumed_from,
            "seconds_this_run": round(result.seconds, 1),
            "device": str(device),
        },
    )
    save_figure(loss_curve_figure(result.log, f"{spec.name} diffuser training"), paths.diffuser_loss_figure(spec.name))
    if "diffuser_samples" in spec.kind.figures:
        rng = np.random.default_rng(settings.seed)
        starts = dataset.observations[rng.choice(len(dataset), settings.n_figure_samples, replace=False)]
        saved = written(model_path)  # the model as saved above, still held back until the stage ends
        early, late = TrainedDiffuser(saved, device, early=True), TrainedDiffuser(saved, device)
        title = paths.figure_title(
            "diffuser_samples", spec.name, f"{spec.name} diffuser samples, early (top) and late (bottom) in training"
        )
        figure = samples_figure(
            early, late, spec.maze, starts, settings.early_sample_step, settings.n_train_steps, title, settings.seed
        )
        save_figure(figure, paths.diffuser_samples_figure(spec.name))


if __name__ == "__main__":
    run_stage(main)
