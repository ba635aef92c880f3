"""Stage "recovery EXTENT": the reward-recovery leaderboard (reports/recovery.csv, or for the full
extent reports/recovery_full.csv), its figure and its page (reports/recovery.html): every family
member's learnt rewards and every control, by recovery ratio, ERC, EPIC and gradient cosine."""

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.data.format import DatasetError, read_dataset
from diffirl.diffusion.model_io import load_trained_diffuser
from diffirl.envs.registry import EnvironmentSpec, get_environment
from diffirl.experts.generation import true_reward_guide
from diffirl.io import read_json, write_csv_frame
from diffirl.methods import LOSSES
from diffirl.methods.relative_reward.training import load_relative_reward
from diffirl.methods.thesis.reward_model import RewardMLP
from diffirl.params.load import DEFAULT_PARAMS_FILE
from diffirl.reports.maze_plots import save_figure
from diffirl.reports.recovery import (
    STUDY_MEMBER,
    baselines_finding,
    controls_finding,
    leaderboard_row,
    learnt_finding,
    ratio_figure,
)
from diffirl.reports.remedies import statistic_of
from diffirl.reports.report import Report, Section, write_pages
from diffirl.rewards.controls import transition_reward
from diffirl.rewards.coverage import epic_samples, learnt_transition_reward, relative_transition_reward
from diffirl.rewards.epic import epic_distance
from diffirl.rewards.gradient_agreement import evaluation_chains, gradient_cosines, mean_cosine
from diffirl.variants import RECOVERY_EXTENTS, Variant, recovery_member_name, recovery_members, variant_params

#: Nuti et al.'s relative reward, on the leaderboard beside the thesis's method
RELATIVE = "relative"
TITLE = "Reward recovery: which true rewards does each method recover?"
INTRO = (
    "Each family member is a true reward of the maze; the pipeline makes experts that follow it (the study's "
    "procedure), learns a reward from them and guides the base diffuser with it. A method's recovery ratio is its "
    "lift over the base diffuser as a fraction of the true reward's own lift (paired per rollout, 95% percentile "
    "bootstrap): 1 steers as well as the true reward, 0 no better than no guide. ERC (a Pearson distance of window "
    "returns: 0 is perfect) and the gradient cosine (along the base diffuser's chains: +1 steers the true reward's "
    "way) compare it with the member's true reward; EPIC (a Pearson distance of canonically shaped per-transition "
    "rewards) needs a per-transition reward, which the per-step networks (``_per_step``) have and the study's "
    "window networks do not. The controls are known transformations of the thesis's reward, scored against it: "
    "they check the metrics. Every number comes from reports/recovery.csv."
)


@dataclass
class Learnt:
    """One variant's (or the study's) learnt rewards of one family member, with what scores them."""

    member: str
    spec: EnvironmentSpec  # the environment with the member's true reward
    metrics: dict  # its evaluation: base, true and the learnt rewards' rollouts
    files: dict[str, Path]  # loss -> learnt reward
    structure: str  # the reward network's structure (window or per_step)

    def method(self, loss: str) -> str:
        return loss if self.structure == "window" else f"{loss}_{self.structure}"


def learnt_rewards(environment: str, params, raw: dict, members: list[Variant]) -> list[Learnt]:
    """The study's learnt rewards (the thesis's member), then each recovery variant's (``members``), a member's
    other losses (a variant that extends it, whose unguided and true-reward rollouts are the member's) with it."""
    spec = get_environment(environment)
    found = [
        Learnt(
            STUDY_MEMBER,
            spec.with_reward(**getattr(params.true_reward, environment).model_dump()),
            read_json(paths.evaluation_metrics(environment)),
            {loss: paths.learnt_reward(environment, loss) for loss in LOSSES},
            getattr(params.reward_learning, environment).structure,
        )
    ]
    by_variant: dict[str, Learnt] = {}
    for variant in members:
        if environment not in variant.environments:
            continue
        metrics = read_json(paths.variant_path(variant.name, paths.evaluation_metrics(environment)))
        files = {
            loss: paths.variant_path(variant.name, paths.learnt_reward(environment, loss)) for loss in variant.losses
        }
        if variant.extends is not None:  # its member's other losses: scored along the member's chains, once
            member = by_variant[variant.extends]
            member.files |= files
            member.metrics |= {loss: metrics[loss] for loss in variant.losses}
            continue
        own = variant_params(raw, variant.name)
        reward = getattr(own.true_reward, environment)
        by_variant[variant.name] = Learnt(
            STUDY_MEMBER if reward == getattr(params.true_reward, environment) else recovery_member_name(variant),
            spec.with_reward(**reward.model_dump()),
            metrics,
            files,
            getattr(own.reward_learning, environment).structure,
        )
    found += by_variant.values()
    return found


def relative_row(environment: str, params, trained, conditions, noise, samples, common: dict) -> dict:
    """Nuti et al.'s relative reward (``make compare``), learnt from the study's experts: its rollouts are
    the comparison's, steered as it chose and paired with the study's base and true-reward rollouts."""
    spec = get_environment(environment).with_reward(**getattr(params.true_reward, environment).model_dump())
    study, compared = (
        read_json(p) for p in (paths.evaluation_metrics(environment), paths.comparison_metrics(environment))
    )
    network = load_relative_reward(paths.comparison_network(environment, RELATIVE), trained.device)
    cosines = gradient_cosines(
        trained.diffusion, conditions, {RELATIVE: network}, true_reward_guide(trained, spec), noise
    )
    reward, true = relative_transition_reward(network, trained), transition_reward(spec.reward)
    return leaderboard_row(
        STUDY_MEMBER,
        spec.reward.describe(),
        RELATIVE,
        "compared",
        {"base": study["base"], "true": study["true"], RELATIVE: compared[RELATIVE]},
        erc=compared[RELATIVE]["erc"],
        cosines=mean_cosine(cosines[RELATIVE]),
        epic={name: epic_distance(reward, true, *drawn) for name, drawn in samples.items()},
        **common,
    )


