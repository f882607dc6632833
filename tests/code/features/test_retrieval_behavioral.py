"""Behavioural tests of `prepops retrieve`, after Made-With-ML's tests/model/test_behavioral.py:
invariance (changes that must not move the pick), direction (changes that must move it to a
known packet) and minimum functionality, plus the two rules of issue 16: a debugging question
never gets a packet without the debugging mode when one exists, and a model-quality question
never gets a latency metric when a quality metric exists.

The workspace is the demo plus two packets that tempt word overlap (a latency packet full of
model-quality words, a debugging packet with a quality metric), built in a tmp dir with the
demo's champion router. The rules are also checked on the labelled question set and on
`prepops synth` workspaces (as properties over generated packets: test_retriever.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from prepops.cli.app import app
from prepops.data.lightread import company_cards, evidence
from prepops.data.workspace import load
from prepops.features import retriever
from prepops.features.retrieval import metrics
from prepops.model.router import Router
from prepops.model.routing import card_stories
from tests.code.model.test_router import demo_router, labelled_set
from tests.conftest import DEMO

runner = CliRunner()
TEMPTING = [
    {  # debugging, with a quality metric: what a model-quality incident should get
        "id": "fraud-model-recall",
        "title": "Find why the fraud model's recall slid",
        "story": "Fraud recall slid after an upstream team changed a feature's units; I "
        "compared feature distributions day by day and fixed the contract between the teams.",
        "metric": {"name": "fraud model recall", "value": 84, "unit": "%", "baseline": 71},
        "failure_mode": "The drift monitor watched only nulls; a chargeback report showed it.",
        "outcome": "Feature contracts now carry units and a distribution check.",
        "modes": ["debugging", "research"],
        "keywords": ["drift", "recall", "fraud", "feature contract"],
    },
    {  # research and architecture, full of model-quality words, but a latency metric
        "id": "ranking-model-serving",
        "title": "Serve a new ranking model within the click-through page budget",
        "story": "The new ranking model won on click-through in offline evaluation but was too "
        "slow; I distilled it, evaluated it on the same holdout, and served it behind a canary.",
        "metric": {"name": "ranking model p95 latency", "value": 35, "unit": "ms", "baseline": 120},
        "failure_mode": "The distilled model's feature cache went stale on deploys; a canary "
        "comparing click-through with the old model caught it within the hour.",
        "outcome": "The new ranking model shipped on time.",
        "modes": ["research", "architecture"],
        "keywords": ["ranking", "model", "evaluation", "click-through", "distillation"],
    },
]


def make_project(root: Path, router: Router) -> Path:
    """A project at `root`: the demo workspace plus TEMPTING in data/, and the champion."""
    shutil.copytree(DEMO, root / "data", ignore=shutil.ignore_patterns("processed"))
    for doc in TEMPTING:
        path = root / "data" / "evidence" / f"{doc['id']}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    (root / "params.yaml").write_text("workspace: data\n")
    (root / "dvc.yaml").write_text("stages: {}\n")
    champion = root / "reports" / "router" / "champion.json"
    champion.parent.mkdir(parents=True)
    champion.write_text(json.dumps(router.to_dict()))
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project, with the demo's router fitted once for the module."""
    return make_project(tmp_path_factory.mktemp("retrieval"), demo_router())


@pytest.fixture(scope="module")
def champion(project: Path) -> Router:
    """The router as `prepops retrieve` loads it (from the exported JSON)."""
    return Router.load(project / "reports" / "router" / "champion.json")


