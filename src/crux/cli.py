"""The ``crux`` command: assess cases, print the contract's schemas, check and export the
knowledge base. Problems with the input are reported one per line, and the exit status
is 2; nothing is guessed."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crux.contract import CaseError, Problem, parse_case_text

if TYPE_CHECKING:
    from pydantic import BaseModel

    from crux.assess import Model
    from crux.knowledge import KnowledgeBase

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Crux gets to the crux of musculoskeletal pain: red-flag triage first, then "
    "causal reasoning to the likely root causes. It supports decisions; it does not "
    "diagnose.",
)
kb_app = typer.Typer(no_args_is_help=True, help="Check, inspect and export the knowledge base.")
app.add_typer(kb_app, name="kb")
db_app = typer.Typer(
    no_args_is_help=True,
    help="The records' database: SQLite by default, CRUX_DATABASE_URL for another.",
)
app.add_typer(db_app, name="db")
clinic_app = typer.Typer(no_args_is_help=True, help="Clinics and their users.")
app.add_typer(clinic_app, name="clinic")
movement_app = typer.Typer(no_args_is_help=True,
                           help="Posture and running gait measured from a video or photograph.")
app.add_typer(movement_app, name="movement")


class View(StrEnum):
    side = "side"
    front = "front"


class Activity(StrEnum):
    running = "running"
    standing = "standing"
    squat = "squat"

UrlOption = Annotated[
    str | None,
    typer.Option("--url", help="a database URL (default: CRUX_DATABASE_URL, else the SQLite "
                               "file in the user's data directory)"),
]


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"


class PlanFormat(StrEnum):
    text = "text"
    json = "json"
    html = "html"
    pdf = "pdf"
    ics = "ics"


class SchemaName(StrEnum):
    case = "case"
    assessment = "assessment"


class ExportFormat(StrEnum):
    bif = "bif"
    xmlbif = "xmlbif"


def _fail(lines: list[str], code: int = 2) -> None:
    for line in lines:
        typer.echo(line, err=True)
    raise typer.Exit(code)


def _read_inputs(files: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    problems: list[str] = []
    for name in files:
        if name == "-":
            out.append(("<stdin>", sys.stdin.read()))
            continue
        path = Path(name)
        try:
            out.append((name, path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            problems.append(f"{name}: no such file")
        except IsADirectoryError:
            problems.append(f"{name}: is a folder, not a case file")
        except UnicodeDecodeError:
            problems.append(f"{name}: not UTF-8 text; a case is a JSON file")
        except OSError as err:
            problems.append(f"{name}: cannot be read ({err.strerror})")
    if problems:
        _fail(problems)
    return out


@app.command()
def assess(
    files: Annotated[list[str], typer.Argument(help="case files (JSON); - reads standard input")],
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="text for people, json/jsonl for programs"),
    ] = OutputFormat.text,
    questions: Annotated[
        int,
        typer.Option(
            "--questions", min=0, max=10,
            help="how many of the questions most worth asking next to list (0: none)",
        ),
    ] = 3,
) -> None:
    """Assess one or more cases: triage first, then the likely root causes, explained,
    and the questions most worth asking next."""
    if output_format is OutputFormat.json and len(files) > 1:
        _fail(["--format json prints one assessment; use --format jsonl for several cases"])
    inputs = _read_inputs(files)
    cases = _parse_cases(inputs)

    from crux.assess import assess as run
    from crux.assess import shipped_model
    from crux.report import render_text

    model = shipped_model()
    from crux.interview import with_next_questions

    for i, case in enumerate(cases):
        assessment = with_next_questions(run(case, model), case.known(), model, questions)
        if output_format is OutputFormat.text:
            if len(cases) > 1:
                typer.echo(f"== {inputs[i][0]}")
            typer.echo(render_text(assessment, model.kb), nl=False)
        elif output_format is OutputFormat.json:
            typer.echo(assessment.model_dump_json(indent=2))
        else:
            typer.echo(assessment.model_dump_json())


@app.command()
def plan(
    file: Annotated[str, typer.Argument(help="a case file (JSON); - reads standard input")],
    output_format: Annotated[
        PlanFormat,
        typer.Option("--format", "-f",
                     help="text, json, html or pdf (the handout), ics (a calendar)"),
    ] = PlanFormat.text,
    start: Annotated[
        str | None,
        typer.Option("--start", help="the plan's first day, YYYY-MM-DD (default: today)"),
    ] = None,
    weeks: Annotated[
        int, typer.Option("--weeks", min=1, max=52, help="how many weeks the schedule covers"),
    ] = 4,
) -> None:
    """Build a self-care plan from a case: triage first, then a daily routine of about ten
    minutes in the sources' order, what goes around runs and through the day, when to
    stop, and a schedule."""
    from datetime import date

    first = None
    if start is not None:
        try:
            first = date.fromisoformat(start)
        except ValueError:
            _fail([f"--start: give a date as YYYY-MM-DD, got {start!r}"])
    (case,) = _parse_cases(_read_inputs([file]))

    from crux.assess import assess as run
    from crux.assess import shipped_model
    from crux.plan import build_plan, render_html, render_pdf, render_text, to_ics

    model = shipped_model()
    result = build_plan(case.known(), run(case, model), model.kb, start=first, weeks=weeks)
    if output_format is PlanFormat.text:
        typer.echo(render_text(result), nl=False)
    elif output_format is PlanFormat.html:
        typer.echo(render_html(result), nl=False)
    elif output_format in (PlanFormat.ics, PlanFormat.pdf):
        made = to_ics(result) if output_format is PlanFormat.ics else render_pdf(result)
        sys.stdout.buffer.write(made)
        sys.stdout.flush()
    else:
        typer.echo(result.model_dump_json(indent=2))


@app.command()
def interview(
    simulate_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--simulate",
            help="answer from these case files instead of asking (repeat for several)",
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="text for people, json/jsonl for programs"),
    ] = OutputFormat.text,
    save: Annotated[
        Path | None, typer.Option("--save", help="write the case the interview built (JSON)")
    ] = None,
) -> None:
    """Ask one question at a time: red-flag checks first, then whatever is most worth
    knowing, until more questions would not change the advice."""
    from crux.assess import shipped_model
    from crux.report import render_text

    model = shipped_model()
    if simulate_files:
        _simulate(simulate_files, output_format, model)
        return
    from rich.console import Console

    from crux.interview import Book, Interview
    from crux.interview._terminal import run

    console = Console()
    done = run(console, lambda prompt: console.input(prompt),
               lambda start: Interview(start, model=model), Book.of(model.kb))
    if done is None:
        _fail(["stopped before any answer; nothing to assess"], code=1)
    result = done.assessment()
    if output_format is OutputFormat.text:
        typer.echo(render_text(result, model.kb), nl=False)
    else:
        typer.echo(result.model_dump_json(indent=2 if output_format is OutputFormat.json else None))
    if save is not None:
        try:
            save.write_text(json.dumps(done.case, indent=2) + "\n", encoding="utf-8")
        except OSError as err:
            _fail([f"{save}: cannot be written ({err.strerror})"], code=1)
        typer.echo(f"saved the case to {save}", err=True)


def _simulate(files: list[Path], output_format: OutputFormat, model: Model) -> None:
    if output_format is OutputFormat.json and len(files) > 1:
        _fail(["--format json prints one interview; use --format jsonl for several cases"])
    inputs = _read_inputs([str(f) for f in files])
    _parse_cases(inputs)  # refuse any bad file before simulating
    cases = [json.loads(text) for _, text in inputs]
    from crux.interview import simulate
    from crux.report import render_text

    for i, case in enumerate(cases):
        transcript = simulate(case, model=model)
        if output_format is OutputFormat.text:
            if len(cases) > 1:
                typer.echo(f"== {inputs[i][0]}")
            for n, q in enumerate(transcript.questions, start=1):
                typer.echo(f"{n}. {q['text']}  -> {_answer_words(q.get('items', q['answer']))}")
            typer.echo(f"(stopped: {transcript.reason})\n")
            typer.echo(render_text(transcript.assessment, model.kb), nl=False)
        elif output_format is OutputFormat.json:
            typer.echo(json.dumps(transcript.as_json(), indent=2))
        else:
            typer.echo(json.dumps(transcript.as_json()))


def _answer_words(answer: object) -> str:
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    if isinstance(answer, float) and answer.is_integer():
        return f"{answer:g}"
    if isinstance(answer, dict):
        known = [f"{k.split('.', 1)[-1].replace('_', ' ')}: {_answer_words(v)}"
                 for k, v in answer.items() if v != "don't know"]
        rest = "; the rest: don't know" if len(known) < len(answer) else ""
        return ("; ".join(known) or "don't know") + (rest if known else "")
    return str(answer)


def _parse_cases(inputs: list[tuple[str, str]]) -> list[BaseModel]:
    """Validate every input; exit status 2 with one line per problem in any of them."""
    cases = []
    problems: list[str] = []
    for name, text in inputs:
        try:
            cases.append(parse_case_text(text, name))
        except CaseError as err:
            problems += [_where(name, p) for p in err.problems]
    if problems:
        _fail(problems)
    return cases


def _where(name: str, problem: Problem) -> str:
    if problem.path == name:
        return f"{name}: {problem.message}"
    return f"{name}: {problem}"


@app.command()
def schema(
    which: Annotated[SchemaName, typer.Argument(help="case or assessment")],
) -> None:
    """Print the JSON Schema of a case or of an assessment."""
    from crux.contract import assessment_json_schema, case_json_schema

    data = case_json_schema() if which is SchemaName.case else assessment_json_schema()
    typer.echo(json.dumps(data, indent=2))


@kb_app.command("check")
def kb_check() -> None:
    """Validate the knowledge base: ids, cycles, sources, reachability, vocabulary."""
    from crux.knowledge import KnowledgeError, check_knowledge, load_knowledge

    try:
        kb = load_knowledge()
    except KnowledgeError as err:
        _fail(err.problems, code=1)
    problems = check_knowledge(kb)
    if problems:
        _fail(problems, code=1)
    typer.echo(
        f"knowledge {kb.version}: sound ({len(kb.nodes)} nodes, {len(kb.edges)} edges, "
        f"{len(kb.findings)} findings, {len(kb.rules)} red-flag rules, "
        f"{len(kb.sources)} sources)"
    )


@kb_app.command("export")
def kb_export(
    export_format: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="bif or xmlbif")
    ] = ExportFormat.bif,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file to write; standard output if absent")
    ] = None,
) -> None:
    """Write the compiled network in a standard Bayesian-network format."""
    from crux.knowledge.compile import shipped_network
    from crux.reasoning.export import to_bif, to_xmlbif

    network = shipped_network()
    text = to_bif(network) if export_format is ExportFormat.bif else to_xmlbif(network)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output} ({export_format.value})", err=True)


class TextOrJson(StrEnum):
    text = "text"
    json = "json"


def _knowledge() -> KnowledgeBase:
    """The shipped knowledge base; exit status 1 with one line per problem if unreadable."""
    from crux.knowledge import KnowledgeError, load_knowledge

    try:
        return load_knowledge()
    except KnowledgeError as err:
        _fail(err.problems, code=1)


@kb_app.command("stats")
def kb_stats(
    output_format: Annotated[
        TextOrJson, typer.Option("--format", "-f", help="text for people, json for programs")
    ] = TextOrJson.text,
) -> None:
    """Count what the knowledge base holds: nodes, links, findings, rules, sources, claims."""
    from crux.knowledge.stats import knowledge_stats, render_stats_text

    stats = knowledge_stats(_knowledge())
    if output_format is TextOrJson.json:
        typer.echo(json.dumps(stats.to_dict(), indent=2))
    else:
        typer.echo(render_stats_text(stats), nl=False)


@kb_app.command("explain")
def kb_explain(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="a node, finding or rule id")],
    output_format: Annotated[
        TextOrJson, typer.Option("--format", "-f", help="text for people, json for programs")
    ] = TextOrJson.text,
) -> None:
    """Explain one node, finding or red-flag rule: its causes, effects and sources."""
    from crux.knowledge.describe import UnknownId, explain, render_explanation_text, to_json

    try:
        explanations = explain(_knowledge(), item_id)
    except UnknownId as err:
        _fail([err.message()])
    if output_format is TextOrJson.json:
        typer.echo(json.dumps(to_json(explanations), indent=2))
    else:
        typer.echo(render_explanation_text(explanations), nl=False)


@kb_app.command("report")
def kb_report(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="the HTML file to write")
    ] = Path("crux-knowledge.html"),
) -> None:
    """Write the whole knowledge base, with a drawing of the causal graph, as one HTML page."""
    from crux.knowledge.report import DrawingUnavailable, draw_svg, graph_dot, render_report

    kb = _knowledge()
    svg: str | None = None
    note = ""
    try:
        svg = draw_svg(graph_dot(kb))
    except DrawingUnavailable as err:
        note = str(err)
        typer.echo(f"warning: {note}", err=True)
    try:
        output.write_text(render_report(kb, svg, note), encoding="utf-8")
    except OSError as err:
        _fail([f"{output}: cannot be written ({err.strerror})"])
    typer.echo(f"wrote {output}", err=True)


@kb_app.command("coverage")
def kb_coverage(
    output_format: Annotated[
        TextOrJson, typer.Option("--format", "-f", help="text for people, json for programs")
    ] = TextOrJson.text,
) -> None:
    """The claims ledger per source: how many claims, how many encoded, which are not yet."""
    from crux.knowledge.coverage import claims_ledger, render_ledger_text

    ledger = claims_ledger(_knowledge())
    if output_format is TextOrJson.json:
        typer.echo(json.dumps(ledger.to_dict(), indent=2))
    else:
        typer.echo(render_ledger_text(ledger), nl=False)

def _store(url: str | None, migrate: bool = True) -> Any:
    from crux.records import DatabaseError, Store

    try:
        return Store.open(url, migrate=migrate)
    except DatabaseError as err:
        _fail([str(err)], code=2)


@db_app.command("upgrade")
def db_upgrade(url: UrlOption = None) -> None:
    """Create or migrate the database's tables to the newest version (Alembic)."""
    from crux.records import current, head

    store = _store(url, migrate=False)
    before = current(store.engine)
    store.upgrade()
    after = current(store.engine)
    if before == after:
        typer.echo(f"{store.url}: already at {after} (the newest)")
    else:
        typer.echo(f"{store.url}: migrated from {before or 'empty'} to {after}")
    if after != head():
        _fail([f"{store.url}: at {after}, not at the newest migration {head()}"], code=1)


