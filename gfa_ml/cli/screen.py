"""``gfa screen``: rank a structure set by how worth trying to melt each framework is."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import typer

from gfa_ml.cli.help import PRIOR_HELP
from gfa_ml.cli.render import console, df_table, err_console, say
from gfa_ml.config import ScreenSettings

_CFG = ScreenSettings()  # built-in defaults, shown in --help (settings screen.*)


@contextmanager
def _progress_bar(enabled: bool):
    """A rich bar with rate and ETA; yields the ``(done, total)`` callback run_screen calls."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:.1f} structures/s" if speed else "– structures/s")

    bar = Progress(TextColumn("screening"), BarColumn(), MofNCompleteColumn(), Rate(),
                   TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                   console=err_console, disable=not enabled)
    state: dict[str, int] = {}

    def update(done: int, total: int) -> None:
        if "task" not in state:
            state["task"] = bar.add_task("screen", total=total, completed=done)
        else:
            bar.update(state["task"], completed=done)

    with bar:
        yield update


def screen(
    inputs: list[str] = typer.Argument(
        None, metavar="INPUT...",
        help="core-mof:2014 | core-mof:2019-ASR | core-mof:2019-FSR, CIF files, directories or "
        "globs of CIFs (e.g. a CSD subset exported as CIFs). Default: screen.default_subset "
        "(core-mof:2019-ASR).",
    ),
    out: Path = typer.Option(Path("screen_out"), "--out", "-o",
                             help="Output directory (ranked.csv, errors.csv, report.html)."),
    refcodes: Path = typer.Option(None, exists=True, dir_okay=False,
                                  help="Only these structures: one CSD refcode or name per line."),
    metals: str = typer.Option(None, help="Keep structures containing any of these metals, "
                               "e.g. Zn,Co."),
    donor: str = typer.Option(None, help="Keep metal nodes with this donor atom: N, O, S, P, C, "
                              "halide (comma list = any)."),
    dimensionality: str = typer.Option(None, help="Metal-ligand network dimensionality: 0-3 "
                                       "(comma list = any)."),
    max_atoms: int = typer.Option(None, help="Skip cells with more atoms than this."),
    min_lcd: float = typer.Option(None, help="Minimum largest cavity diameter (Å; CoRE Zeo++ "
                                  "value, geometric estimate for other CIFs)."),
    max_lcd: float = typer.Option(None, help="Maximum largest cavity diameter (Å)."),
    linker_smarts: str = typer.Option(None, help="Keep structures with a linker matching this "
                                      "RDKit SMARTS (as found or neutralised), e.g. "
                                      "'\\[nH]1ccnc1'."),
    where: str = typer.Option(None, help="pandas query on feature columns, e.g. "
                              "'node_cn == 4 and lig_grp_azolate > 0'."),
    model: str = typer.Option(None, help="Model directory or name, e.g. gnn (default: latest "
                              "trained xgb); targets it was never trained for use the default "
                              "model (column models_used)."),
    executor: str = typer.Option(None, help="local (process pool) or dask.  [default: "
                                 f"{_CFG.executor}]"),
    scheduler: str = typer.Option(None, help="dask scheduler address, e.g. tcp://HOST:8786."),
    workers: int = typer.Option(None, help="Worker processes for --executor local.  "
                                f"[default: {_CFG.n_workers}]"),
    chunk_size: int = typer.Option(None, help="Structures per task and per checkpoint.  "
                                   f"[default: {_CFG.chunk_size}]"),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted screen in OUT."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Recompute features (cold run)."),
    top: int = typer.Option(None, help="Candidates in the report and copied to OUT/cifs.  "
                            f"[default: {_CFG.top_n}]"),
    prior: float = typer.Option(0.5, "--prior", min=0.001, max=0.999, help=PRIOR_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Screen structures for frameworks that melt before they decompose and may form glasses.

    Featurizes every structure (cached), applies the filters, predicts P(melts before
    decomposing) at equal prior odds (or at --prior), Tm, Td, Tg and Tg/Tm, each its own model's
    estimate with a row-wise 90% interval, and whether the classifier and the Tm/Td models agree;
    writes OUT/ranked.csv (best first by p), OUT/errors.csv and OUT/report.html. Rows served as
    partial (no linker perceived, chemistry a model never saw) are ranked by p but marked.
    Ctrl-C keeps finished chunks: rerun with --resume to continue.

    Example, Zn and Co azolate frameworks of CoRE MOF 2019 plus your own CSD export:

        gfa screen core-mof:2019-ASR ~/csd_export/ --metals Zn,Co --donor N --out zn_co
    """
    from gfa_ml.config import get_settings
    from gfa_ml.screen.checkpoint import CheckpointMismatch
    from gfa_ml.screen.executor import ExecutorError, ExecutorSpec
    from gfa_ml.screen.filters import FilterError, Filters
    from gfa_ml.screen.predictor import ModelPredictor, PredictorError
    from gfa_ml.screen.run import run_screen
    from gfa_ml.screen.sources import read_refcodes
    from gfa_ml.structures.inputs import InputError

    cfg = get_settings().screen
    try:
        filters = Filters.parse(metals, donor, dimensionality, max_atoms, min_lcd, max_lcd,
                                linker_smarts, where)
        spec = ExecutorSpec(executor or cfg.executor, workers or cfg.n_workers, scheduler)
        predictor = ModelPredictor.load(model, prior=prior)
        if note := predictor.fallback_note():
            say(f"note: {note}", err=True)
        codes = read_refcodes(refcodes) if refcodes else None
        with _progress_bar(not quiet) as progress:
            result = run_screen(
                inputs or [], out, predictor, filters=filters, refcodes=codes, executor=spec,
                chunk_size=chunk_size, resume=resume, use_cache=not no_cache, top_n=top,
                progress=progress,
            )
    except KeyboardInterrupt:
        say(f"interrupted: finished chunks are saved in {out}/.checkpoints; "
            "run the same command with --resume to continue", err=True)
        raise typer.Exit(130) from None
    except (InputError, FilterError, ExecutorError, PredictorError, CheckpointMismatch,
            OSError) as exc:
        say(f"error: {exc}", err=True)
        raise typer.Exit(2) from None

    cols = ["id", "p_meltable", "meltable_call", "p_window", "Tm_K", "Td_K", "status",
            "metals"]
    console.print(df_table(result.ranked.set_index("rank")[cols].head(10),
                           title="top candidates"))
    counts = ", ".join(f"{k}: {v}" for k, v in result.counts.items())
    say(f"{counts} ({result.seconds:.1f} s, {result.cache_hits} feature-cache hits)")
    say(f"report: {result.report}")
    say(f"ranked: {out / 'ranked.csv'} · errors: {out / 'errors.csv'}")
