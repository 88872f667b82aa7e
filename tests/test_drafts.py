"""Every draft reaches its three people, whatever the names (issue 15, item 2).

CPython's header folding (gh-100884) could turn the comma between the two partners of a To: line
into an encoded word when it folded accented names: mail clients then see one recipient. Drafts
now carry address headers folded by mentormatch, and each is parsed back before it is written.
Here every draft written for random names from many scripts and of many lengths is parsed back
by the current email parser and by the older compat32 one: To holds both partners, From and Cc
the coordinator, each with the display name given, and no header line is longer than 78.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mentormatch.introduce import PairRecord, display_name, load_template, write_introductions
from mentormatch.rulefile import Rules, load_rules
from tests.conftest import MIND_RULES, ROOT

TEMPLATE = ROOT / "examples" / "introduction-template.txt"
COORDINATOR_EMAIL = "sam.lee@nhs.net"

# Scripts people's names are written in, plus characters that mean something in a header.
SCRIPTS = [
    (0x41, 0x7A),  # ASCII letters and [\]^_`
    (0xC0, 0x24F),  # Latin-1 supplement and Latin extended (é, ñ, ő, ł, ş ...)
    (0x1E00, 0x1EFF),  # Latin extended additional (Vietnamese)
    (0x370, 0x3FF),  # Greek
    (0x400, 0x4FF),  # Cyrillic
    (0x531, 0x58A),  # Armenian
    (0x5D0, 0x5EA),  # Hebrew
    (0x620, 0x64A),  # Arabic
    (0x900, 0x97F),  # Devanagari
    (0x980, 0x9FF),  # Bengali
    (0xA00, 0xA7F),  # Gurmukhi
    (0xB80, 0xBFF),  # Tamil
    (0xE00, 0xE7F),  # Thai
    (0x10A0, 0x10FF),  # Georgian
    (0x1200, 0x137F),  # Ethiopic
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x4E00, 0x9FFF),  # CJK
    (0xAC00, 0xD7A3),  # Hangul
    (0x300, 0x36F),  # combining accents
    (0x1F300, 0x1F64F),  # emoji
]
SPECIALS = [*" ,;:\"'\\()<>@.=?-_!#$%&*+/^`{|}~", "\u00a0", "\u200b", "\u202e"]


def script_char(bounds: tuple[int, int]) -> st.SearchStrategy[str]:
    low, high = bounds
    return st.integers(low, high).map(chr).filter(lambda c: c.isprintable() or c in "\u00a0\u200b\u202e")


letters = st.one_of(*[script_char(b) for b in SCRIPTS], st.sampled_from(SPECIALS))
words = st.text(letters, min_size=1, max_size=18) | st.just("=?utf-8?q?x?=")  # looks encoded
names = st.lists(words, min_size=1, max_size=8).map(" ".join) | st.text(letters, min_size=1, max_size=120)


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(MIND_RULES)


def pair(n: int, receiver: str, giver: str) -> PairRecord:
    return PairRecord(
        pair_id=f"P{n:03d}",
        receiver_name=receiver,
        receiver_email=f"mentee.{n}@nhs.net",
        receiver_title="Nurse",
        giver_name=giver,
        giver_email=f"mentor.{n}@nhs.net",
        giver_title="Matron",
        why="",
        decision="",
    )


def check_draft(path: Path, p: PairRecord, coordinator_name: str) -> None:
    data = path.read_bytes()
    data.decode("ascii")  # 7-bit clean
    head = data.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n")), head
    wanted = {
        "To": [
            (display_name(p.receiver_name), p.receiver_email),
            (display_name(p.giver_name), p.giver_email),
        ],
        "From": [(display_name(coordinator_name), COORDINATOR_EMAIL)],
        "Cc": [(display_name(coordinator_name), COORDINATOR_EMAIL)],
    }
    message = email.message_from_bytes(data, policy=email.policy.default)
    old = email.message_from_bytes(data)  # compat32: RFC 2047 to the letter, as mail clients read it
    for header, boxes in wanted.items():
        [value] = message.get_all(header)
        assert not value.defects, (header, value.defects)
        # Python's own parser keeps a space between two encoded words (RFC 2047 drops it), so
        # there the names are compared without spaces; the addresses always exactly.
        found = [("".join(a.display_name.split()), a.addr_spec) for a in value.addresses]
        assert found == [("".join(n.split()), a) for n, a in boxes], (header, head)
        decoded = [(decode(n), a) for n, a in email.utils.getaddresses(old.get_all(header))]
        assert decoded == boxes, (header, head)


def decode(text: str) -> str:
    return str(email.header.make_header(email.header.decode_header(text)))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
)
@given(people=st.lists(st.tuples(names, names), min_size=1, max_size=6), coordinator=names)
def test_every_draft_parses_back_to_its_three_people(
    rules: Rules, tmp_path_factory: pytest.TempPathFactory, people: list[tuple[str, str]], coordinator: str
) -> None:
    pairs = [pair(n, a, b) for n, (a, b) in enumerate(people, start=1)]
    folder = tmp_path_factory.mktemp("drafts")
    quoted = coordinator.replace("\\", "\\\\").replace('"', '\\"')
    written = write_introductions(
        pairs, load_template(TEMPLATE, rules), folder / "out", rules=rules,
        coordinator=f'"{quoted}" <{COORDINATOR_EMAIL}>',
    )  # fmt: skip
    assert len(written) == len(pairs)
    name = email.utils.parseaddr(f'"{quoted}" <{COORDINATOR_EMAIL}>')[0]
    for path, p in zip(written, pairs, strict=True):
        check_draft(path, p, name)


ACCENTED = [
    "José María Gonçalves",
    "Ana Lúcia Gonçalves",
    "Chloé Ó Súilleabháin",
    "Zoë Brontë-Müller",
    "Łukasz Żółkiewski",
    "Nguyễn Thị Minh Khai",
    "Søren Kierkegård Åberg",
    "Ífeoluwa Adéyẹmí",
]


def test_the_reported_accented_cohort_reaches_everyone(rules: Rules, tmp_path: Path) -> None:
    """The names from the report, every ordered pairing (56 drafts): each keeps both partners."""
    pairs = [pair(n, a, b) for n, (a, b) in enumerate(itertools.permutations(ACCENTED, 2), start=1)]
    coordinator = "Zoë Coördinator"
    written = write_introductions(
        pairs, load_template(TEMPLATE, rules), tmp_path / "out", rules=rules,
        coordinator=f"{coordinator} <{COORDINATOR_EMAIL}>",
    )  # fmt: skip
    assert len(written) == len(pairs) == 56
    for path, p in zip(written, pairs, strict=True):
        check_draft(path, p, coordinator)


def test_a_draft_that_reads_back_wrong_is_never_written(
    rules: Rules, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If a draft's To line lost a partner (as gh-100884 did), nothing is written."""
    import mentormatch.introduce as introduce
    from mentormatch.errors import OutputError

    real: Any = introduce.address_header

    def swallowed(boxes: Any) -> str:
        text = real(boxes)
        return text.replace(",\n ", " ", 1)  # the separator lost, as in the CPython bug

    monkeypatch.setattr(introduce, "address_header", swallowed)
    with pytest.raises(OutputError, match="would not reach its three people"):
        write_introductions(
            [pair(1, "Ana Lúcia", "José María")], load_template(TEMPLATE, rules), tmp_path / "out",
            rules=rules, coordinator=f"Sam <{COORDINATOR_EMAIL}>",
        )  # fmt: skip
    assert not list((tmp_path / "out").glob("*.eml"))
