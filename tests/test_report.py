"""The report's pieces: numbers for reading, the thesis's table shape, figure placement, the pages."""

from pathlib import Path

import pandas as pd

from diffirl.reports import findings, readable
from diffirl.reports.remedies_page import remedies_report
from diffirl.reports.report import Report, Section, place_figures, render_html, render_markdown
from diffirl.reports.results import RESULTS_TABLES, ResultsTable, build_results_table
from tests.test_results import metrics_for


def test_numbers_are_rounded_for_reading_never_in_e_notation():
    assert readable.number(14750.3) == "14,750"
    assert readable.number(243.4) == "243"
    assert readable.number(12.34) == "12.3"
    assert readable.number(2.371) == "2.37"
    assert readable.number(0.49612) == "0.496"
    assert readable.number(588.2, signed=True) == "+588"
    assert readable.number(float("nan")) == "" and readable.number(None) == ""
    assert readable.interval(588.2, 559.1, 618.0) == "+588 [+559, +618]"
    assert readable.mean_std(3149.2, 227.4) == "3,149 ± 227"


def test_a_results_table_has_the_thesis_shape_with_our_and_its_lifts():
    frame = build_results_table(RESULTS_TABLES[2], metrics_for("large", {"true": 2000, "bc": 30}))
    shown = readable.results_table(frame, "return")
    assert list(shown.columns) == [
        "Method",
        "Ours (mean ± std)",
        "Thesis (mean ± std)",
        "Lift over base [95% CI]",
        "Thesis's lift",
        "ERC ours",
        "ERC thesis",
    ]
    true = shown.set_index("Method").loc["Diffuser (True Reward)"]
    assert true["Thesis's lift"] == "+8,537" and true["Lift over base [95% CI]"].startswith("+2,0")
    assert shown.set_index("Method").loc["Base Diffuser", "Lift over base [95% CI]"] == ""
    assert not shown.apply(lambda column: column.str.contains(r"\de[+-]\d")).any().any()
    finding = findings.results_finding(RESULTS_TABLES[2], frame)
    assert "true-reward guidance +2,0" in finding and "(interval above zero; thesis +8,537)" in finding
    assert "the baselines " in finding and " to +30.0 (" in finding and "thesis +2,460 to +4,419" in finding


def test_a_table_the_thesis_does_not_have_is_shown_without_its_columns():
    table = ResultsTable(None, "large", "returns", with_erc=True)  # as a plug-in environment's table is built
    frame = build_results_table(table, metrics_for("large", {"true": 2000, "bc": 30}))
    shown = readable.results_table(frame, "return", with_thesis=False)
    assert list(shown.columns) == ["Method", "Ours (mean ± std)", "Lift over base [95% CI]", "ERC ours"]
    finding = findings.results_finding(table, frame)
    assert finding.startswith("Large Maze (return; no table in the thesis): the base diffuser scores ")
    assert "thesis " not in finding.split("no table in the thesis")[1] and "(interval above zero)" in finding


def test_each_figure_sits_under_the_table_of_its_environment_and_diagnostics_in_the_appendix():
    sections = [Section(f"table{n}", f"Table {n}", "", pd.DataFrame()) for n in (1, 2, 3, 4, 5)]
    figures = [
        Path(f"reports/figures/{name}.png")
        for name in (
            "fig15_umaze_dynamics_error_heatmap",
            "fig07_umaze_rollouts",
            "fig15_large_dynamics_error_heatmap",
            "fig18_halfcheetah_reward_losses",
            "diffuser_umaze_loss",
            "fig21_umaze_dataset",
        )
    ]
    appendix = place_figures(sections, figures)
    homes = {section.anchor: [f.stem for f in section.figures] for section in sections}
    assert homes["table1"] == ["fig07_umaze_rollouts"]
    # the Large Maze's own figure first, the U-Maze's comparison after it
    assert homes["table2"] == ["fig15_large_dynamics_error_heatmap", "fig15_umaze_dynamics_error_heatmap"]
    assert homes["table4"] == ["fig18_halfcheetah_reward_losses"]
    assert [f.stem for f in appendix] == ["fig21_umaze_dataset", "diffuser_umaze_loss"]


def test_the_remedies_page_has_a_section_and_a_forest_per_variant(tmp_path):
    rows = []
    for variant, env, lifts in (("physical_experts", "large", (5.0, -1.0)), ("long_horizon", "halfcheetah", (0.5,))):
        for loss, lift in zip(("mse", "mmd_gauss"), lifts):
            rows.append(
                {
                    "variant": variant,
                    "environment": env,
                    "loss": loss,
                    "statistic": "return" if env == "large" else "discounted_return",
                    "lift_mean": lift,
                    "lift_low": lift - 2,
                    "lift_high": lift + 2,
                    "study_lift_mean": 0.0,
                    "study_lift_low": -1.0,
                    "study_lift_high": 1.0,
                    "erc": 0.5,
                    "study_erc": 0.4,
                    "loss_change": -0.25,
                    "diverged": False,
                    "question": f"Does {variant} help?",
                }
            )
    page, forests = remedies_report(pd.DataFrame(rows), lambda name: tmp_path / f"{name}.png")
    assert [s.anchor for s in page.sections] == ["physical_experts", "long_horizon"]
    assert set(forests) == {tmp_path / "physical_experts.png", tmp_path / "long_horizon.png"}
    assert page.sections[0].finding.endswith(
        "1 of 2 learnt rewards beat this variant's base diffuser (interval above zero); "
        "in the study, 0 of the same losses beat theirs."
    )
    assert page.sections[0].table["Training loss change"].tolist() == ["-25.0%", "-25.0%"]
    for path, figure in forests.items():
        figure.savefig(path)
    markdown = render_markdown(page, tmp_path)
    assert "## physical_experts (Large Maze, return)" in markdown and "Appendix" not in markdown


def test_the_html_page_keeps_the_sections_in_order_and_embeds_each_figure(tmp_path):
    figure = tmp_path / "fig07_umaze_rollouts.png"
    import matplotlib.pyplot as plt

    plt.figure().savefig(figure)
    table = pd.DataFrame({"Method": ["Base Diffuser"], "Ours (mean ± std)": ["3,149 ± 227"]})
    sections = [Section("table1", "Table 1: U-Maze", "A finding.", table, figures=[figure])]
    page = render_html(Report(["A summary line."], sections, provenance={"commit": "abc"}), tmp_path)
    assert page.index("id='summary'") < page.index("id='table1'") < page.index("id='appendix'")
    assert "data-figure='fig07_umaze_rollouts'" in page and "data:image/png;base64," in page
    assert "<td class='n'>3,149 ± 227</td>" in page
