"""The `prepops` command line. Heavy libraries are imported inside commands, not here."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from prepops.data.contract import MODES

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="prepops: interview preparation run like an ML lifecycle.",
)

WorkspaceArg = Annotated[
    Path | None,
    typer.Argument(help="Workspace folder (default: `workspace` in params.yaml, else data/)."),
]


def _settings():
    from prepops.runtime.paths import Paths
    from prepops.runtime.settings import SettingsError, load_settings

    paths = Paths()
    try:
        return paths, load_settings(paths.params)
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


def _print_scores(result: dict) -> None:
    for key, value in result.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        typer.echo(f"{key:>17}: {shown}")


def _workspace(value: Path | None) -> tuple[Path, int]:
    paths, settings = _settings()
    root = value if value is not None else paths.workspace(settings.workspace)
    if not root.is_dir():
        typer.echo(f"{root}: not a workspace folder (see `prepops init --help`)", err=True)
        raise typer.Exit(2)
    return root, settings.limits.max_file_bytes


@app.command()
def validate(
    workspace: WorkspaceArg = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print problems as a JSON list.")] = False,
) -> None:
    """Check a workspace against the data contract: exit 0 valid, 1 invalid, 2 usage error."""
    root, max_bytes = _workspace(workspace)
    from prepops.data.workspace import load

    ws = load(root, max_file_bytes=max_bytes)
    if as_json:
        rows = [{"file": p.file, "field": p.field, "rule": p.rule} for p in ws.problems]
        typer.echo(json.dumps(rows, indent=2))
    else:
        for problem in ws.problems:
            typer.echo(str(problem))
        summary = f"{root}: {len(ws.files)} file(s), {len(ws.problems)} problem(s)"
        typer.echo(summary if ws.problems else f"{summary}: valid", err=True)
    raise typer.Exit(1 if ws.problems else 0)


@app.command()
def score(
    source: Annotated[str, typer.Argument(help="Transcript file, or - for stdin.")] = "-",
    duration_s: Annotated[
        float, typer.Option("--duration-s", help="Spoken length in seconds.", min=0.001)
    ] = ...,
    mode: Annotated[str | None, typer.Option(help="Expert mode: adds segment coverage.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Score one answer: special tokens, fillers, pace, signal-to-noise (see README)."""
    from prepops.data.lightread import evidence_ids, expert_segments
    from prepops.training.markers import default_phrases, extend
    from prepops.training.markers import score as score_text

    if mode is not None and mode not in MODES:
        typer.echo(f"--mode: must be one of {', '.join(MODES)} (got {mode!r})", err=True)
        raise typer.Exit(2)
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"{source}: cannot read the transcript ({type(exc).__name__})", err=True)
        raise typer.Exit(2) from None
    paths, settings = _settings()
    root = paths.workspace(settings.workspace)
    phrases = extend(default_phrases(), settings.score.phrases.model_dump())
    result = score_text(
        text,
        duration_s,
        segments=expert_segments(root, mode),
        evidence_ids=evidence_ids(root),
        phrases=phrases,
    )
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    _print_scores(result)


QuestionArg = Annotated[str, typer.Argument(help="The interview question, in quotes.")]
CompanyOpt = Annotated[
    str | None, typer.Option(help="Company card to use as the prior (its `company` name).")
]
WorkspaceOpt = Annotated[Path | None, typer.Option(help="Default: params.yaml.")]


def _router_for(root: Path):
    """The champion router exported by `dvc repro`, else cue rules and company prior only."""
    from prepops.data.lightread import expert_cues
    from prepops.model.router import Router, rules_only
    from prepops.runtime.paths import Paths

    path = Paths().champion
    if path.is_file():
        try:
            return Router.load(path), None
        except (ValueError, KeyError) as exc:
            note = f"{path}: unusable ({exc}); using cue rules only"
    else:
        note = "no trained router yet (run `dvc repro`): using cue rules and the company prior"
    return rules_only(expert_cues(root)), note


