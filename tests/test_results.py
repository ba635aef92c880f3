"""Tables 1, 2, 4, 5 and the claims: rows from the registry, units, paired intervals, verdicts."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from diffirl.methods import BASELINES, LOSSES, METHODS, methods_for
from diffirl.reports.claims import FAILS, HOLDS, MISSING, build_claims
from diffirl.reports.results import RESULTS_TABLES, build_results_table, paired_difference


def entry(name: str, returns, gamma=1.0, erc=None, **extra) -> dict:
    returns = np.asarray(returns, dtype=float)
    return {
        "label": METHODS[name.removesuffix("_best")].label,
        "returns": returns.tolist(),
        "discounted_returns": (returns * 0.5).tolist(),
        "action_norms": (returns / 100).tolist(),
        "gamma": gamma,
        "rollouts": len(returns),
        "steps": 128,
        "erc": erc,
        "return_mean": returns.mean(),
        **extra,
    }


def metrics_for(environment: str, shift: dict[str, float], rollouts: int = 20) -> dict:
    base = np.random.default_rng(0).normal(100, 10, rollouts)
    names = [m.name for m in methods_for(environment != "halfcheetah")]
    return {
        name: entry(
            name,
            base + shift.get(name, 0.0) + np.random.default_rng(k).normal(0, 1, rollouts),
            erc=0.5 if METHODS[name].has_reward else None,
        )
        for k, name in enumerate(names)
    }


def test_paired_interval_is_the_paired_t_interval():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 30), rng.normal(0.3, 1, 30)
    mean, low, high = paired_difference(b, a, 0.95)
    interval = stats.ttest_rel(b, a).confidence_interval(0.95)
    assert mean == pytest.approx(np.mean(b - a))
    assert (low, high) == pytest.approx((interval.low, interval.high))
    assert np.isnan(paired_difference([1.0], [0.0], 0.95)[1])


def test_table1_rows_follow_the_registry_with_the_thesis_beside_ours():
    table = build_results_table(RESULTS_TABLES[1], metrics_for("umaze", {"true": 20})).set_index("method")
    assert list(table.index) == [m.name for m in methods_for(True)]
    assert table.loc["mse", "thesis_return_mean"] == 3578.47 and table.loc["mse", "thesis_erc"] == 0.689
    assert table.loc["true", "vs_base_low"] > 0  # a real lift is detected
    assert np.isnan(table.loc["base", "vs_base_mean"])  # no row is compared with itself
    assert {"return_mean", "return_std", "erc", "vs_true_mean", "statistic"} <= set(table.columns)
    assert "undiscounted return of 20 closed-loop rollouts of 128 steps" in table.loc["base", "statistic"]


def test_halfcheetah_tables_use_their_own_statistic_and_leave_unquoted_cells_empty():
    metrics = metrics_for("halfcheetah", {})
    metrics["mse_best"] = entry("mse_best", np.full(20, 120.0), erc=0.4, checkpoint="best", selected_epoch=3)
    table4 = build_results_table(RESULTS_TABLES[4], metrics).set_index("method")
    assert "true" not in table4.index and "vs_true_mean" not in table4.columns
    assert list(table4.index).index("mse_best") == list(table4.index).index("mse") + 1
    assert table4.loc["mse_best", "discounted_return_mean"] == pytest.approx(60.0)
    assert table4.loc["mse_best", "thesis_discounted_return_mean"] == -39.15
    table5 = build_results_table(RESULTS_TABLES[5], metrics).set_index("method")
    assert "erc" not in table5.columns
    assert table5.loc["mse_best", "action_norm_mean"] == pytest.approx(1.2)
    for name in BASELINES:  # the thesis's Table 5 has no baseline rows
        assert np.isnan(table5.loc[name, "thesis_action_norm_mean"]) and table5.loc[name, "action_norm_mean"] > 0


def test_a_missing_method_keeps_its_row_with_empty_numbers():
    metrics = metrics_for("large", {})
    del metrics["gail"]
    table = build_results_table(RESULTS_TABLES[2], metrics).set_index("method")
    assert np.isnan(table.loc["gail", "return_mean"]) and table.loc["gail", "thesis_return_mean"] == 16616.25


def test_claims_are_decided_from_the_numbers():
    umaze = {**metrics_for("umaze", {"true": 50, **{loss: 48 for loss in LOSSES}})}
    for loss, erc in zip(LOSSES, (0.6, 0.5, 0.3)):
        umaze[loss]["erc"] = erc
    umaze["airl"]["erc"] = 0.7
    large = metrics_for("large", {"bc": 30, "gail": 30, "airl": 30, LOSSES[0]: 10})
    tables = {
        1: build_results_table(RESULTS_TABLES[1], umaze),
        2: build_results_table(RESULTS_TABLES[2], large),
        4: None,
        5: None,
    }
    claims = build_claims(tables).set_index(["table", "claim"])
    assert claims.loc[(1, "true-reward guidance beats the base diffuser"), "ours_verdict"] == HOLDS
    assert claims.loc[(1, "MSE Reward guides within one std of true-reward guidance"), "ours_verdict"] == HOLDS
    assert claims.loc[(1, "MMD-Matern's ERC is the lowest of the learnt rewards"), "ours_verdict"] == HOLDS
    assert claims.loc[(2, "MSE Reward does not beat the base diffuser"), "ours_verdict"] == FAILS
    assert claims.loc[(2, "MMD-Gauss Reward does not beat the base diffuser"), "ours_verdict"] == HOLDS
    assert claims.loc[(2, "every baseline beats every learnt reward"), "ours_verdict"] == HOLDS
    assert (claims.loc[4, "ours_verdict"] == MISSING).all()
    # the thesis's own numbers support its claims (computed from the quoted tables, not typed)
    assert (claims.loc[1, "thesis_verdict"] == HOLDS).all()
    assert claims.loc[(4, "every baseline beats every learnt reward"), "thesis_verdict"] == MISSING


def test_claims_on_a_read_back_csv(tmp_path):
    path = tmp_path / "t.csv"
    build_results_table(RESULTS_TABLES[1], metrics_for("umaze", {})).to_csv(path, index=False)
    claims = build_claims({1: pd.read_csv(path)}).set_index(["table", "claim"])
    assert claims.loc[(1, "true-reward guidance beats the base diffuser"), "ours_verdict"] == FAILS


def test_summaries_hold_the_headline_numbers_keyed_so_that_tables_share_columns(tmp_path):
    from diffirl.reports.summary import claims_summary, results_summaries

    metrics = metrics_for("halfcheetah", {"mse": 7})
    metrics["mse_best"] = entry("mse_best", np.full(20, 999.0), erc=0.9, checkpoint="best", selected_epoch=3)
    table4 = build_results_table(RESULTS_TABLES[4], metrics)
    path = tmp_path / "t4.csv"
    table4.to_csv(path, index=False)  # what the claims and the report read back
    summary = results_summaries(pd.read_csv(path), RESULTS_TABLES[4].column)
    means, erc = summary[""], summary["erc"]
    assert list(means) == [m.name for m in methods_for(False)]  # the best checkpoint is the CSV's, not the summary's
    assert means["mse"] == round(table4.set_index("method").loc["mse", "discounted_return_mean"], 2)
    assert erc == {"mse": 0.5, "mmd_gauss": 0.5, "mmd_matern": 0.5, "airl": 0.5}
    assert "erc" not in results_summaries(build_results_table(RESULTS_TABLES[5], metrics), "action_norm")
    umaze = metrics_for("umaze", {"true": 50})
    claims = build_claims({1: build_results_table(RESULTS_TABLES[1], umaze), 2: None, 4: None, 5: None})
    counted = claims_summary(claims)
    assert counted["claims_decided"] == (claims["table"] == 1).sum()
    assert 0 < counted["claims_hold"] < counted["claims_decided"]


def test_each_claim_names_the_settings_cut_for_time_behind_its_rows(root):
    from diffirl.params.scale import compose

    ours, thesis = compose("default", root / "scales"), compose("paper", root / "scales")
    ours["baselines"]["halfcheetah"]["gail"]["total_timesteps"] = 100000
    ours["reward_learning"]["large"]["losses"]["mse"]["epochs"] = 20
    umaze = metrics_for("umaze", {"true": 50})
    claims = build_claims({1: build_results_table(RESULTS_TABLES[1], umaze), 2: None, 4: None, 5: None}, ours, thesis)
    cuts = claims.set_index(["table", "claim"])["cut_for_time"]
    assert (
        "baselines.halfcheetah.gail.total_timesteps 100000 (thesis 800000)"
        in cuts[(4, "every baseline beats every learnt reward")]
    )
    assert (
        "reward_learning.large.losses.mse.epochs 20 (thesis 500)"
        in cuts[(2, "MSE Reward does not beat the base diffuser")]
    )
    # a claim names only the cuts that move its own rows
    assert "mmd_gauss" not in cuts[(2, "MSE Reward does not beat the base diffuser")]
    assert "baselines" not in cuts[(1, "true-reward guidance beats the base diffuser")]
    assert (build_claims({1: None, 2: None, 4: None, 5: None}, thesis, thesis)["cut_for_time"] == "").all()


def test_the_claims_name_the_thesis_methods_only_and_each_is_registered():
    from diffirl.methods import METHODS
    from diffirl.reports.claims import THESIS_BASELINES, THESIS_LOSSES, thesis_claims

    thesis_methods = {"base", "true", *THESIS_LOSSES, *THESIS_BASELINES}
    assert thesis_methods <= set(METHODS)
    assert set().union(*(claim.methods for claim in thesis_claims())) == thesis_methods


def test_the_halfcheetah_comparison_puts_d4rl_scores_beside_nuti_et_al():
    from diffirl.envs.registry import ENVIRONMENTS
    from diffirl.reports.results import comparison_table, d4rl_score

    random, expert = ENVIRONMENTS["halfcheetah"].d4rl_reference_returns
    assert d4rl_score([random, expert], (random, expert)).tolist() == pytest.approx([0.0, 100.0])
    metrics = metrics_for("halfcheetah", {}) | {
        name: entry(name, [expert, random] * 10) for name in ("relative", "discriminator")
    }
    table = build_results_table(comparison_table("halfcheetah"), metrics).set_index("method")
    assert table.loc["relative", "d4rl_score_mean"] == pytest.approx(50.0)
    assert table.loc["relative", "d4rl_score_se"] == pytest.approx(np.std([100, 0] * 10, ddof=1) / np.sqrt(20))
    assert (table.loc["relative", "nuti_d4rl_score_mean"], table.loc["base", "nuti_d4rl_score_mean"]) == (31.65, 30.38)
    assert pd.isna(table.loc["mse", "nuti_d4rl_score_mean"]) and not pd.isna(table.loc["mse", "d4rl_score_mean"])
    maze = build_results_table(comparison_table("umaze"), metrics_for("umaze", {}))
    assert "d4rl_score_mean" not in maze.columns


def test_the_d4rl_note_names_the_environment_and_compares_with_nuti_et_al_only_where_they_publish(monkeypatch):
    from dataclasses import replace

    from diffirl.envs.registry import ENVIRONMENTS
    from diffirl.reports.comparison_page import d4rl_note

    halfcheetah = d4rl_note("halfcheetah", "HalfCheetah")
    assert "HalfCheetah references (-280.18 and 12,135.0)" in halfcheetah and "Nuti et al.'s" in halfcheetah
    assert "relative_reward.halfcheetah.expert_diffuser.init" in halfcheetah and "HalfCheetah-v4" in halfcheetah
    # a locomotion environment with D4RL references but no published score of theirs (a plug-in's)
    hopper = replace(
        ENVIRONMENTS["halfcheetah"], name="hopper", gym_id="Hopper-v4", d4rl_reference_returns=(-20.3, 3234.3)
    )
    monkeypatch.setitem(ENVIRONMENTS, "hopper", hopper)
    note = d4rl_note("hopper", "Hopper")
    assert "Hopper references (-20.30 and 3,234.3)" in note and "Nuti" not in note and "HalfCheetah" not in note
