"""Fitting the router (scikit-learn): training documents, cross-validation, export.

The labelled questions come from model.labels. The classifier also reads the cue phrases
(built-in and the user's expert cards) and the cards' keywords as short labelled documents,
so a workspace with few logged questions still gets a usable model.
"""

from __future__ import annotations

import hashlib
from importlib import resources

import numpy as np
import pandas as pd
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold

from prepops.data.contract import MODES
from prepops.model import router
from prepops.model.labels import (  # noqa: F401  re-exported: callers read them as fitting.*
    card_cues,
    card_keywords,
    company_modes,
    inputs,
    labelled_questions,
)
from prepops.runtime.settings import Router as RouterSettings  # params.yaml `router`


def seed_questions() -> dict[str, list[str]]:
    """Packaged example questions per mode (resources/seed_questions.yaml), for training."""
    text = resources.files("prepops").joinpath("resources/seed_questions.yaml").read_text("utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _documents(
    questions: pd.DataFrame,
    cues: list[router.Cue],
    keywords: dict[str, list[str]],
    recipe: RouterSettings,
) -> tuple[list[str], list[str], list[float]]:
    texts, labels, weights = [], [], []
    if recipe.use_seed_questions:
        for mode, seeds in seed_questions().items():
            texts += seeds
            labels += [mode] * len(seeds)
            weights += [1.0] * len(seeds)
    for cue in cues:
        texts.append(cue.phrase.replace("*", ""))
        labels.append(cue.mode)
        weights.append(cue.weight / 2)
    for mode, words in keywords.items():
        for word in words:
            texts.append(word)
            labels.append(mode)
            weights.append(0.5)
    texts += list(questions["text"])
    labels += list(questions["label"])
    weights += [recipe.question_weight] * len(questions)
    return texts, labels, weights


def fit_classifier(
    texts: list[str], labels: list[str], weights: list[float], C: float
) -> tuple[TfidfVectorizer, LogisticRegression]:
    """Fit tf-idf over `router.features` and a weighted logistic regression on the texts."""
    vec = TfidfVectorizer(analyzer=router.features, sublinear_tf=True)
    x = vec.fit_transform(texts)
    # the same convex objective as lbfgs; newton-cg solves it here in 6 steps, 15x faster
    model = LogisticRegression(C=C, solver="newton-cg", max_iter=500)
    model.fit(x, labels, sample_weight=weights)
    return vec, model


def export(vec: TfidfVectorizer, model: LogisticRegression) -> tuple[dict, list[float]]:
    """The fitted numbers as plain data: per feature its idf and one coefficient per mode."""
    n_features = len(vec.vocabulary_)
    coef = np.zeros((len(MODES), n_features))
    bias = np.full(len(MODES), -30.0)  # a mode with no training text is never predicted
    rows, biases = model.coef_, model.intercept_
    if len(model.classes_) == 2:  # sklearn keeps one row; as a softmax it is +-half of it
        rows = np.vstack([-rows[0] / 2, rows[0] / 2])
        biases = np.array([-biases[0] / 2, biases[0] / 2])
    for mode, row, b in zip(model.classes_, rows, biases, strict=True):
        coef[MODES.index(mode)] = row
        bias[MODES.index(mode)] = b
    # one row per feature: [idf, coefficient per mode]; rounded in numpy (per value in Python
    # it took 0.1 s per fit, 6 fits per train_router)
    table = np.round(np.column_stack([vec.idf_, coef.T]), 6).tolist()
    terms = {feat: table[j] for feat, j in vec.vocabulary_.items()}
    return terms, np.round(bias, 6).tolist()


def fit(
    questions: pd.DataFrame,
    cards: dict[str, list[str]],
    keywords: dict[str, list[str]],
    recipe: RouterSettings,
    meta: dict | None = None,
) -> router.Router:
    """Fit a router; it stays rules-only if the classifier is off or sees fewer than two labels."""
    cues = (router.builtin_cues() if recipe.use_builtin_cues else []) + router.card_cues(
        cards, recipe.card_cue_weight
    )
    terms: dict[str, list[float]] = {}
    intercept = [0.0] * len(MODES)
    texts, labels, weights = _documents(questions, cues, keywords, recipe)
    if recipe.use_classifier and len(set(labels)) >= 2:
        terms, intercept = export(*fit_classifier(texts, labels, weights, recipe.C))
    return router.Router(
        terms=terms,
        intercept=intercept,
        sublinear_tf=True,
        cues=cues,
        weights=recipe.weights.model_dump(),
        prior_masses=dict(router.DEFAULT_PRIOR),
        secondary_min=recipe.secondary_min,
        meta={"kind": "fitted" if terms else "rules-only", **(meta or {})},
    )


def predict(model: router.Router, questions: pd.DataFrame, companies: dict) -> list[str]:
    """The routed mode of each question, using its company card as the prior."""
    # a question asked again at the same company routes the same: route each pair once
    pairs = list(zip(questions["text"], questions["company"], strict=True))
    routed = {
        (text, company): model.route(text, *companies.get(company, (None, None)))["mode"]
        for text, company in dict.fromkeys(pairs)
    }
    return [routed[pair] for pair in pairs]


