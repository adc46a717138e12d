"""Simulated hall days that drive the real, pure dispatch and estimate (issue 6).

- `day`: a day's inputs: visitors drawn from a seed, the staff (windows, skills,
  breaks) before and after the one-window reform;
- `hall`: the event loop on a virtual clock, calling `domain.choose_next` and
  `domain.estimate`; one `run` is one day of one scenario;
- `figures`: what the days show, and issue 6's targets checked against them;
- `weeks`: weeks of days with a weekday effect, for the staffing advice's
  forecast error, and a window plan (`HallConfig.schedule`) run through `hall`.

A change to the dispatch can be tried here first: `hall.run` takes another
`chooser`, and a `Policy` is a per-hall setting.

Pure: the standard library and the domain only; `scripts/simulate` does the I/O.
"""