def cli(project: Path, question: str, *args: str) -> dict:
    """`prepops retrieve --json` in the project, as a user runs it."""
    env = {"PREPOPS_ROOT": str(project)}
    result = runner.invoke(app, ["retrieve", question, "--json", *args], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def packets_of(ws: Path) -> dict[str, dict]:
    return {p["id"]: p for p in evidence(ws)[0]}


def one_packet(out: dict) -> bool:
    """Story, metric and failure mode all come from the picked packet."""
    return {out[s]["evidence_id"] for s in ("story", "metric", "failure_mode")} == {
        out["evidence_id"]
    }


def test_the_test_workspace_is_valid(project: Path) -> None:
    assert [str(p) for p in load(project / "data").problems] == []


@pytest.mark.parametrize(
    "input_a, input_b, label",
    [
        (  # a company's name in the question
            "At Helix our p99 doubled after the deploy. What now?",
            "At Corvid our p99 doubled after the deploy. What now?",
            "checkout-latency",
        ),
        (  # a non-content word
            "How would you debug a sudden drop in click-through?",
            "How could you debug a sudden drop in click-through?",
            "fraud-model-recall",
        ),
        (
            "How would you evaluate whether the new ranking model is better?",
            "So how would you evaluate whether the new ranking model is really better?",
            "ranking-experiment",
        ),
    ],
)
def test_invariance(project: Path, input_a: str, input_b: str, label: str) -> None:
    """INVariance: changes that carry no content do not change the pick."""
    assert cli(project, input_a)["evidence_id"] == cli(project, input_b)["evidence_id"] == label


def test_invariance_to_renaming_a_company(tmp_path: Path, champion: Router, project) -> None:
    """INVariance: the same card under another name gives the same pick, and names it."""
    renamed = make_project(tmp_path, champion)
    for path in (renamed / "data").rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("Helix Robotics", "Corvid Logistics"), encoding="utf-8")
    question = "What would you do about our search?"
    before = cli(project, question, "--company", "Helix Robotics")
    after = cli(renamed, question, "--company", "Corvid Logistics")
    assert before["evidence_id"] == after["evidence_id"]
    assert after["why"]["company"] == "Corvid Logistics"
    assert after["evidence_id"] in company_cards(renamed / "data")["Corvid Logistics"]["stories"]


@pytest.mark.parametrize(
    "base, signal, mode",
    [
        (
            "Tell me about the pricing page.",
            "Tell me about the pricing page. It broke after a deploy: how would you debug it?",
            "debugging",
        ),
        (
            "Tell me about the Kafka cluster.",
            "Tell me about the Kafka cluster. Which would you prioritize for users, and why?",
            "product",
        ),
        (
            "Tell me about the checkout latency work.",
            "Tell me about the checkout latency work. How did you lead the team through it?",
            "leadership",
        ),
    ],
)
def test_directional(project: Path, base: str, signal: str, mode: str) -> None:
    """DIRectional: adding a mode's signal words moves the pick to a packet of that mode."""
    ws = packets_of(project / "data")
    before, after = cli(project, base), cli(project, signal)
    assert mode not in ws[before["evidence_id"]]["modes"]
    assert after["mode"] == mode and mode in ws[after["evidence_id"]]["modes"]


@pytest.mark.parametrize(
    "question, label",
    [
        ("Our checkout page got 3x slower after Tuesday's deploy. What now?", "checkout-latency"),
        ("Two of my engineers are burning out from on-call. What do you do?", "oncall-burnout"),
        ("Which of ten requested changes would you ship first?", "pricing-page-launch"),
        ("Design a streaming feature pipeline for fraud scoring.", "feature-store-migration"),
        ("How would you evaluate a new ranking model?", "ranking-experiment"),
        (
            "Fraud recall slid after an upstream change. How do you find out why?",
            "fraud-model-recall",
        ),
    ],
)
def test_mft(project: Path, question: str, label: str) -> None:
    """Minimum Functionality Tests: plain questions, the packet they are about."""
    out = cli(project, question)
    assert out["evidence_id"] == label and one_packet(out)  # one packet, never a mix


def test_the_printed_packet_keeps_its_baseline_and_says_why(project: Path) -> None:
    env = {"PREPOPS_ROOT": str(project)}
    question = "Our checkout page got 3x slower after Tuesday's deploy. What now?"
    result = runner.invoke(app, ["retrieve", question, "--company", "helix robotics"], env=env)
    assert result.exit_code == 0, result.output
    metric = packets_of(project / "data")["checkout-latency"]["metric"]
    expected = f"{metric['name']}: {metric['baseline']} -> {metric['value']} {metric['unit']}"
    assert f"metric: {expected}" in result.stdout
    why = [line for line in result.stdout.splitlines() if line.startswith("why: ")]
    assert len(why) == 1 and "serves debugging" in why[0] and "Helix Robotics" in why[0]