# Cross-validation refits the router once a fold: at 30,000 labelled questions five folds
# took 25 s of the stage. Above CV_SAMPLE questions it runs on a stratified sample of that
# many (each label in its own share): its accuracy is then known to within about +-1.4
# points (95%), and the candidate itself is still fitted on every training question.
CV_SAMPLE = 5_000


def cv_sample(labels: pd.Series, size: int = CV_SAMPLE, seed: int = 0) -> np.ndarray:
    """Positions of the questions to cross-validate: all up to `size`; above it a stratified
    random sample of about `size` (each label keeps its share, at least one), in order."""
    n = len(labels)
    if n <= size:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    values = labels.to_numpy()
    picked = []
    for label in sorted(set(values)):
        members = np.flatnonzero(values == label)
        take = max(1, round(len(members) * size / n))
        picked.append(rng.choice(members, size=take, replace=False))
    return np.sort(np.concatenate(picked))


def cross_validate(
    questions: pd.DataFrame,
    cards: dict[str, list[str]],
    keywords: dict[str, list[str]],
    companies: dict,
    recipe: RouterSettings,
) -> pd.Series:
    """Held-out prediction for every labelled question (k-fold; stratified when possible);
    above CV_SAMPLE questions for a stratified sample of them, None for the rest."""
    folds, seed = recipe.cv_folds, recipe.seed
    preds = pd.Series([None] * len(questions), index=questions.index, dtype=object)
    positions = cv_sample(questions["label"], CV_SAMPLE, seed)
    sample = questions.iloc[positions]
    n = len(sample)
    if n < 2:
        return preds
    smallest = sample["label"].value_counts().min()
    k = max(2, min(folds, n))
    splitter = (
        StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        if smallest >= k
        else KFold(n_splits=k, shuffle=True, random_state=seed)
    )
    for train_idx, test_idx in splitter.split(sample, sample["label"]):
        model = fit(sample.iloc[train_idx], cards, keywords, recipe)
        held = sample.iloc[test_idx]
        preds.iloc[positions[test_idx]] = predict(model, held, companies)
    return preds


def in_gate_set(text: str, fraction: float) -> bool:
    """A stable split by question text: a question is in the gate set forever or never, so no
    model version is ever trained on the questions it is gated on."""
    digest = hashlib.blake2b(text.strip().lower().encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 1000 < fraction * 1000


def accuracy(truth, predicted) -> dict:
    """Top-1 accuracy with its n and a Wilson 95% interval."""
    from prepops.evaluation.calibration import wilson

    pairs = [(t, p) for t, p in zip(truth, predicted, strict=True) if p is not None]
    n = len(pairs)
    right = sum(t == p for t, p in pairs)
    return {
        "n": n,
        "correct": right,
        "accuracy": round(right / n, 4) if n else None,
        "ci95": wilson(right, n),
    }


def misrouting(questions: pd.DataFrame, heldout: pd.Series) -> dict:
    """Questions answered in the wrong mode (mode_used != mode_wanted): which pairs, and
    whether the router (held-out prediction, never fitted on the question) gets them right."""
    judged = questions[questions["label_source"] == "mode_wanted"]
    wrong = judged[judged["mode_used"] != judged["label"]]
    pairs: dict[str, dict] = {}
    for idx, row in wrong.iterrows():
        pair = pairs.setdefault(f"{row['mode_used']}->{row['label']}", {"n": 0, "router_right": 0})
        pair["n"] += 1
        # left out of a sampled cross-validation: no prediction, so not right (a lower
        # bound); the rate over predicted questions alone is router_right below
        pair["router_right"] += int(heldout.get(idx) == row["label"])
    from prepops.evaluation.calibration import wilson

    n, k = len(judged), len(wrong)
    return {
        "n_judged": n,
        "misrouted": k,
        "rate": round(k / n, 4) if n else None,
        "rate_ci95": wilson(k, n),
        "pairs": dict(sorted(pairs.items(), key=lambda kv: -kv[1]["n"])),
        "router_right": accuracy(list(wrong["label"]), [heldout.get(i) for i in wrong.index]),
    }


def split_gate(questions: pd.DataFrame, fraction: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training questions, gate questions), by the stable text hash."""
    mask = np.array([in_gate_set(t, fraction) for t in questions["text"]], dtype=bool)
    return questions.loc[~mask], questions.loc[mask]


def mlflow_params(recipe: RouterSettings) -> dict:
    """The settings as flat MLflow params (weights as weight_<signal>)."""
    flat = recipe.model_dump()
    weights = flat.pop("weights")
    return flat | {f"weight_{k}": v for k, v in weights.items()}


def training_report(q: pd.DataFrame, heldout: pd.Series, decision: dict, folds: int) -> dict:
    """reports/router/training.json: cross-validation, the gate decision, misrouting."""
    cv = accuracy(q["label"], list(heldout))
    return {
        "labelled_questions": len(q),
        "label_sources": q["label_source"].value_counts().to_dict() if len(q) else {},
        "cross_validation": cv | {"folds": folds},
        "gate": decision,
        "misrouting": misrouting(q, heldout),
        "heldout_predictions": [
            {"round_id": r, "label": lab, "routed": p}
            for r, lab, p in zip(q.get("round_id", []), q["label"], heldout, strict=True)
        ],
    }
