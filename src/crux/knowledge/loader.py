"""Reads the knowledge files from package data (or a given folder) and validates their shape."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from crux.knowledge.schema import KnowledgeBase, KnowledgeFile, PlanRules, Scales

SPECIAL_FILES = ("scales.yaml", "plan_rules.yaml")


class KnowledgeError(Exception):
    """The knowledge files could not be read; ``problems`` has one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _validate(model: type, data: Any, where: str, problems: list[str]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        for e in err.errors():
            problems.append(f"{where}: {_loc(e['loc'])}: {e['msg']}")
        return None


def data_dir() -> Path:
    return Path(str(resources.files("crux").joinpath("knowledge").joinpath("data")))


def read_knowledge(folder: Path) -> KnowledgeBase:
    """Read every knowledge file in ``folder``; raise KnowledgeError listing all problems."""
    problems: list[str] = []
    files = sorted(folder.glob("*.yaml"))
    digest = hashlib.sha256()
    raw: dict[str, Any] = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        digest.update(path.name.encode() + b"\0" + text.encode())
        try:
            raw[path.name] = yaml.safe_load(text) or {}
        except yaml.YAMLError as err:
            problems.append(f"{path.name}: not valid YAML: {err}")
    for name in SPECIAL_FILES:
        if name not in raw:
            problems.append(f"{name}: missing from {folder}")
    if problems:
        raise KnowledgeError(problems)

    scales = _validate(Scales, raw["scales.yaml"], "scales.yaml", problems)
    plan_rules = _validate(PlanRules, raw["plan_rules.yaml"], "plan_rules.yaml", problems)
    parts: list[KnowledgeFile] = []
    for name, data in raw.items():
        if name in SPECIAL_FILES:
            continue
        part = _validate(KnowledgeFile, data, name, problems)
        if part is not None:
            parts.append(part)
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(
        version=digest.hexdigest()[:12],
        scales=scales,
        sources=tuple(s for p in parts for s in p.sources),
        nodes=tuple(n for p in parts for n in p.nodes),
        edges=tuple(e for p in parts for e in p.edges),
        findings=tuple(f for p in parts for f in p.findings),
        rules=tuple(r for p in parts for r in p.rules),
        interventions=tuple(i for p in parts for i in p.interventions),
        claims=tuple(c for p in parts for c in p.claims),
        questions=tuple(q for p in parts for q in p.questions),
        screens=tuple(s for p in parts for s in p.screens),
        pain_words={k: v for p in parts for k, v in p.pain_words.items()},
        plan_rules=plan_rules,
    )


@cache
def load_knowledge() -> KnowledgeBase:
    """The knowledge base shipped with the package (read and validated once)."""
    return read_knowledge(data_dir())
