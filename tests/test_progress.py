import io

from diffirl import progress
from diffirl.progress import progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_log_every_redraw_is_a_line_of_its_own(monkeypatch):
    monkeypatch.setattr(progress, "LOG_INTERVAL_SECONDS", 0.0)
    log = io.StringIO()
    assert list(progress_bar(range(5), stream=log, desc="train", miniters=1)) == list(range(5))
    lines = log.getvalue().split("\n")
    assert "\r" not in log.getvalue() and lines[-1] == ""
    assert len(lines) - 1 >= 5 and all(line.startswith("train:") for line in lines[:-1])
    assert "5/5" in lines[-2]


def test_in_a_log_lines_come_at_most_once_an_interval(monkeypatch):
    monkeypatch.setattr(progress, "LOG_INTERVAL_SECONDS", 3600.0)
    log = io.StringIO()
    assert sum(progress_bar(range(1000), stream=log, desc="rollouts")) == sum(range(1000))
    lines = log.getvalue().splitlines()
    assert len(lines) == 2  # the start and the end
    assert "0/1000" in lines[0] and "1000/1000" in lines[1]


def test_a_postfix_set_on_every_step_does_not_add_lines(monkeypatch):
    monkeypatch.setattr(progress, "LOG_INTERVAL_SECONDS", 3600.0)
    log = io.StringIO()
    with progress_bar(total=100, stream=log, desc="train") as bar:
        for step in range(100):
            bar.update(1)
            bar.set_postfix(loss=f"{1 / (step + 1):.4f}")
    lines = log.getvalue().splitlines()
    assert len(lines) == 2 and "100/100" in lines[1] and "loss=0.0100" in lines[1]


def test_on_a_terminal_the_bar_redraws_in_place():
    terminal = Terminal()
    assert list(progress_bar(range(3), stream=terminal, mininterval=0, miniters=1)) == [0, 1, 2]
    assert "\r" in terminal.getvalue()


def test_the_probe_sees_each_iteration_once_however_often_the_bar_redraws(monkeypatch, tmp_path):
    import json

    from diffirl.work_log import WORK_LOG_VARIABLE

    monkeypatch.setattr(progress, "LOG_INTERVAL_SECONDS", 0.0)  # a redraw (tqdm's update) after every step
    monkeypatch.setenv(WORK_LOG_VARIABLE, str(tmp_path / "work.jsonl"))
    assert list(progress_bar(range(3), stream=io.StringIO(), desc="plans", miniters=1, work_batch=4)) == [0, 1, 2]
    with progress_bar(total=2, stream=io.StringIO(), desc="train", miniters=1) as bar:
        bar.update(1)
        bar.update(1)
    records = [json.loads(line) for line in (tmp_path / "work.jsonl").read_text().splitlines()]
    assert [(r["loop"], r["iterations"], r["batch"]) for r in records] == [
        ("plans", 1, 4),
        ("plans", 2, 4),
        ("plans", 3, 4),
        ("train", 1, 1),
        ("train", 2, 1),
    ]
