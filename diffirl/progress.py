"""Progress bars that read well on a terminal and in a log file.

On a terminal tqdm redraws its bar in place. In a log (``dvc repro > log``, Snakemake's
``logs/STAGE.log``) the same redraws are carriage returns on one line, which a reader sees
as nothing for the ten to fifty minutes a long stage takes. Where the stream is not a
terminal, :func:`progress_bar` therefore writes each redraw as a line of its own, at most
one every :data:`LOG_INTERVAL_SECONDS`: step, rate, time spent and time left.

Every bar is also a :class:`diffirl.work_log.WorkLoop`: when the probe watches the stage, each
iteration is logged with the time spent so far.
"""

from __future__ import annotations

import sys
from typing import TextIO

from tqdm import tqdm

from diffirl.work_log import WorkLoop

#: seconds between two progress lines in a log
LOG_INTERVAL_SECONDS = 30.0


class _Bar(tqdm):
    """tqdm whose postfix (a loss, a return) waits for the next scheduled redraw instead of forcing
    one: set on every step, it would otherwise write a log line every few seconds."""

    def __init__(self, *args, work_batch: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self.work = WorkLoop(kwargs.get("desc") or "loop", work_batch)
        self.work_done = 0
        self.iterating = False

    def __iter__(self):
        # tqdm's own iteration calls update() to redraw, with the iterations since the last redraw
        self.iterating = True
        try:
            for item in super().__iter__():
                yield item
                self.work_done += 1
                self.work.done(self.work_done)
        finally:
            self.iterating = False

    def update(self, n=1):
        displayed = super().update(n)
        if not self.iterating:
            self.work_done += n
            self.work.done(self.work_done)
        return displayed

    def close(self):
        super().close()
        self.work.finish()

    def set_postfix(self, ordered_dict=None, refresh=False, **kwargs):
        super().set_postfix(ordered_dict, refresh=refresh, **kwargs)


class _LineWriter:
    """A stream for tqdm that turns every redraw into one line."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def write(self, text: str) -> None:
        line = text.replace("\r", "").strip("\n")
        if line.strip():
            self.stream.write(line + "\n")

    def flush(self) -> None:
        self.stream.flush()


def progress_bar(iterable=None, stream: TextIO | None = None, work_batch: int = 1, **options) -> tqdm:
    """tqdm over ``iterable`` with ``options``, writing to ``stream`` (standard error by default).

    ``work_batch``: the units of work one iteration does (the rollouts stepped side by side), for the probe.
    """
    stream = sys.stderr if stream is None else stream
    if not stream.isatty():
        interval = max(options.get("mininterval", 0.0), LOG_INTERVAL_SECONDS)
        options |= {"file": _LineWriter(stream), "mininterval": interval, "maxinterval": interval, "ncols": 100}
    else:
        options["file"] = stream
    return _Bar(iterable, work_batch=work_batch, **options)