def environment_rows(environment: str, params, raw: dict, members: list[Variant]) -> list[dict]:
    settings = getattr(params.recovery, environment)
    evaluation = getattr(params.evaluation, environment)
    statistic = statistic_of(environment)
    trained = load_trained_diffuser(environment, getattr(params.diffusers, environment))
    spec = get_environment(environment)
    conditions, noise = evaluation_chains(trained, spec, evaluation)
    dataset = read_dataset(paths.dataset_file(environment, spec.base_split))
    samples = epic_samples(dataset, spec.maze, settings.epic, settings.gamma)
    common = dict(
        statistic=statistic,
        erc_windows=evaluation.erc_windows,
        confidence=evaluation.confidence,
        resamples=settings.bootstrap_resamples,
        seed=settings.seed,
    )
    rows = []
    for learnt in learnt_rewards(environment, params, raw, members):
        networks = {loss: RewardMLP.load(file, trained.device) for loss, file in learnt.files.items()}
        reference = true_reward_guide(trained, learnt.spec)
        cosines = gradient_cosines(trained.diffusion, conditions, networks, reference, noise)
        true = transition_reward(learnt.spec.reward)
        for loss, network in networks.items():
            epic = None
            if network.structure == "per_step":
                reward = learnt_transition_reward(network, trained)
                epic = {name: epic_distance(reward, true, *drawn) for name, drawn in samples.items()}
            rows.append(
                leaderboard_row(
                    learnt.member,
                    learnt.spec.reward.describe(),
                    learnt.method(loss),
                    "learnt",
                    {**learnt.metrics, learnt.method(loss): learnt.metrics[loss]},
                    erc=learnt.metrics[loss]["erc"],
                    cosines=mean_cosine(cosines[loss]),
                    epic=epic,
                    **common,
                )
            )
    rows.append(relative_row(environment, params, trained, conditions, noise, samples, common))
    for scored, kind in (
        (paths.recovery_baselines(environment), "baseline"),
        (paths.recovery_controls(environment), "control"),
    ):
        scores = read_json(scored)
        for name, reward in scores["rewards"].items():
            rows.append(
                leaderboard_row(
                    STUDY_MEMBER,
                    scores["true_reward"],
                    name,
                    kind,
                    scores["rollouts"],
                    erc=reward["erc"],
                    cosines=reward["gradient_cosine_per_chain"],
                    epic=reward["epic"],
                    **common,
                )
            )
    return [{"environment": environment, **row} for row in rows]


def recovery_page(frame: pd.DataFrame, table_file: Path, figure_file: Path) -> Report:
    sections, summary = [], []
    for environment, rows in frame.groupby("environment", sort=False):
        learnt, controls = rows[rows["kind"] == "learnt"], rows[rows["kind"] == "control"]
        baselines = rows[rows["kind"].isin(["baseline", "compared"])]
        table = pd.DataFrame(
            {
                "Member": rows["member"],
                "True reward": rows["reward"],
                "Method": rows["method"],
                "Recovery ratio [95%]": [
                    f"{r:+.2f} [{lo:+.2f}, {hi:+.2f}]"
                    for r, lo, hi in zip(rows["recovery_ratio"], rows["recovery_low"], rows["recovery_high"])
                ],
                "ERC (distance)": rows["erc"].map(lambda v: f"{v:.3f}"),
                "EPIC (dataset / uniform)": [
                    "" if pd.isna(a) else f"{a:.3f} / {b:.3f}"
                    for a, b in zip(rows["epic_dataset"], rows["epic_uniform"])
                ],
                "Gradient cosine [95%]": [
                    f"{c:+.3f} [{lo:+.3f}, {hi:+.3f}]"
                    for c, lo, hi in zip(rows["gradient_cosine"], rows["cosine_low"], rows["cosine_high"])
                ],
            }
        )
        findings = [learnt_finding(learnt), baselines_finding(baselines), f"Controls: {controls_finding(controls)}"]
        finding = " ".join(findings)
        sections.append(
            Section(
                f"recovery_{environment}",
                f"Reward recovery, {environment}",
                finding,
                table,
                csv=table_file,
                figures=[figure_file],
            )
        )
        summary += findings
    return Report(summary, sections, title=TITLE, intro=INTRO, further_targets=())


def main() -> None:
    _, params, extent = parse(__doc__, with_environment=False, choice=("extent", tuple(RECOVERY_EXTENTS)))
    raw = yaml.safe_load(DEFAULT_PARAMS_FILE.read_text())
    members = recovery_members(extent)
    environments = list(dict.fromkeys(env for v in members for env in v.environments))
    rows = []
    try:
        for environment in environments:
            if getattr(params.recovery, environment) is None:
                raise ValueError(f"recovery.{environment} is not set, but the recovery family runs in {environment}")
            rows += environment_rows(environment, params, raw, members)
    except (DatasetError, FileNotFoundError, KeyError, ValueError, json.JSONDecodeError) as error:
        fail(error)
    frame = pd.DataFrame(rows)
    table, markdown, html, figure = paths.recovery_outputs(extent)
    page = recovery_page(frame, table, figure)
    write_csv_frame(table, frame)
    save_figure(ratio_figure(frame), figure)
    write_pages(page, markdown, html)
    print(
        frame[
            ["member", "method", "recovery_ratio", "recovery_low", "recovery_high", "erc", "gradient_cosine"]
        ].to_string(index=False)
    )


if __name__ == "__main__":
    run_stage(main)