def _find_card(cards: dict[str, dict], name: str) -> dict | None:
    """A company card by name, ignoring case and surrounding spaces."""
    return {k.casefold(): v for k, v in cards.items()}.get(name.strip().casefold())


def _company(root: Path, name: str | None) -> dict:
    if name is None:
        return {}
    from prepops.data.lightread import company_cards

    cards = company_cards(root)
    found = _find_card(cards, name)
    if found is None:
        known = ", ".join(sorted(cards)) or "none"
        typer.echo(
            f"--company: no card for {name!r} in {root}/companies (known: {known})", err=True
        )
        raise typer.Exit(2)
    return found


def _route(root: Path, question: str, card: dict) -> dict:
    model, note = _router_for(root)
    if note:
        typer.echo(note, err=True)
    return model.route(question, card.get("primary_mode"), card.get("secondary_mode"))


@app.command()
def route(
    question: QuestionArg,
    company: CompanyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON.")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Which expert mode a question wants: cue rules + learned classifier + company prior."""
    root, _ = _workspace(workspace)
    result = _route(root, question, _company(root, company))
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    second = f" (secondary: {result['secondary']})" if result["secondary"] else ""
    typer.echo(f"{result['mode']}{second}  confidence {result['confidence']:.2f}")
    ranked = sorted(result["scores"].items(), key=lambda kv: -kv[1])
    typer.echo("  " + "  ".join(f"{m} {p:.2f}" for m, p in ranked))
    if result["cues"]:
        shown = ", ".join(f"{c['phrase']!r}->{c['mode']}" for c in result["cues"])
        typer.echo(f"  cues: {shown}")


@app.command()
def retrieve(
    question: QuestionArg,
    company: CompanyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the evidence as JSON.")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """One story, one metric and one failure mode for a question (BM25, mode/company boost)."""
    from prepops.data.lightread import evidence
    from prepops.features import retriever

    root, _ = _workspace(workspace)
    card = _company(root, company)
    packets, skipped = evidence(root)
    if skipped:
        typer.echo(
            f"skipped {skipped} unreadable evidence file(s); see `prepops validate`", err=True
        )
    if not packets:
        message = retriever.describe_empty(str(root))
        if as_json:
            typer.echo(
                json.dumps(
                    {"story": None, "metric": None, "failure_mode": None, "message": message},
                    indent=2,
                )
            )
        typer.echo(message, err=True)
        raise typer.Exit(1)
    mode = _route(root, question, card)["mode"]
    stories = [s for s in card.get("stories") or [] if isinstance(s, str)]
    result = {"mode": mode, **retriever.retrieve(question, packets, mode, stories)}
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    story, metric, failure = result["story"], result["metric"], result["failure_mode"]
    typer.echo(f"mode: {mode}")
    typer.echo(f"story [{story['evidence_id']}]: {story['title']}")
    typer.echo(
        f"metric [{metric['evidence_id']}]: {metric['name']} = {metric['value']} {metric['unit']}"
    )
    typer.echo(f"failure mode [{failure['evidence_id']}]: {failure['text']}")


@app.command()
def synth(
    directory: Annotated[Path, typer.Argument(help="New folder for the workspace.")],
    rounds: Annotated[int, typer.Option(min=0, help="Interview rounds.")] = 32,
    companies: Annotated[int, typer.Option(min=1, help="Company loops.")] = 4,
    rehearsals: Annotated[int | None, typer.Option(min=0, help="Default: rounds / 2.")] = None,
    seed: Annotated[int, typer.Option(help="Same seed, same workspace.")] = 0,
) -> None:
    """Write a synthetic, valid workspace of any size (for benchmarks and trying things)."""
    import datetime as dt

    from prepops.data import synth as generator

    days = min(max(70, rounds // 4), 3000)  # dates end yesterday: none lies in the future
    spec = generator.Spec(
        rounds=rounds,
        companies=companies,
        rehearsals=rounds // 2 if rehearsals is None else rehearsals,
        seed=seed,
        days=days,
        start=dt.date.today() - dt.timedelta(days=days + 1),
    )
    try:
        count = generator.write(directory, spec)
    except FileExistsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {count} files to {directory}")


@app.command()
def log(
    workspace: Annotated[Path | None, typer.Option(help="Default: params.yaml.")] = None,
) -> None:
    """Capture one interview round, field by field, and write it as a new rounds/ file."""
    import click

    from prepops.data import roundlog

    root, _ = _workspace(workspace)
    doc = roundlog.capture(root, click.prompt)
    if problems := roundlog.check(root, doc):
        for problem in problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1)
    typer.echo(f"wrote {roundlog.write(root, doc)}")


@app.command()
def rehearse(
    question: Annotated[str | None, typer.Option(help="The question answered.")] = None,
    mode: Annotated[str | None, typer.Option(help="Expert mode practised.")] = None,
    company: Annotated[str | None, typer.Option(help="Company card this targets.")] = None,
    transcript: Annotated[
        str | None, typer.Option(help="Transcript file, - for stdin; omitted: opens $EDITOR.")
    ] = None,
    duration_s: Annotated[
        float | None, typer.Option("--duration-s", min=0.001, help="Omitted: time it with Enter.")
    ] = None,
    self_score: Annotated[int | None, typer.Option(min=1, max=5)] = None,
    workspace: Annotated[Path | None, typer.Option(help="Default: params.yaml.")] = None,
    track: Annotated[bool, typer.Option(help="Log the run to MLflow.")] = True,
) -> None:
    """Capture one practice answer: write a rehearsal file, print its scorecard, log the run."""
    import time

    from prepops.data.lightread import evidence_ids, expert_segments
    from prepops.training import capture
    from prepops.training.markers import default_phrases, extend
    from prepops.training.markers import score as score_text

    root, _ = _workspace(workspace)
    if track:
        from prepops.training.tracking import candidate

        try:
            candidate()  # before the answer is captured, not after
        except ValueError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
    question = question or typer.prompt("Question")
    if mode not in MODES:  # the router's pick is the default: Enter accepts it
        card = {}
        if company:
            from prepops.data.lightread import company_cards

            card = _find_card(company_cards(root), company) or {}
        suggested = _route(root, question, card)["mode"]
    while mode not in MODES:
        mode = typer.prompt(f"Mode ({', '.join(MODES)})", default=suggested)
    if duration_s is None:
        typer.prompt("Press Enter to start answering", default="", show_default=False)
        start = time.monotonic()
        typer.prompt("Press Enter when you stop", default="", show_default=False)
        duration_s = max(time.monotonic() - start, 0.001)
    if transcript == "-":
        text = sys.stdin.read()
    elif transcript:
        text = Path(transcript).read_text(encoding="utf-8-sig")
    else:
        text = typer.edit("# Type or paste the answer as spoken, then save and close.\n") or ""
        text = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    doc, problems = capture.build(root, question, mode, text, duration_s, company, self_score)
    if problems:
        for problem in problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1)
    path = capture.write(root, doc)
    typer.echo(f"wrote {path}")
    paths, settings = _settings()
    result = score_text(
        doc["transcript"],
        doc["duration_s"],
        expert_segments(root, mode),
        evidence_ids(root),
        extend(default_phrases(), settings.score.phrases.model_dump()),
    )
    _print_scores(result)
    if track:
        from prepops.features.versioning import versions as compute_versions
        from prepops.training import tracking
        from prepops.training.scoring import SCORE_METRICS

        record = {
            "id": doc["id"],
            "date": doc["date"],
            "mode": mode,
            "company": company,
            "template_version": doc["template_version"],
            "template_version_stamped": False,
            "self_score": self_score,
            "scores": result,
        }
        client = tracking.client(paths.root)
        name = tracking.mlflow_name("rehearsals")
        exp = tracking.experiment_id(client, name, paths.root)
        payload = tracking.rehearsal_payload(record, compute_versions(root), SCORE_METRICS)
        counts = tracking.log_rehearsals(client, exp, [payload], tracking.git_commit(paths.root))
        typer.echo(f"MLflow {name}: {counts}")


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port for the MLflow UI.")] = 5000,
) -> None:
    """Start the MLflow UI on the project's store (compare template versions there)."""
    import os

    from prepops.runtime.paths import Paths
    from prepops.training.tracking import rehearsal_experiment_id, tracking_uri

    root = Paths().root
    uri = tracking_uri(root)
    typer.echo(f"MLflow UI on http://127.0.0.1:{port} (store {uri}); Ctrl-C stops it")
    if exp := rehearsal_experiment_id(uri):
        # MLflow 3 opens experiments in its GenAI view; this goes straight to the runs table
        typer.echo(f"rehearsal runs: http://127.0.0.1:{port}/#/experiments/{exp}/runs")
    argv = [
        sys.executable,
        "-m",
        "mlflow",
        "ui",
        "--backend-store-uri",
        uri,
        "--default-artifact-root",
        (root / "mlartifacts").resolve().as_uri(),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    os.execv(sys.executable, argv)


@app.command()
def versions(workspace: WorkspaceArg = None) -> None:
    """Print the template and evidence version ids (the hashes DVC records)."""
    root, _ = _workspace(workspace)
    from prepops.features.versioning import versions as compute

    typer.echo(json.dumps(compute(root), indent=2))


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="New workspace folder (must not exist).")],
    dvc: Annotated[bool, typer.Option(help="Track the folder with `dvc add`.")] = True,
) -> None:
    """Create an empty workspace with commented examples, tracked by DVC (not git)."""
    from prepops.data.scaffold import ScaffoldError, create, dvc_add

    try:
        written = create(directory)
    except ScaffoldError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"created {directory} ({len(written)} files)")
    if dvc:
        ok, message = dvc_add(directory)
        typer.echo(message, err=not ok)
        if not ok:
            raise typer.Exit(1)
    typer.echo(f"next: set `workspace: {directory}` in params.yaml, then `dvc repro`")