@db_app.command("current")
def db_current(url: UrlOption = None) -> None:
    """Print the database's migration and the newest one."""
    from crux.records import current, head

    store = _store(url, migrate=False)
    typer.echo(f"{store.url}: at {current(store.engine) or 'empty'}; newest {head()}")


def _password(prompt: str) -> str:
    """From CRUX_PASSWORD (scripts) or the terminal, asked twice."""
    import os

    given = os.environ.get("CRUX_PASSWORD")
    if given:
        return given
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


def _refused(err: Exception) -> None:
    """A refusal by the records, one line per problem, naming the field."""
    from pydantic import ValidationError

    from crux.records import RecordsError

    if isinstance(err, ValidationError):
        _fail([f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()])
    if isinstance(err, RecordsError):
        _fail([f"{err.field}: {err.message}" if err.field else err.message])
    raise err


@clinic_app.command("create")
def clinic_create(
    name: Annotated[str, typer.Argument(help="the clinic's name")],
    admin_email: Annotated[str, typer.Option("--admin-email", help="its first user, an admin")],
    admin_name: Annotated[str, typer.Option("--admin-name", help="the admin's name")],
    url: UrlOption = None,
) -> None:
    """Create a clinic and its first admin (password from CRUX_PASSWORD or asked)."""
    from crux.records import UserIn, create_clinic

    store = _store(url)
    try:
        admin = UserIn(email=admin_email, name=admin_name, role="admin",
                       password=_password("Admin's password"))
        with store.transaction() as db:
            clinic, user = create_clinic(db, name, admin)
    except Exception as err:
        _refused(err)
    typer.echo(f"clinic {clinic.id} ({clinic.name}) with admin {user.email}")


