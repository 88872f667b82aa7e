"""Shared fixtures: paths to the bundled rule files and examples."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
EXAMPLES = ROOT / "examples"
MIND_RULES = RULES / "kent-medway-mind-2022.yaml"
MIND_EXPORT = EXAMPLES / "kent-medway-mind-2022" / "applications.xlsx"


@pytest.fixture
def root() -> Path:
    return ROOT
