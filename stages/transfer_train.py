"""Stage "transfer_LEARNER_ENV": one offline learner (DiffCPS or d3rlpy's TD3+BC) trained on the
environment's transfer datasets relabelled by each transferred reward (the true reward, the shuffled
control, every learnt per-step reward), each policy rolled out from the evaluation's start states
and scored by the true reward. Every reward is checked before any training; each run resumes
after a kill."""

import hashlib
import json

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.checkpoints import fingerprint
from diffirl.data.format import DatasetError, read_dataset, read_provenance
from diffirl.diffusion.model_io import load_trained_diffuser
from diffirl.evaluation import evaluation_starts, rollout_scores
from diffirl.io import write_json
from diffirl.transfer import transfer_splits
from diffirl.transfer.learners import LEARNERS, policy_rollouts, train_resumably
from diffirl.transfer.relabel import relabelled, transitions
from diffirl.transfer.rewards import learnt_names, learnt_reward_file, transfer_rewards


def main() -> None:
    spec, params, learner = parse(__doc__, choice=("learner", tuple(LEARNERS)))
    settings = getattr(params.transfer, spec.name)
    if settings is None:
        fail(ValueError(f"transfer.{spec.name} is not set: reward transfer does not run in {spec.name}"))
    kind, learner_settings = LEARNERS[learner], getattr(settings.learners, learner)
    evaluation = getattr(params.evaluation, spec.name)
    data_paths = [paths.dataset_file(spec.name, split) for split in transfer_splits(spec)]
    try:
        trained = load_trained_diffuser(spec.name, getattr(params.diffusers, spec.name))
        recorded = transitions([read_dataset(path) for path in data_paths])
        rewards = transfer_rewards(spec, trained, settings.shuffle_seed, recorded)
        # every reward relabels (and is checked for non-finite values) before any learner trains
        data = {reward.name: relabelled(recorded, reward.reward, reward.name) for reward in rewards}
        starts, _ = evaluation_starts(spec, evaluation)
        inputs = {
            name: hashlib.sha256(learnt_reward_file(spec.name, name).read_bytes()).hexdigest()
            for name in learnt_names()
        }
        data_sha256 = [read_provenance(path)["sha256"] for path in data_paths]
        results = {}
        for reward in rewards:
            run = fingerprint(
                learner_settings.model_dump(mode="json"),
                settings.seed,
                settings.shuffle_seed,
                reward.name,
                inputs.get(reward.name),
                data_sha256,
            )
            policy = kind.build(data[reward.name], learner_settings, settings.seed)
            training = train_resumably(
                policy,
                data[reward.name],
                learner_settings.updates,
                paths.transfer_checkpoint(spec.name, learner, reward.name),
                run,
                settings.checkpoint_every,
                f"{learner} on {reward.name}",
            )
            rollouts = policy_rollouts(spec, kind, policy, evaluation, starts)
            label = f"{kind.label} on {reward.description}"
            results[reward.name] = {
                "reward": reward.description,
                "training": {
                    "updates": learner_settings.updates,
                    "resumed_from_update": training.resumed_from,
                    "seconds_this_run": round(training.seconds, 1),
                    **{f"final_{key}": value for key, value in training.latest.items() if key != "update"},
                },
                "scores": rollout_scores(label, rollouts, evaluation.gamma, spec),
            }
    except (DatasetError, FileNotFoundError, ValueError, FloatingPointError) as error:
        fail(error)
    write_json(paths.transfer_metrics(spec.name, learner), {"learner": kind.label, "rewards": results})
    print(json.dumps({name: round(r["scores"]["return_mean"], 1) for name, r in results.items()}))


if __name__ == "__main__":
    run_stage(main)