@clinic_app.command("add-user")
def clinic_add_user(
    clinic: Annotated[int, typer.Argument(help="the clinic's number")],
    email: Annotated[str, typer.Option("--email", help="the user's email, to sign in with")],
    name: Annotated[str, typer.Option("--name", help="the user's name")],
    role: Annotated[str, typer.Option("--role", help="admin or practitioner")] = "practitioner",
    url: UrlOption = None,
) -> None:
    """Add a user to a clinic (password from CRUX_PASSWORD or asked)."""
    from crux.records import Actor, UserIn, add_user

    store = _store(url)
    try:
        new = UserIn(email=email, name=name, role=role, password=_password("Password"))
        with store.transaction() as db:
            user = add_user(db, Actor(clinic, "system"), new)
    except Exception as err:
        _refused(err)
    typer.echo(f"user {user.id} ({user.email}, {user.role}) in clinic {clinic}")


DEMO_EMAIL = "demo@crux.example"


def _demo_clinic(store: Any) -> str | None:
    """With no clinic yet, a demo clinic and practitioner to try the clinician's pages;
    returns the new password to print (None when a clinic already exists)."""
    import secrets

    from crux.records import UserIn, clinics_exist, create_clinic

    with store.transaction() as db:
        if clinics_exist(db):
            return None
        password = secrets.token_urlsafe(9)
        create_clinic(db, "Demo clinic", UserIn(email=DEMO_EMAIL, name="Demo practitioner",
                                                role="admin", password=password))
    return password


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="the address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="the port")] = 8000,
    url: UrlOption = None,
    demo: Annotated[bool, typer.Option(
        "--demo", help="when no clinic exists, create a demo clinic and print its sign-in"),
    ] = False,
) -> None:
    """Serve the web app and the HTTP API (uvicorn) on the database, migrated first."""
    import uvicorn

    from crux.assess import shipped_model
    from crux.web import create_web_app

    store = _store(url)
    shipped_model()  # compile the knowledge before the first request
    if demo:
        password = _demo_clinic(store)
        if password:
            typer.echo(f"Demo clinic created: sign in as {DEMO_EMAIL} with {password}")
    typer.echo(f"Crux is at http://{host}:{port}/ (API at /api/v1, docs at /docs); "
               f"records in {store.url}")
    uvicorn.run(create_web_app(store), host=host, port=port, log_level="warning")


