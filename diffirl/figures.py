"""Every figure the study draws per environment, declared once: its file, the thesis's number for
it, where the report shows it and what its caption tells the reader to look for.

File names and image titles (:mod:`diffirl.paths`), the report's placement and captions
(:mod:`diffirl.reports.figure_guide`) all derive from here. A figure of an environment the
thesis does not draw (a new one) is the same figure without a number, in the report's appendix.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FigureKind:
    name: str
    #: the file name's stem after the environment (``fig07_umaze_rollouts.png``: ``rollouts``)
    stem: str
    #: what to look for, for any environment
    caption: str
    #: the thesis's figure number per environment
    numbers: dict[str, int] = field(default_factory=dict)
    #: the thesis's own caption where it says more than ``caption`` for its environment
    thesis_captions: dict[str, str] = field(default_factory=dict)
    #: the results table the report shows it under (None: the environment's own; the appendix
    #: where the environment has no thesis table or ``appendix`` is set)
    table: int | None = None
    appendix: bool = False
    #: the file name without a number, where it is not ``{environment}_{stem}``
    unnumbered_pattern: str = "{environment}_{stem}"

    def number(self, environment: str) -> int | None:
        return self.numbers.get(environment)

    def file_name(self, environment: str) -> str:
        number = self.number(environment)
        if number is None:
            return self.unnumbered_pattern.format(environment=environment, stem=self.stem) + ".png"
        return f"fig{number:02d}_{environment}_{self.stem}.png"

    def title(self, environment: str, text: str) -> str:
        """An image title: ``text``, headed by the thesis's figure number where it has one."""
        number = self.number(environment)
        return text if number is None else f"Figure {number}: {text}"

    def report_caption(self, environment: str) -> str:
        number = self.number(environment)
        text = self.thesis_captions.get(environment, self.caption)
        if number is not None:
            return f"Figure {number} ({environment}). {text}"
        return text.format(environment=environment) if "{environment}" in text else f"{text} ({environment})"


_MAZES = ("umaze", "large")

FIGURE_KINDS: dict[str, FigureKind] = {
    kind.name: kind
    for kind in (
        FigureKind(
            "true_reward",
            "true_reward",
            "The true reward over the maze, highest in the best cell: the slope every expert climbs.",
            {"umaze": 4, "large": 12},
            {"large": "The true reward over the Large Maze."},
        ),
        FigureKind(
            "experts",
            "experts",
            "Expert trajectories, one panel per start point. Look for every expert reaching the best cell and "
            "staying there, as the thesis's do.",
            {"umaze": 5, "large": 11},
            {
                "umaze": "Expert rollouts guided by the true reward, one panel per start point. Look for every expert "
                "reaching the best cell and staying there, as the thesis's do.",
                "large": "Expert plans (goal-inpainted). Plans that cross walls are expert data no simulator could "
                "produce.",
            },
        ),
        FigureKind(
            "reward_losses",
            "reward_losses",
            "Reward-learning loss per epoch, one panel per loss. A flat curve means the learnt reward barely moved.",
            {"umaze": 6, "large": 13, "halfcheetah": 18},
            {
                "large": "Reward-learning loss per epoch, one panel per loss.",
                "halfcheetah": "Reward-learning loss per epoch, one panel per loss: how far each loss falls in the "
                "epochs it trains.",
            },
        ),
        FigureKind(
            "rollouts",
            "rollouts",
            "A rollout of every method from each start point. Guided rollouts should end in the best cell where the "
            "base diffuser wanders.",
            {"umaze": 7, "large": 14},
            {
                "large": "A rollout of every method from each start point; compare where each ends with the base "
                "diffuser."
            },
        ),
        FigureKind(
            "true_reward_rollouts",
            "true_reward_rollouts",
            "Every rollout guided by the true reward, one panel per start point. Look for rollouts that stall against "
            "walls: the thesis's explanation of why guidance fails in the Large Maze.",
            {"large": 10},
        ),
        FigureKind(
            "dynamics_error_heatmap",
            "dynamics_error_heatmap",
            "One-step dynamics error of the first planned step over the maze: where the planner's steps are not "
            "physical. The U-Maze's is the comparison.",
            dict.fromkeys(_MAZES, 15),
            table=2,
        ),
        FigureKind(
            "dynamics_error_zones",
            "dynamics_error_zones",
            "High-error zones, expert start points and where true-reward rollouts stall: do stalls sit in the zones?",
            dict.fromkeys(_MAZES, 16),
            table=2,
        ),
        FigureKind(
            "dynamics_error_by_step",
            "dynamics_error_by_step",
            "Dynamics error against plan step, for plans and expert windows: does the error grow along the plan?",
            dict.fromkeys(_MAZES, 17),
            table=2,
        ),
        FigureKind(
            "dataset_samples",
            "dataset",
            "Sample windows of the dataset ({environment}), blue (start) to red (end): how well the data cover "
            "the maze.",
            {"umaze": 21, "large": 23},
            {
                "umaze": "Sample windows of the U-Maze dataset, blue (start) to red (end): how well the data cover "
                "the maze.",
                "large": "Sample windows of the Large Maze dataset, blue (start) to red (end).",
            },
            appendix=True,
        ),
        FigureKind(
            "diffuser_samples",
            "diffuser_samples",
            "Diffuser plans ({environment}) from the same start states early and late in training.",
            {"umaze": 22, "large": 24},
            {
                "umaze": "U-Maze diffuser plans from the same start states early and late in training: late plans "
                "keep to corridors.",
                "large": "Large Maze diffuser plans early and late in training.",
            },
            appendix=True,
        ),
        FigureKind(
            "reward_maps",
            "reward_maps",
            "Each method's reward of resting in each cell ({environment}), the true reward first; a star marks "
            "each one's best cell (Nuti et al.'s goal recovery: within one cell of the true reward's).",
            appendix=True,
        ),
        FigureKind(
            "diffuser_loss",
            "loss",
            "Diffuser training loss per step ({environment}): the curve should have flattened by the end.",
            appendix=True,
            unnumbered_pattern="diffuser_{environment}_{stem}",
        ),
    )
}

#: the dynamics-error figures (Figures 15-17), by the name the dynamics-error stage gives each
DYNAMICS_ERROR_FIGURES = {
    "heatmap": "dynamics_error_heatmap",
    "zones": "dynamics_error_zones",
    "by_step": "dynamics_error_by_step",
}
