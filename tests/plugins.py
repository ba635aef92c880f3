"""Plugins for the extension tests (tests/test_extending.py), loaded by the stages through
``DIFFIRL_PLUGINS``: a new diffuser method, a fourth environment, a second behaviour cloning and a
method family with a stage and a target of its own. Only what the registries import is imported
here at the top (diffirl/plugins.py says why)."""

from dataclasses import dataclass

from diffirl.envs.maze import MazeLayout
from diffirl.methods import GuideSource

MEDIUM_MAZE = MazeLayout(
    "medium",
    (
        "########",
        "#..##..#",
        "#..#...#",
        "##...###",
        "#..#...#",
        "#.#..#.#",
        "#...#..#",
        "########",
    ),
)
#: free cells of the medium maze: where experts and evaluation rollouts start
EXPERT_STARTS = [[1, 1], [1, 5], [6, 1]]
EVALUATION_STARTS = [[1, 1], [1, 5], [6, 1], [6, 6]]


def register_medium_maze() -> None:
    """The plugin: ``DIFFIRL_PLUGINS=tests.plugins:register_medium_maze``."""
    from diffirl.envs.kinds import POINT_MAZE
    from diffirl.envs.registry import EnvironmentSpec, register_environment
    from diffirl.rewards.true_reward import CellReward

    register_environment(
        EnvironmentSpec(
            "medium", "PointMaze_Medium-v3", POINT_MAZE, ("base",), MEDIUM_MAZE, reward=CellReward(MEDIUM_MAZE)
        )
    )


@dataclass(frozen=True)
class Rightward(GuideSource):
    """Guides every plan towards larger x: the sum of its normalised x positions."""

    def build(self, trained, spec):
        x = trained.action_dim  # a plan's transition is [action, observation]; x is the first observation
        return lambda plans, steps: plans[..., x].sum(dim=1)


def register_rightward_guide() -> None:
    """The plugin: ``DIFFIRL_PLUGINS=tests.plugins:register_rightward_guide``."""
    from diffirl.methods import Method, register_method

    register_method(Method("rightward", "Diffuser (Rightward Guide)", "diffuser", guide=Rightward()))


PLUGINS = "tests.plugins:register_rightward_guide,tests.plugins:register_medium_maze"


def register_second_behaviour_cloning() -> None:
    """A baseline from the registry's learners: ``tests.plugins:register_second_behaviour_cloning``."""
    from diffirl.methods import BehaviourCloning, Method, register_method

    register_method(Method("bc_long", "Behaviour Cloning (Long)", "baseline", learner=BehaviourCloning()))


#: a method family with a stage and a target of its own (``snakemake method_ranking``)
RANKING = "tests.plugins:register_method_ranking"
RANKING_TABLE = "reports/plugins/method_ranking_umaze.csv"


def register_method_ranking() -> None:
    """The plugin: ``DIFFIRL_PLUGINS=tests.plugins:register_method_ranking``."""
    from diffirl.stage_families import StageFamily, register_stage_family

    register_stage_family(
        StageFamily("method_ranking", "tests.plugins:method_ranking_stages", "the U-Maze's methods by mean return")
    )


def method_ranking_stages() -> list:
    """The family's one stage: the U-Maze evaluation's methods ranked by mean return."""
    from diffirl import paths
    from diffirl.dag import Stage

    return [
        Stage(
            name="rank_methods_umaze",
            cmd=f"python tests/rank_methods.py {paths.evaluation_metrics('umaze')} {RANKING_TABLE}",
            deps=("tests/rank_methods.py", str(paths.evaluation_metrics("umaze"))),
            outs=(RANKING_TABLE,),
            params=(),
        )
    ]