@movement_app.command("analyse")
def movement_analyse(
    media: Annotated[Path, typer.Argument(help="a video (mp4, mov, avi) or a photograph")],
    view: Annotated[View, typer.Option("--view", help="where the camera was: side or front")],
    activity: Annotated[Activity, typer.Option(
        "--activity", help="running, standing or squat")],
    output_format: Annotated[TextOrJson, typer.Option(
        "--format", "-f", help="text for people, json for programs")] = TextOrJson.text,
    annotated: Annotated[Path | None, typer.Option(
        "--annotated", help="write the key frames, skeleton and angles drawn, as PNG here")
    ] = None,
    into: Annotated[Path | None, typer.Option(
        "--into", help="add the measurements to this case file (JSON), in place")] = None,
    video_out: Annotated[Path | None, typer.Option(
        "--annotated-video", help="write the clip with the skeleton drawn (mp4) here")
    ] = None,
) -> None:
    """Measure posture (a photograph or video standing) or running gait (a video) in the
    contract's measurement ids, each with its confidence and the frames it came from."""
    from crux.contract import CaseError, parse_case_text
    from crux.movement import (
        MovementError,
        PoseUnavailable,
        analyse,
        annotate,
        annotated_video,
    )

    case = None
    if into is not None:  # refuse a bad case before the (slow) analysis
        try:
            case = parse_case_text(into.read_text(encoding="utf-8"), str(into)).known()
        except OSError as err:
            _fail([f"--into: {err.strerror}: {into}"])
        except CaseError as err:
            _fail([_where(str(into), p) for p in err.problems])
    if video_out is not None and media.suffix.lower() in (".jpg", ".jpeg", ".png", ".bmp",
                                                          ".webp", ".tif", ".tiff"):
        _fail([f"--annotated-video: {media.name} is a photograph; use --annotated"])
    try:
        result = analyse(media, view.value, activity.value)  # type: ignore[arg-type]
        written = annotate(result, media, annotated) if annotated is not None else []
        if video_out is not None:
            written.append(annotated_video(result, media, video_out))
    except MovementError as err:
        _fail([f"{media}: {err}"])
    except PoseUnavailable as err:
        _fail([str(err)], code=1)
    if into is not None and case is not None:
        try:
            updated = result.into_case(case)
        except CaseError as err:
            _fail([_where(str(into), p) for p in err.problems])
        tmp = into.with_suffix(into.suffix + ".tmp")
        tmp.write_text(json.dumps(updated, indent=2) + "\n", encoding="utf-8")
        tmp.replace(into)  # all or nothing: the case file is never half-written
    if output_format is TextOrJson.json:
        data = result.as_json()
        data["annotated"] = [str(p) for p in written]
        typer.echo(json.dumps(data, indent=2))
        return
    from crux.vocabulary import load_vocabulary

    terms = load_vocabulary().measurements
    s = result.series
    typer.echo(f"{media.name}: {view.value} view, {activity.value}; {s.frames} frame(s)"
               + (f" at {s.fps:g} fps ({s.seconds:.1f} s)" if s.fps else " (a photograph)"))
    for m in result.measures:
        side = f" ({m.side})" if m.side else ""
        frames = (f"frames {m.frames[0]}-{m.frames[-1]} ({len(m.frames)})" if len(m.frames) > 1
                  else f"frame {m.frames[0]}" if m.frames else "")
        typer.echo(f"  {terms[m.id].meaning}{side}: {m.value:.1f} {m.unit}  "
                   f"[{m.id}; confidence {m.confidence:.2f}; {frames}]")
        if m.note:
            typer.echo(f"      {m.note}")
    for n in result.not_measured:
        typer.echo(f"  not measured: {n.id}: {n.reason}")
    for p in written:
        typer.echo(f"wrote {p}")
    if into is not None:
        added = result.measurements()
        typer.echo(f"added {len(added)} measurement(s) to {into}"
                   + ("" if len(added) == len({m.id for m in result.measures}) else
                      " (those below a confidence of 0.3 are shown, not added)"))


def main() -> None:
    app()