# The rules over many questions: routing and retrieval wired as `prepops retrieve` wires them
# (checked against the CLI below), with the router loaded once.


def picked(router: Router, packets: list[dict], question: str, card: dict) -> dict:
    routed = router.route(question, card.get("primary_mode"), card.get("secondary_mode"))
    out = retriever.retrieve(
        question,
        packets,
        routed["mode"],
        card_stories(card),
        secondary=routed["secondary"],
        company=card.get("company"),
    )
    return {"mode": routed["mode"], **out}


def questions(ws: Path) -> list[str]:
    """The labelled set and the workspace's own logged questions."""
    logged = [
        q["text"]
        for path in sorted((ws / "rounds").glob("*.yaml"))
        for q in yaml.safe_load(path.read_text(encoding="utf-8")).get("questions") or []
    ]
    return [text for text, _, _ in labelled_set()] + logged


def test_the_bulk_wiring_is_the_cli(project: Path, champion: Router) -> None:
    ws = project / "data"
    packets, cards = evidence(ws)[0], company_cards(ws)
    for question in questions(ws)[::40]:
        for company in (None, "Lumen Health"):
            args = ("--company", company) if company else ()
            card = cards.get(company, {})
            assert cli(project, question, *args) == picked(champion, packets, question, card)


def test_a_debugging_question_never_gets_a_packet_without_debugging(
    project: Path, champion: Router
) -> None:
    ws = project / "data"
    packets, cards = evidence(ws)[0], [{}, *company_cards(ws).values()]
    routed = 0
    for question in questions(ws):
        for card in cards:
            out = picked(champion, packets, question, card)
            if out["mode"] == "debugging":
                routed += 1
                assert "debugging" in packets_of(ws)[out["evidence_id"]]["modes"], question
    assert routed >= 32  # the rule was exercised on many questions


def test_a_quality_question_never_gets_a_latency_metric(project: Path, champion: Router) -> None:
    ws = project / "data"
    packets, cards = evidence(ws)[0], [{}, *company_cards(ws).values()]
    own = [
        "The recommendation model's click-through fell after a data pipeline change. Debug it.",
        "How would you know whether the new search ranking model is better?",
        "Precision on the fraud model dropped last week. Where do you look?",
        "How would you measure the accuracy of a classifier before launch?",
    ]
    checked = 0
    for question in [*own, *questions(ws)]:
        if "quality" not in metrics.asked(question) or "latency" in metrics.asked(question):
            continue
        for card in cards:
            out = picked(champion, packets, question, card)
            served = [p for p in packets if out["mode"] in p["modes"]] or packets
            if any(metrics.kind(p["metric"]) == "quality" for p in served):
                checked += 1
                assert out["metric"]["kind"] == "quality", (question, out["evidence_id"])
    assert checked >= 4 * len(cards)


@pytest.mark.parametrize("seed, companies", [(0, 3), (7, 6)])
def test_synthetic_workspaces(tmp_path: Path, project: Path, seed: int, companies: int) -> None:
    """Data this test did not write: every pick is one packet of the routed mode."""
    ws = tmp_path / "synth"
    made = runner.invoke(
        app,
        ["synth", str(ws), "--rounds", "20", "--seed", str(seed), "--companies", str(companies)],
    )
    assert made.exit_code == 0, made.output
    names = [None, *company_cards(ws)]
    by_id = packets_of(ws)
    for i, question in enumerate(questions(project / "data")[::16]):
        company = names[i % len(names)]
        args = ("--workspace", str(ws), *(("--company", company) if company else ()))
        out = cli(project, question, *args)
        assert out["mode"] in by_id[out["evidence_id"]]["modes"] and one_packet(out)
        assert " -> " in out["metric"]["text"]  # synth metrics have a baseline