@app.command()
def where() -> None:
    """Print where the reports are and where the Prefect and MLflow UIs are."""
    import os

    from prepops.runtime.paths import Paths
    from prepops.runtime.prefect_server import prefect_home, server_state

    paths = Paths()
    reports = sorted(
        p for p in paths.reports.glob("*") if p.is_file() and not p.name.startswith(".")
    )
    typer.echo("reports:")
    for path in reports:
        typer.echo(f"  {path}")
    if not reports:
        typer.echo("  none yet: run `make run` (or `dvc repro`)")
    if paths.report.exists():
        typer.echo(f"Report: {paths.report.as_uri()}")
    if (docs := paths.data_docs / "index.html").exists():
        typer.echo(f"Data Docs: {docs}")
    if url := os.environ.get("PREFECT_API_URL"):
        typer.echo(f"Prefect UI: {url.removesuffix('/api')} (PREFECT_API_URL)")
    elif state := server_state(prefect_home(paths.prefect_home)):
        typer.echo(f"Prefect UI: {state['ui_url']} (local server; `make stop` stops it)")
    else:
        typer.echo("Prefect UI: not running; the next `dvc repro` starts it")
    from prepops.training.tracking import tracking_uri

    uri = tracking_uri(paths.root)
    if uri.startswith("sqlite:///") and not (paths.root / "mlflow.db").exists():
        typer.echo("MLflow UI: no runs logged yet (the rehearse stage creates mlflow.db)")
    else:
        typer.echo(f"MLflow UI: `prepops ui` (store {uri})")


@app.command()
def stop() -> None:
    """Stop the local Prefect server that pipeline stages share."""
    from prepops.runtime.paths import Paths
    from prepops.runtime.prefect_server import prefect_home, stop_server

    stopped = stop_server(prefect_home(Paths().prefect_home))
    typer.echo("stopped the local Prefect server" if stopped else "no local Prefect server running")


@app.command()
def version() -> None:
    """Print the prepops version."""
    from prepops import __version__

    typer.echo(__version__)


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="prepops")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
