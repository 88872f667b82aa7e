"""The coordinator's day through the CLI: init, match with monitoring, introduce."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from mentormatch.cli import app
from tests.conftest import EXAMPLES, MIND_EXPORT, MIND_RULES

runner = CliRunner()
EXPORTS = sorted(
    p for p in EXAMPLES.glob("*/*") if p.suffix in {".xlsx", ".csv"} and p.stem not in {"expected", "members"}
)


@pytest.mark.parametrize("export", EXPORTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_init_writes_a_rule_file_that_rules_check_accepts(export: Path, tmp_path: Path) -> None:
    draft = tmp_path / "draft.yaml"
    result = runner.invoke(app, ["init", str(export), "-o", str(draft)])
    assert result.exit_code == 0, result.output
    checked = runner.invoke(app, ["rules", "check", str(draft)])
    assert checked.exit_code == 0, checked.output
    validated = runner.invoke(app, ["validate", str(export), "--rules", str(draft)])
    assert validated.exit_code == 0, validated.output


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    draft = tmp_path / "draft.yaml"
    draft.write_text("keep")
    result = runner.invoke(app, ["init", str(MIND_EXPORT), "-o", str(draft)])
    assert result.exit_code == 1 and draft.read_text() == "keep"


@pytest.fixture(scope="module")
def matched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("day")
    pairs, monitoring = folder / "pairs.xlsx", folder / "monitoring.xlsx"
    args = [
        "match",
        str(MIND_EXPORT),
        "--rules",
        str(MIND_RULES),
        "-o",
        str(pairs),
        "--monitoring",
        str(monitoring),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return pairs, monitoring


def test_monitoring_workbook_is_separate_and_suppresses_small_counts(matched: tuple[Path, Path]) -> None:
    pairs, monitoring = matched
    wb = openpyxl.load_workbook(monitoring, read_only=True)
    values = [v for ws in wb for row in ws.iter_rows(values_only=True) for v in row]
    counts = [v for v in values if isinstance(v, int)]
    assert all(v == 0 or v >= 5 for v in counts)
    assert "<5" in values
    assert not [v for v in values if isinstance(v, str) and "@" in v]
    assert "Monitoring" not in openpyxl.load_workbook(pairs, read_only=True).sheetnames


def test_introduce_writes_one_parseable_email_per_pair(matched: tuple[Path, Path], tmp_path: Path) -> None:
    pairs, _monitoring = matched
    outbox = tmp_path / "outbox"
    args = [
        "introduce", str(pairs), "--rules", str(MIND_RULES), "--template",
        str(EXAMPLES / "introduction-template.txt"), "-o", str(outbox),
        "--coordinator", "Sam Lee <sam.lee@nhs.net>",
    ]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(pairs, read_only=True)["Matches"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    expected = {
        frozenset({r[header.index("Mentee email")], r[header.index("Mentor email")]}) for r in rows[1:]
    }
    emls = sorted(outbox.glob("*.eml"))
    assert len(emls) == len(expected)
    seen = set()
    for path in emls:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        to = frozenset(a.addr_spec for a in message["To"].addresses)
        seen.add(to)
        assert [a.addr_spec for a in message["Cc"].addresses] == ["sam.lee@nhs.net"]
        assert message["Subject"] and "{" not in message.get_content()
    assert seen == expected
    assert (outbox / "mail-merge.csv").is_file()


def test_mind_workbook_converts_to_pdf_with_libreoffice(matched: tuple[Path, Path], tmp_path: Path) -> None:
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    pairs, _monitoring = matched
    profile = tmp_path / "profile"
    result = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(pairs)],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "pairs.pdf"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
