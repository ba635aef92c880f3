"""Stage "transfer_table" (EXTENT core) or "transfer_full_table" (full): the reward-transfer table
(reports/transfer.csv, or reports/transfer_full.csv), its figure and its page (reports/transfer.html):
in each environment of the extent, every offline learner trained on every transferred reward, and (where the
true reward can guide a diffuser: the mazes) both base diffusers guided by every learnt reward, each paired
with the same learner on the true reward."""

import json
from pathlib import Path

import pandas as pd

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.envs.registry import ENVIRONMENTS
from diffirl.io import read_json, write_csv_frame
from diffirl.reports.maze_plots import save_figure
from diffirl.reports.report import Report, Section, write_pages
from diffirl.reports.transfer import (
    TITLE,
    intro,
    learner_finding,
    paper_comparison,
    published_columns,
    score_figure,
    transfer_row,
)
from diffirl.transfer import TRANSFER_EXTENTS, has_steering_test
from diffirl.transfer.learners import LEARNERS
from diffirl.transfer.rewards import CONTROL, REFERENCE, REWARDS
from diffirl.transfer.steering import UNGUIDED, steering_names


def kind_of(reward: str, control: str) -> str:
    return "reference" if reward == REFERENCE else "control" if reward == control else "learnt"


def offline_rows(environment: str, common: dict) -> list[dict]:
    rows = []
    for learner in LEARNERS:
        metrics = read_json(paths.transfer_metrics(environment, learner))
        missing = [reward for reward in REWARDS if reward not in metrics["rewards"]]
        if missing:
            raise KeyError(f"{paths.transfer_metrics(environment, learner)} has no result for {', '.join(missing)}")
        results = metrics["rewards"]
        for reward in REWARDS:
            kind = kind_of(reward, CONTROL)
            row = transfer_row(
                environment,
                "offline_rl",
                learner,
                metrics["learner"],
                reward,
                kind,
                results[reward]["reward"],
                results[reward]["scores"]["returns"],
                results[REFERENCE]["scores"]["returns"],
                results[CONTROL]["scores"]["returns"],
                **common,
            )
            rows.append(row | published_columns(environment, learner, kind))
    return rows


#: the steering test's diffusers: the metrics key and the row label
DIFFUSERS = {"original": "the study's base diffuser", "independent": "an independent base diffuser"}


def steering_rows(environment: str, common: dict) -> list[dict]:
    metrics = read_json(paths.transfer_steering_metrics(environment))
    rewards = (REFERENCE, UNGUIDED, *steering_names())
    rows = []
    for diffuser, label in DIFFUSERS.items():
        rollouts = metrics[diffuser]
        missing = [reward for reward in rewards if reward not in rollouts]
        if missing:
            raise KeyError(f"{paths.transfer_steering_metrics(environment)} has no {diffuser} rollouts of {missing}")
        for reward in rewards:
            rows.append(
                transfer_row(
                    environment,
                    "steering",
                    f"diffuser_{diffuser}",
                    label[0].upper() + label[1:],
                    reward,
                    kind_of(reward, UNGUIDED),
                    rollouts[reward]["label"],
                    rollouts[reward]["returns"],
                    rollouts[REFERENCE]["returns"],
                    rollouts[UNGUIDED]["returns"],
                    **common,
                )
            )
    return rows


def environment_rows(environment: str, params) -> list[dict]:
    settings = getattr(params.transfer, environment)
    if settings is None:
        raise ValueError(f"transfer.{environment} is not set, but reward transfer runs in {environment}")
    common = dict(
        confidence=getattr(params.evaluation, environment).confidence,
        resamples=settings.bootstrap_resamples,
        seed=settings.seed,
        # where D4RL scores the environment, the transfer score is the ratio of its normalised scores
        d4rl_reference=ENVIRONMENTS[environment].d4rl_reference_returns,
    )
    steering = steering_rows(environment, common) if has_steering_test(ENVIRONMENTS[environment]) else []
    return offline_rows(environment, common) + steering


def transfer_page(frame: pd.DataFrame, table_file: Path, figure_file: Path) -> Report:
    sections, summary = [], []
    for environment, rows in frame.groupby("environment", sort=False):
        table = pd.DataFrame(
            {
                "Test": rows["test"],
                "Learner": rows["learner_label"],
                "Reward": rows["reward"],
                "Return (mean ± std)": [f"{m:.0f} ± {s:.0f}" for m, s in zip(rows["return_mean"], rows["return_std"])],
                "Lift over the true reward [95%]": [
                    f"{m:+.0f} [{lo:+.0f}, {hi:+.0f}]"
                    for m, lo, hi in zip(rows["lift_mean"], rows["lift_low"], rows["lift_high"])
                ],
                "Over the control [95%]": [
                    f"{m:+.0f} [{lo:+.0f}, {hi:+.0f}]"
                    for m, lo, hi in zip(rows["over_control_mean"], rows["over_control_low"], rows["over_control_high"])
                ],
                "Transfer score [95%]": [
                    f"{s:.3f} [{lo:.3f}, {hi:.3f}]"
                    for s, lo, hi in zip(rows["transfer_score"], rows["score_low"], rows["score_high"])
                ],
            }
        )
        findings = [learner_finding(mine) for _, mine in rows.groupby("learner", sort=False)]
        findings += paper_comparison(rows)
        sections.append(
            Section(
                f"transfer_{environment}",
                f"Reward transfer, {environment}",
                " ".join(findings),
                table,
                csv=table_file,
                figures=[figure_file],
            )
        )
        summary += findings
    return Report(summary, sections, title=TITLE, intro=intro(table_file), further_targets=())


def main() -> None:
    _, params, extent = parse(__doc__, with_environment=False, choice=("extent", tuple(TRANSFER_EXTENTS)))
    try:
        rows = [row for environment in TRANSFER_EXTENTS[extent] for row in environment_rows(environment, params)]
    except (FileNotFoundError, KeyError, ValueError, json.JSONDecodeError) as error:
        fail(error)
    frame = pd.DataFrame(rows)
    table, markdown, html, figure = paths.transfer_outputs(extent)
    write_csv_frame(table, frame)
    save_figure(score_figure(frame), figure)
    write_pages(transfer_page(frame, table, figure), markdown, html)
    print(
        frame[["learner", "reward", "return_mean", "lift_mean", "transfer_score", "score_low", "score_high"]].to_string(
            index=False
        )
    )


if __name__ == "__main__":
    run_stage(main)
