"""Introductions: drafts read back from a real pairs workbook, by header name, with rejects skipped."""

from __future__ import annotations

import csv
import email
import email.policy
import shutil
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from mentormatch.cli import app
from mentormatch.errors import ExportError, OutputError
from mentormatch.introduce import (
    MAIL_MERGE,
    PairRecord,
    first_name,
    known_placeholders,
    load_template,
    read_pairs,
    tidy_name,
    write_introductions,
)
from mentormatch.rulefile import Rules, load_rules
from tests.conftest import MIND_EXPORT, MIND_RULES, ROOT

TEMPLATE = ROOT / "examples" / "introduction-template.txt"
COORDINATOR = "Zoë Coördinator <zoe.coordinator@nhs.net>"
COORDINATOR_EMAIL = "zoe.coordinator@nhs.net"


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(MIND_RULES)


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pairs") / "pairs.xlsx"
    result = CliRunner().invoke(app, ["match", str(MIND_EXPORT), "--rules", str(MIND_RULES), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def matches(path: Path) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path, read_only=True)["Matches"]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def parse(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def template_file(tmp_path: Path, text: str, name: str = "template.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def copy_of(workbook: Path, tmp_path: Path) -> Path:
    path = tmp_path / "edited.xlsx"
    shutil.copyfile(workbook, path)
    return path


# --- drafts --------------------------------------------------------------------------------------


def test_one_draft_per_pair_to_both_partners(workbook: Path, rules: Rules, tmp_path: Path) -> None:
    rows = {row["Pair"]: row for row in matches(workbook)}
    pairs = read_pairs(workbook, rules)
    assert len(pairs) == len(rows) > 40
    template = load_template(TEMPLATE, rules)
    written = write_introductions(pairs, template, tmp_path / "outbox", rules=rules, coordinator=COORDINATOR)
    assert len(written) == len(pairs)
    assert sorted(p.name for p in (tmp_path / "outbox").glob("*.eml")) == sorted(p.name for p in written)
    for path in written:
        message = parse(path)
        pair_id = path.name.split("-")[0]
        row = rows[pair_id]
        to = {a.addr_spec for a in message["To"].addresses}
        assert to == {row["Mentee email"], row["Mentor email"]}
        assert len(message["To"].addresses) == 2
        assert [a.addr_spec for a in message["Cc"].addresses] == [COORDINATOR_EMAIL]
        assert [a.addr_spec for a in message["From"].addresses] == [COORDINATOR_EMAIL]
        assert message["X-Unsent"] == "1"
        assert message["Date"] and message["Message-ID"]
        subject = str(message["Subject"])
        assert pair_id in subject and "MIND Programme" in subject
        body = message.get_content()
        assert "{" not in body and "}" not in body
        assert first_name(row["Mentee name"]) in body and first_name(row["Mentor name"]) in body
        assert row["Mentee email"] in body and row["Mentor email"] in body
        assert row["Mentor organisation"] in body
        assert "Zoë Coördinator" in body
        assert path.name.startswith(f"{pair_id}-") and path.suffix == ".eml"
        assert path.name.isascii() and " " not in path.name


def test_accents_survive_in_headers_and_body(workbook: Path, rules: Rules, tmp_path: Path) -> None:
    pairs = read_pairs(workbook, rules)
    accented = [p for p in pairs if not p.receiver_name.isascii()]
    assert accented, "the MIND example has accented names"
    pair = accented[0]
    template = load_template(TEMPLATE, rules)
    [path] = write_introductions([pair], template, tmp_path / "out", rules=rules, coordinator=COORDINATOR)
    raw = path.read_bytes()
    assert raw.isascii()  # encoded words and quoted-printable: safe for any mail system
    message = parse(path)
    names = {a.addr_spec: a.display_name for a in message["To"].addresses}
    assert names[pair.receiver_email] == tidy_name(pair.receiver_name)
    assert not names[pair.receiver_email].isascii()
    assert message["From"].addresses[0].display_name == "Zoë Coördinator"
    assert f"Dear {first_name(pair.receiver_name)} and" in message.get_content()


def test_lower_case_names_get_capitals() -> None:
    assert tidy_name("zoë nguyen") == "Zoë Nguyen"
    assert tidy_name("siobhán o'neill") == "Siobhán O'Neill"
    assert tidy_name("Hui Min McEvans") == "Hui Min McEvans"
    assert first_name("Dr. Amara Mackenzie") == "Amara"
    assert first_name("dr") == "Dr"


def test_resorted_moved_and_rejected_rows(workbook: Path, rules: Rules, tmp_path: Path) -> None:
    before = {p.pair_id: p for p in read_pairs(workbook, rules)}
    edited = copy_of(workbook, tmp_path)
    wb = openpyxl.load_workbook(edited)
    ws = wb["Matches"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    body.sort(key=lambda r: str(r[header.index("Mentee name")]), reverse=True)  # re-sorted
    order = list(reversed(range(len(header))))  # every column moved
    rejected = body[3][header.index("Pair")]
    body[3][header.index("Decision")] = "Reject "
    body[5][header.index("Decision")] = "keep"
    ws.delete_rows(1, ws.max_row)
    for r, values in enumerate([header, *body], start=1):
        for c, index in enumerate(order, start=1):
            ws.cell(row=r, column=c, value=values[index])
    wb.save(edited)

    after = {p.pair_id: p for p in read_pairs(edited, rules)}
    assert rejected not in after
    assert set(after) == set(before) - {rejected}
    for pair_id, pair in after.items():
        old = before[pair_id]
        assert (pair.receiver_email, pair.giver_email, pair.receiver_name, pair.giver_name) == (
            old.receiver_email,
            old.giver_email,
            old.receiver_name,
            old.giver_name,
        )
        assert (pair.receiver_title, pair.giver_title) == (old.receiver_title, old.giver_title)
        assert pair.why == old.why
        assert pair.extra["Mentor organisation"] == old.extra["Mentor organisation"]

    template = load_template(TEMPLATE, rules)
    written = write_introductions(
        list(after.values()), template, tmp_path / "outbox", rules=rules, coordinator=COORDINATOR
    )
    assert len(written) == len(before) - 1
    assert not any(p.name.startswith(f"{rejected}-") for p in written)


def _letter(ws: Any, header: str) -> str:
    """The column letter under a header of the Matches sheet."""
    return str(next(c.column_letter for c in ws[1] if c.value == header))


def test_emails_read_from_the_sheet_are_normalised(workbook: Path, rules: Rules, tmp_path: Path) -> None:
    edited = copy_of(workbook, tmp_path)
    wb = openpyxl.load_workbook(edited)
    ws = wb["Matches"]
    col = _letter(ws, "Mentee email")  # columns are found by header, wherever they are
    original = str(ws[f"{col}2"].value)
    ws[f"{col}2"] = f"  {original.upper()} "  # the same address, typed differently
    wb.save(edited)
    pairs = {p.pair_id: p for p in read_pairs(edited, rules)}
    assert pairs[ws["A2"].value].receiver_email == original
    ws[f"{col}2"] = "  Someone.Else@NHS.net "  # another address: the row no longer matches its Check
    wb.save(edited)
    with pytest.raises(ExportError, match=r"row 2: the pair id, names and emails in this row no longer"):
        read_pairs(edited, rules)


# --- sheet problems ------------------------------------------------------------------------------


def test_missing_column_names_workbook_and_header(workbook: Path, rules: Rules, tmp_path: Path) -> None:
    edited = copy_of(workbook, tmp_path)
    wb = openpyxl.load_workbook(edited)
    ws = wb["Matches"]
    column = next(c.column for c in ws[1] if c.value == "Mentor email")
    ws.delete_cols(column)
    wb.save(edited)
    with pytest.raises(ExportError) as caught:
        read_pairs(edited, rules)
    assert str(edited) in caught.value.message and "'Mentor email'" in caught.value.message


def test_missing_matches_sheet(rules: Rules, tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    assert wb.active is not None
    wb.active.title = "Summary"
    wb.active.append(["Item", "Value"])
    wb.active.append(["Pairs", 3])
    wb.save(path)
    with pytest.raises(ExportError) as caught:
        read_pairs(path, rules)
    assert str(path) in caught.value.message and "Matches" in caught.value.message


def test_unknown_decision_is_refused_with_its_row(workbook: Path, rules: Rules, tmp_path: Path) -> None:
    edited = copy_of(workbook, tmp_path)
    wb = openpyxl.load_workbook(edited)
    ws = wb["Matches"]
    column = next(c.column for c in ws[1] if c.value == "Decision")
    ws.cell(row=4, column=column, value="rejct")
    wb.save(edited)
    with pytest.raises(ExportError, match=r"row 4.*'rejct' is neither keep nor reject"):
        read_pairs(edited, rules)


def test_bad_email_and_duplicate_pair_id(workbook: Path, rules: Rules, tmp_path: Path) -> None:
    edited = copy_of(workbook, tmp_path)
    wb = openpyxl.load_workbook(edited)
    ws = wb["Matches"]
    col = _letter(ws, "Mentee email")
    ws[f"{col}3"] = "not an address"
    wb.save(edited)
    with pytest.raises(ExportError, match=rf"row 3, column {col} \('Mentee email'\)"):
        read_pairs(edited, rules)
    ws[f"{col}3"] = "fine@nhs.net"
    ws["A5"] = ws["A2"].value
    wb.save(edited)
    with pytest.raises(ExportError, match=r"row 5: the Pair id 'P001' is also used in row 2"):
        read_pairs(edited, rules)


# --- templates -----------------------------------------------------------------------------------


def test_unknown_placeholder_names_it_and_lists_known(rules: Rules, tmp_path: Path) -> None:
    path = template_file(tmp_path, "Subject: Hello {pair_id}\n\nDear {mentee_nmae},\n")
    with pytest.raises(ExportError) as caught:
        load_template(path, rules)
    text = str(caught.value)
    assert "{mentee_nmae}" in caught.value.message and "line 3" in caught.value.message
    assert "{mentee_name}" in text and "{giver_first_name}" in text and "{coordinator}" in text


def test_template_layout_problems(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="line 1: should start with 'Subject:'"):
        load_template(template_file(tmp_path, "Hello\n\nBody\n"))
    with pytest.raises(ExportError, match="line 2: should be blank"):
        load_template(template_file(tmp_path, "Subject: Hi\nBody\n"))
    with pytest.raises(ExportError, match="body is empty"):
        load_template(template_file(tmp_path, "Subject: Hi\n\n\n"))
    with pytest.raises(ExportError, match="line 3: Single '}'"):
        load_template(template_file(tmp_path, "Subject: Hi\n\nDear } x\n"))
    with pytest.raises(ExportError, match="no format or conversion"):
        load_template(template_file(tmp_path, "Subject: Hi\n\n{pair_id:>10}\n"))
    with pytest.raises(ExportError, match="no such template"):
        load_template(tmp_path / "missing.txt")


def test_literal_braces_and_all_placeholders(rules: Rules, tmp_path: Path) -> None:
    names = known_placeholders(rules)
    body = "{{literal}} " + " ".join(f"[{n}={{{n}}}]" for n in names) + "\n"
    template = load_template(template_file(tmp_path, "Subject: {{x}} {receiver_name}\n\n" + body), rules)
    pair = PairRecord(
        pair_id="P042",
        receiver_name="renée o'brien",
        receiver_email="renee.obrien@nhs.net",
        receiver_title="Staff Nurse",
        giver_name="Prof José Álvarez",
        giver_email="jose.alvarez@nhs.net",
        giver_title="Medical Director",
        why="because",
        decision="",
        extra={"Mentee organisation": "MTW", "Mentor organisation": "EKHUFT"},
    )
    outbox = tmp_path / "out"
    [path] = write_introductions([pair], template, outbox, rules=rules, coordinator=COORDINATOR_EMAIL)
    assert path.name == "P042-OBrien-Alvarez.eml"
    message = parse(path)
    assert str(message["Subject"]) == "{x} Renée O'Brien"
    content = message.get_content()
    assert content.startswith("{literal} ")
    expected = {
        "pair_id": "P042",
        "receiver_first_name": "Renée",
        "mentee_first_name": "Renée",
        "giver_first_name": "José",
        "mentor_name": "Prof José Álvarez",
        "mentor_title": "Medical Director",
        "mentee_organisation": "MTW",
        "giver_organisation": "EKHUFT",
        "receiver_role": "Mentee",
        "mentor_role": "Mentor",
        "programme_year": "2022",
        "coordinator": COORDINATOR_EMAIL,
        "coordinator_email": COORDINATOR_EMAIL,
        "why": "because",
    }
    for name, value in expected.items():
        assert f"[{name}={value}]" in content


def test_default_aliases_without_rules() -> None:
    names = known_placeholders()
    assert {"mentee_name", "mentor_first_name", "receiver_email", "giver_title", "programme"} <= set(names)


# --- the outbox ----------------------------------------------------------------------------------


def test_existing_files_refused_without_force(workbook: Path, rules: Rules, tmp_path: Path) -> None:
    pairs = read_pairs(workbook, rules)[:3]
    template = load_template(TEMPLATE, rules)
    outbox = tmp_path / "outbox"
    first = write_introductions(pairs, template, outbox, rules=rules, coordinator=COORDINATOR)
    before = first[0].read_bytes()
    with pytest.raises(OutputError, match=r"already holds introductions.*--force"):
        write_introductions(pairs, template, outbox, rules=rules, coordinator=COORDINATOR)
    assert first[0].read_bytes() == before
    again = write_introductions(pairs, template, outbox, rules=rules, coordinator=COORDINATOR, force=True)
    assert again == first


def test_force_removes_drafts_of_pairs_since_rejected(workbook: Path, rules: Rules, tmp_path: Path) -> None:
    pairs = read_pairs(workbook, rules)[:3]
    template = load_template(TEMPLATE, rules)
    outbox = tmp_path / "outbox"
    first = write_introductions(pairs, template, outbox, rules=rules, coordinator=COORDINATOR)
    mine = outbox / "keep-me.eml"
    mine.write_bytes(b"From: a@b.nhs.uk\r\nSubject: mine\r\n\r\nhello\r\n")
    with pytest.raises(OutputError):  # the stale draft is there even though no name collides
        write_introductions(pairs[:2], template, outbox, rules=rules, coordinator=COORDINATOR)
    write_introductions(pairs[:2], template, outbox, rules=rules, coordinator=COORDINATOR, force=True)
    assert not first[2].exists()
    assert mine.exists()  # not written by mentormatch: left alone


def test_mail_merge_csv_has_one_row_per_pair(workbook: Path, rules: Rules, tmp_path: Path) -> None:
    pairs = read_pairs(workbook, rules)
    template = load_template(TEMPLATE, rules)
    outbox = tmp_path / "outbox"
    write_introductions(pairs, template, outbox, rules=rules, coordinator=COORDINATOR)
    with (outbox / MAIL_MERGE).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(pairs)
    assert list(rows[0]) == known_placeholders(rules)
    assert [r["pair_id"] for r in rows] == [p.pair_id for p in pairs]
    by_id = {p.pair_id: p for p in pairs}
    for row in rows:
        assert row["mentee_email"] == row["receiver_email"] == by_id[row["pair_id"]].receiver_email
        assert row["mentor_email"] == by_id[row["pair_id"]].giver_email
        assert row["coordinator_email"] == COORDINATOR_EMAIL


def test_outbox_parent_must_exist_and_coordinator_must_be_an_address(
    workbook: Path, rules: Rules, tmp_path: Path
) -> None:
    pairs = read_pairs(workbook, rules)[:1]
    template = load_template(TEMPLATE, rules)
    with pytest.raises(OutputError, match="does not exist"):
        write_introductions(pairs, template, tmp_path / "no" / "outbox", rules=rules, coordinator=COORDINATOR)
    with pytest.raises(OutputError, match="coordinator address"):
        write_introductions(pairs, template, tmp_path / "outbox", rules=rules, coordinator="Jo Bloggs")
    with pytest.raises(OutputError, match="no pairs"):
        write_introductions([], template, tmp_path / "outbox", rules=rules, coordinator=COORDINATOR)


def _pair(**changes: str) -> PairRecord:
    values = {
        "pair_id": "P001",
        "receiver_name": "Ann Example",
        "receiver_email": "ann.example@nhs.net",
        "receiver_title": "Nurse",
        "giver_name": "Bob Example",
        "giver_email": "bob.example@nhs.net",
        "giver_title": "Matron",
        "why": "",
        "decision": "",
    }
    values.update(changes)
    return PairRecord(**values)


def test_awkward_display_names_round_trip(rules: Rules, tmp_path: Path) -> None:
    template = load_template(TEMPLATE, rules)
    pair = _pair(receiver_name='Smith, "Jo" Ann', giver_name="Seán Ó Briain")
    [path] = write_introductions([pair], template, tmp_path / "out", rules=rules, coordinator=COORDINATOR)
    names = {a.addr_spec: a.display_name for a in parse(path)["To"].addresses}
    assert names == {"ann.example@nhs.net": 'Smith, "Jo" Ann', "bob.example@nhs.net": "Seán Ó Briain"}


def test_an_address_email_cannot_carry_writes_nothing(rules: Rules, tmp_path: Path) -> None:
    template = load_template(TEMPLATE, rules)
    pairs = [_pair(), _pair(pair_id="P002", giver_email="zoë@nhs.net")]
    with pytest.raises(ExportError, match="pair P002"):
        write_introductions(pairs, template, tmp_path / "out", rules=rules, coordinator=COORDINATOR)
    assert list((tmp_path / "out").iterdir()) == []


def test_extra_columns_and_duplicated_headers(workbook: Path, rules: Rules, tmp_path: Path) -> None:
    edited = copy_of(workbook, tmp_path)
    wb = openpyxl.load_workbook(edited)
    ws = wb["Matches"]
    width = ws.max_column
    for column in (width + 1, width + 2):  # two coordinator note columns with the same header: fine
        ws.cell(row=1, column=column, value="Notes")
    ws.cell(row=2, column=width + 1, value="met already")
    wb.save(edited)
    pairs = read_pairs(edited, rules)
    assert (pairs[0].extra["Notes"], pairs[0].extra["Notes (2)"]) == ("met already", "")
    column = next(c.column for c in ws[1] if c.value == "Mentee email")
    ws.cell(row=1, column=width + 1, value="Mentee email")
    wb.save(edited)
    with pytest.raises(ExportError, match="are both headed 'Mentee email'"):
        read_pairs(edited, rules)
    assert column < width
