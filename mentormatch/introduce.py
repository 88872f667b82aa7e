"""Introduction emails from the Matches sheet: an unsent .eml draft per kept pair, and a mail-merge CSV."""

from __future__ import annotations

import base64
import email.header
import email.policy
import email.utils
import re
import string
import unicodedata
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from mentormatch.errors import ExportError, OutputError, RulesError
from mentormatch.names import tidy_name
from mentormatch.normalise import Unreadable, key, parse_email
from mentormatch.outputs import Outputs
from mentormatch.pairsbook import labels, read_book
from mentormatch.report import field_label, role_label
from mentormatch.rulefile import Rules
from mentormatch.workbook import write_csv

# Drafts are written with CRLF line ends, 7-bit clean; headers written raw are never refolded.
DRAFT_POLICY = email.policy.SMTP.clone(refold_source="none")
MAIL_MERGE = "mail-merge.csv"
# Every .eml written carries this header, so a later run with force can tell its own drafts
# (a pair rejected since then) from files someone else put in the outbox.
PAIR_HEADER = "X-Mentormatch-Pair"


PERSON_PARTS = ("name", "first_name", "email", "title", "organisation", "role")
SIDES = ("receiver", "giver")
GENERAL = ("pair_id", "why", "programme", "programme_year", "coordinator", "coordinator_email")
DEFAULT_ROLES = ("mentee", "mentor")  # the schema's default receiver and giver roles

_HONORIFICS = frozenset({"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame", "rev"})


@dataclass(frozen=True)
class PairRecord:
    """One pair as the coordinator left it in the Matches sheet (columns read by header name)."""

    pair_id: str
    receiver_name: str
    receiver_email: str
    receiver_title: str
    giver_name: str
    giver_email: str
    giver_title: str
    why: str
    decision: str
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Template:
    """An introduction email: a subject line and a body, both with {placeholders}."""

    path: Path
    subject: str
    body: str
    placeholders: tuple[str, ...]

    def render(self, values: Mapping[str, str]) -> tuple[str, str]:
        """The subject and body with every placeholder filled ({{ and }} give literal braces)."""
        subject = " ".join(_fill(self.subject, values).split())
        return subject, _fill(self.body, values)


# --- reading the Matches sheet -------------------------------------------------------------------


@dataclass(frozen=True)
class _Headers:
    """The Matches sheet's header texts for one rule file."""

    pair: str
    names: tuple[str, str]
    emails: tuple[str, str]
    titles: tuple[str | None, str | None]
    organisations: tuple[str | None, str | None]
    why: str
    decision: str


def _sheet_headers(rules: Rules) -> _Headers:
    """The headers `mentormatch match` writes on the Matches sheet (see report.matches_sheet)."""
    roles = labels(rules)  # refuses a rule file without a matching section
    spec = rules.spec.matching
    assert spec is not None
    if spec.mode != "pairs":
        raise RulesError(
            f"{rules.path}: is a group programme (matching.mode: {spec.mode}); introductions are for pairs",
            "send group introductions from the Groups sheet yourself",
        )
    fields = rules.spec.fields
    org = rules.spec.organisations.field if rules.spec.organisations else "organisation"

    def person_column(name: str, label: str) -> str | None:
        if name not in fields or fields[name].special_category:
            return None
        return f"{label} {field_label(rules, name).lower()}"

    return _Headers(
        pair="Pair",
        names=roles.names,
        emails=roles.emails,
        titles=(person_column("job_title", roles.receiver), person_column("job_title", roles.giver)),
        organisations=(person_column(org, roles.receiver), person_column(org, roles.giver)),
        why="Why",
        decision="Decision",
    )


def read_pairs(workbook: Path, rules: Rules, *, unverified: bool = False) -> list[PairRecord]:
    """The pairs to introduce from a pairs workbook's Matches sheet, in Pair order.

    The workbook is read by the one pairs-workbook reader (pairsbook.read_book): columns by header
    text, never position; one Decision vocabulary (a reject word or cross skips the pair, blank or
    a keep word or tick keeps it, anything else is an error naming the cell); every row's Check
    must still match its pair id, names and emails, so a row whose cells were mixed up by a sort
    of one column is refused rather than introducing the wrong people to each other. A workbook
    without the Check column is refused unless ``unverified`` (see pairsbook.read_book).
    """
    headers = _sheet_headers(rules)
    book = read_book(Path(workbook), rules, unverified=unverified)
    records = []
    for row in book.rows:
        if row.decision == "reject":
            continue
        extra = dict(row.extra)
        titles = [_take(extra, h) for h in headers.titles]
        records.append(
            PairRecord(
                pair_id=row.pair_id,
                receiver_name=row.receiver_name,
                receiver_email=row.receiver_email,
                receiver_title=titles[0],
                giver_name=row.giver_name,
                giver_email=row.giver_email,
                giver_title=titles[1],
                why=row.why,
                decision=row.decision_text,
                extra=extra,
            )
        )
    return sorted(records, key=lambda r: _natural(r.pair_id))


def _take(extra: dict[str, str], header: str | None) -> str:
    """The value of an optional column (found by header key) taken out of ``extra``."""
    if header is None:
        return ""
    for name in list(extra):
        if key(name) == key(header):
            return extra.pop(name)
    return ""


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts P2 before P10."""
    return tuple((0, int(p)) if p.isdigit() else (1, p.casefold()) for p in re.split(r"(\d+)", text) if p)


# --- templates -----------------------------------------------------------------------------------


def _role_slug(role: str) -> str:
    """A role name as a placeholder prefix: ``Mentee`` -> ``mentee``, ``peer mentor`` -> ``peer_mentor``."""
    folded = unicodedata.normalize("NFKD", role).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", folded).strip("_")


def known_placeholders(rules: Rules | None = None) -> list[str]:
    """Every placeholder a template may use, in the order of the mail-merge CSV's columns.

    ``{receiver_*}`` and ``{giver_*}`` always work; role-named aliases (``{mentee_name}``,
    ``{mentor_first_name}``, ...) follow the rule file's matching roles, or mentee and mentor
    when no rule file is given.
    """
    names = ["pair_id"]
    names += [f"{side}_{part}" for side in SIDES for part in PERSON_PARTS]
    names += [n for n in GENERAL if n != "pair_id"]
    roles: tuple[str, ...] = DEFAULT_ROLES
    if rules is not None and rules.spec.matching is not None:
        roles = (rules.spec.matching.receiver, rules.spec.matching.giver)
    for role in roles:
        slug = _role_slug(role)
        if slug and slug not in SIDES:
            names += [f"{slug}_{part}" for part in PERSON_PARTS if f"{slug}_{part}" not in names]
    return names


def load_template(path: Path, rules: Rules | None = None) -> Template:
    """Read an introduction template: "Subject: ..." on the first line, a blank line, then the body.

    Placeholders are written in {braces}; ``{{`` and ``}}`` give literal braces. An unknown
    placeholder is an ExportError naming it, its line and the known ones. Without ``rules``
    the role-named aliases are those of the default roles (mentee, mentor);
    ``write_introductions`` checks the template again against its rule file.
    """
    path = Path(path)
    if not path.is_file():
        raise ExportError(
            f"{path}: no such template file" if not path.exists() else f"{path}: is not a file",
            "give a text file like examples/introduction-template.txt",
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExportError(f"{path}: is not UTF-8 text", "save the template as UTF-8 text") from None
    except OSError as exc:
        raise ExportError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = lines[0].strip()
    if not first.lower().startswith("subject:"):
        raise ExportError(
            f"{path}, line 1: should start with 'Subject:' (found '{_short(first)}')",
            "put the email's subject on the first line, e.g. 'Subject: Your {programme} mentoring pair'",
        )
    subject = first[len("subject:") :].strip()
    if not subject:
        raise ExportError(f"{path}, line 1: the subject is empty", "write the subject after 'Subject:'")
    if len(lines) < 2 or lines[1].strip():
        raise ExportError(
            f"{path}, line 2: should be blank (it separates the subject from the body)",
            "leave line 2 empty and start the body on line 3",
        )
    body = "\n".join(lines[2:]).strip("\n") + "\n"
    if not body.strip():
        raise ExportError(f"{path}: the body is empty", "write the email below the subject and a blank line")
    used: list[str] = []
    for number, line in enumerate(lines, start=1):
        for name in _line_placeholders(path, number, line):
            if name not in used:
                used.append(name)
    template = Template(path=path, subject=subject, body=body, placeholders=tuple(used))
    check_template(template, rules)
    return template


def check_template(template: Template, rules: Rules | None = None) -> None:
    """Raise ExportError if the template uses a placeholder the rule file does not provide."""
    known = known_placeholders(rules)
    unknown = [name for name in template.placeholders if name not in known]
    if unknown:
        line = _line_of(template, unknown[0])
        raise ExportError(
            f"{template.path}{line}: unknown placeholder {{{unknown[0]}}}"
            + (f" (and {', '.join('{' + u + '}' for u in unknown[1:])})" if len(unknown) > 1 else ""),
            f"known placeholders: {' '.join('{' + n + '}' for n in known)} (write {{{{ and }}}} for a brace)",
        )


def _line_placeholders(path: Path, number: int, line: str) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(line))
    except ValueError as exc:
        raise ExportError(
            f"{path}, line {number}: {exc} in '{_short(line)}'",
            "placeholders look like {mentee_first_name}; write {{ and }} for a literal brace",
        ) from None
    names = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.strip():
            raise ExportError(
                f"{path}, line {number}: empty placeholder {{}} in '{_short(line)}'",
                "write a placeholder name inside the braces, or {{}} for literal braces",
            )
        if spec or conversion:
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            raise ExportError(
                f"{path}, line {number}: unknown placeholder {{{shown}}}",
                "placeholders take no format or conversion: write just the name, e.g. {pair_id}",
            )
        names.append(name.strip())
    return names


def _line_of(template: Template, name: str) -> str:
    try:
        lines = template.path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    for number, line in enumerate(lines, start=1):
        with suppress(ValueError):
            if any(n is not None and n.strip() == name for _, n, _, _ in string.Formatter().parse(line)):
                return f", line {number}"
    return ""


def _fill(text: str, values: Mapping[str, str]) -> str:
    out = []
    for literal, name, _spec, _conversion in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(values[name.strip()])
    return "".join(out)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- writing the drafts --------------------------------------------------------------------------


def first_name(name: str) -> str:
    """The first word of a name that is not a title such as Dr or Mrs."""
    words = tidy_name(name).split()
    while len(words) > 1 and words[0].rstrip(".").lower() in _HONORIFICS:
        words = words[1:]
    return words[0] if words else ""


def pair_values(pair: PairRecord, *, rules: Rules, coordinator: str) -> dict[str, str]:
    """Every placeholder's text for one pair (the mail-merge CSV row)."""
    spec = rules.spec.matching
    headers = _sheet_headers(rules)
    assert spec is not None  # _sheet_headers checked it
    coordinator_name, coordinator_email = parse_coordinator(coordinator)
    extra = {key(k): v for k, v in pair.extra.items()}
    people = {
        "receiver": (pair.receiver_name, pair.receiver_email, pair.receiver_title, spec.receiver, 0),
        "giver": (pair.giver_name, pair.giver_email, pair.giver_title, spec.giver, 1),
    }
    values: dict[str, str] = {"pair_id": pair.pair_id}
    by_role: dict[str, dict[str, str]] = {}
    for side, (name, address, title, role, index) in people.items():
        org_header = headers.organisations[index]
        person = {
            "name": tidy_name(name),
            "first_name": first_name(name),
            "email": address,
            "title": title,
            "organisation": extra.get(key(org_header), "") if org_header else "",
            "role": role_label(rules, role),
        }
        values.update({f"{side}_{part}": text for part, text in person.items()})
        by_role[_role_slug(role)] = person
    programme = rules.spec.programme
    values.update(
        {
            "why": pair.why,
            "programme": programme.name,
            "programme_year": str(programme.year) if programme.year is not None else "",
            "coordinator": coordinator_name or coordinator_email,
            "coordinator_email": coordinator_email,
        }
    )
    for name in known_placeholders(rules):
        if name not in values:
            slug, part = _split_alias(name, by_role)
            values[name] = by_role[slug][part]
    return values


def _split_alias(name: str, by_role: dict[str, dict[str, str]]) -> tuple[str, str]:
    for part in sorted(PERSON_PARTS, key=len, reverse=True):
        slug = name.removesuffix(f"_{part}")
        if slug != name and slug in by_role:
            return slug, part
    raise KeyError(name)  # pragma: no cover - known_placeholders only makes these


def parse_coordinator(coordinator: str) -> tuple[str, str]:
    """(display name, email) from "name@nhs.net" or "Jo Bloggs <name@nhs.net>"."""
    name, address = email.utils.parseaddr(coordinator)
    try:
        address = parse_email(address or coordinator)
    except Unreadable:
        raise OutputError(
            f"the coordinator address '{coordinator}' is not an email address",
            "give it as jo.bloggs@nhs.net or as 'Jo Bloggs <jo.bloggs@nhs.net>'",
        ) from None
    return " ".join(name.split()), address


# --- address headers -------------------------------------------------------------------------------
#
# CPython's header folding (gh-100884, in 3.11 patch levels and others) can put the comma between
# two mailboxes inside an encoded word when it folds a To: line with accented names: a mail client
# then sees one recipient. So address headers are written here, already folded, in plain ASCII:
# each display name as atoms, a quoted string or encoded words of its own, each mailbox ending its
# line with the comma outside any encoded word. The message stores them raw (never refolded), and
# every draft is parsed back before it is written.

_LINE = 76  # characters per header line we aim for (RFC 5322 recommends at most 78)
_EW_BYTES = 45  # UTF-8 bytes per encoded word: "=?utf-8?b?" + 60 base64 characters + "?=" = 72
_ATOM_RE = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+")
_UNSAFE_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ADDR_SPEC_RE = re.compile(r"[!-~]+@[!-~]+")


def display_name(name: str) -> str:
    """A name as it appears in an address header: tidied, one line, no control characters."""
    return " ".join(_UNSAFE_RE.sub(" ", tidy_name(name)).split())


def _phrase_tokens(name: str) -> list[str]:
    """A display name as header tokens that may be folded between: atoms, one quoted string, or
    encoded words (UTF-8, base64) that never hold a separator."""
    if not name:
        return []
    words = name.split(" ")
    if name.isascii() and "=?" not in name and all(_ATOM_RE.fullmatch(w) for w in words):
        return words
    if name.isascii() and "=?" not in name and len(name) <= _LINE - 20:
        return ['"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"']
    # Readers disagree on the space between two encoded words (RFC 2047 drops it, Python's
    # parser keeps one): so a word runs on into the next encoded word only when it must, and
    # otherwise a break comes just after a space, which stays inside the first encoded word.
    tokens, chunk = [], ""
    for char in name:
        if len((chunk + char).encode("utf-8")) > _EW_BYTES:
            cut = chunk.rfind(" ") + 1
            if cut <= 0:
                cut = len(chunk)
            tokens.append(chunk[:cut])
            chunk = chunk[cut:]
        chunk += char
    tokens.append(chunk)
    return ["=?utf-8?b?" + base64.b64encode(t.encode("utf-8")).decode("ascii") + "?=" for t in tokens]


def address_header(mailboxes: Sequence[tuple[str, str]]) -> str:
    """An address-list header value (folded, ASCII) for (display name, address) pairs."""
    lines: list[str] = []
    for number, (name, addr) in enumerate(mailboxes):
        plain = _ADDR_SPEC_RE.fullmatch(addr) and addr.count("@") == 1
        if not plain or any(c in addr for c in '<>,;:"()[]\\'):
            raise ValueError(f"'{addr}' is not a plain ASCII email address")
        tokens = _phrase_tokens(display_name(name))
        tokens.append(f"<{addr}>" if tokens else addr)
        if number < len(mailboxes) - 1:
            tokens[-1] += ","
        line = ""
        for token in tokens:
            if line and len(line) + 1 + len(token) > _LINE - 4:  # room for "To: " / " "
                lines.append(line)
                line = token
            else:
                line = f"{line} {token}" if line else token
        lines.append(line)
    return "\n ".join(lines)


def _file_part(text: str) -> str:
    folded = unicodedata.normalize("NFKD", re.sub(r"['\u2019`]", "", text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", folded).strip("-")[:40].strip("-")


def _surname(name: str, address: str) -> str:
    words = tidy_name(name).split()
    part = _file_part(words[-1]) if words else ""
    return part or _file_part(address.split("@")[0]) or "unknown"


def eml_name(pair: PairRecord) -> str:
    """``P001-<receiver surname>-<giver surname>.eml``, in safe characters only."""
    pair_part = _file_part(pair.pair_id) or "pair"
    receiver = _surname(pair.receiver_name, pair.receiver_email)
    giver = _surname(pair.giver_name, pair.giver_email)
    return f"{pair_part}-{receiver}-{giver}.eml"


def build_message(
    pair: PairRecord, template: Template, *, rules: Rules, coordinator: str, now: datetime | None = None
) -> EmailMessage:
    """The unsent draft introducing one pair: To both partners, From and Cc the coordinator."""
    values = pair_values(pair, rules=rules, coordinator=coordinator)
    subject, body = template.render(values)
    coordinator_name, coordinator_email = parse_coordinator(coordinator)
    for address in (pair.receiver_email, pair.giver_email):
        try:
            parse_email(address)
        except Unreadable:
            raise ExportError(f"pair {pair.pair_id}: '{address}' is not an email address") from None
    message = EmailMessage(policy=DRAFT_POLICY)
    coordinator_box = [(coordinator_name, coordinator_email)]
    # Address headers are stored as written here (see address_header), never refolded.
    message.set_raw("From", address_header(coordinator_box))
    message.set_raw("To", address_header(recipients(pair)))
    message.set_raw("Cc", address_header(coordinator_box))
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime((now or datetime.now()).astimezone())
    message["Message-ID"] = email.utils.make_msgid(domain=coordinator_email.split("@")[1])
    message["X-Unsent"] = "1"
    message[PAIR_HEADER] = _file_part(pair.pair_id) or "pair"
    message.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
    return message


def _message_bytes(
    pair: PairRecord, template: Template, *, rules: Rules, coordinator: str, now: datetime
) -> bytes:
    """The draft as the bytes of an .eml file (CRLF line ends, 7-bit clean), parsed back and
    checked: To holds both partners, From and Cc the coordinator, Subject and body as rendered."""
    try:
        message = build_message(pair, template, rules=rules, coordinator=coordinator, now=now)
        data = message.as_bytes(policy=DRAFT_POLICY)
    except ValueError as exc:  # email's header defects (an accented address, say) are ValueErrors
        raise ExportError(
            f"pair {pair.pair_id}: an address cannot be written into an email ({exc})",
            "email addresses must be plain ASCII: correct it in the workbook, or set Decision to reject",
        ) from None
    problem = draft_problem(data, message, pair, coordinator)
    if problem:
        raise OutputError(
            f"pair {pair.pair_id}: the email draft would not reach its three people ({problem});"
            " no drafts were written",
            "report this with the names involved; meanwhile write that pair's email by hand",
        )
    return data


def _spaceless(text: str) -> str:
    return "".join(text.split())


def _decoded(text: str) -> str:
    return str(email.header.make_header(email.header.decode_header(text)))


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n")


def recipients(pair: PairRecord) -> list[tuple[str, str]]:
    """(display name, address) of the two partners, as the To header holds them."""
    return [(pair.receiver_name, pair.receiver_email), (pair.giver_name, pair.giver_email)]


def draft_problem(data: bytes, message: EmailMessage, pair: PairRecord, coordinator: str) -> str | None:
    """What is wrong with a draft's bytes when parsed back (as a mail client would), or None."""
    name, address = parse_coordinator(coordinator)
    wanted = {
        "From": [(display_name(name), address)],
        "To": [(display_name(n), a) for n, a in recipients(pair)],
        "Cc": [(display_name(name), address)],
    }
    back = email.message_from_bytes(data, policy=email.policy.default)
    for header, boxes in wanted.items():
        values = back.get_all(header) or []
        if len(values) != 1:
            return f"{len(values)} {header} headers"
        found = [(_spaceless(a.display_name), a.addr_spec) for a in values[0].addresses]
        if found != [(_spaceless(n), a) for n, a in boxes]:
            return f"{header} reads back as {len(found)} address(es), not as the {len(boxes)} written"
        old = email.message_from_bytes(data)  # compat32, RFC 2047 to the letter
        plain = [(_decoded(n), a) for n, a in email.utils.getaddresses(old.get_all(header) or [])]
        if plain != boxes:
            return f"{header} reads back differently by an older parser"
    if back["Subject"] != message["Subject"]:
        return "the subject reads back changed"
    body = back.get_body()
    sent = message.get_body()
    if body is None or sent is None or _lines(body.get_content()) != _lines(sent.get_content()):
        return "the body reads back changed"
    return None


def write_introductions(
    pairs: Sequence[PairRecord],
    template: Template,
    outbox: Path,
    *,
    rules: Rules,
    coordinator: str,
    force: bool = False,
    inputs: Sequence[Path] = (),
) -> list[Path]:
    """Write one unsent .eml draft per pair into ``outbox`` and a mail-merge.csv beside them.

    All or nothing: every file is staged first and moved into place together; none of them, and
    none deleted, may be one of ``inputs`` (the pairs workbook, the template, the rule file).

    Nothing is sent: each draft opens in Outlook ready to send (X-Unsent: 1). The outbox is
    created if missing (its parent folder must exist). Existing files are refused unless
    ``force``; with ``force``, drafts an earlier run left for pairs no longer in ``pairs``
    (say, a pair rejected since) are deleted, so the outbox never holds a stale introduction.
    Returns the .eml paths in Pair order.
    """
    outbox = Path(outbox)
    check_template(template, rules)
    parse_coordinator(coordinator)
    if not pairs:
        raise OutputError(
            "there are no pairs to introduce (every row of the Matches sheet is rejected or blank)",
            "set Decision to keep (or leave it blank) for the pairs to introduce",
        )
    _prepare_outbox(outbox)
    names: dict[str, PairRecord] = {}
    for pair in sorted(pairs, key=lambda p: _natural(p.pair_id)):
        name = eml_name(pair)
        stem, number = name.removesuffix(".eml"), 1
        while name.casefold() in (n.casefold() for n in names):
            number += 1
            name = f"{stem}-{number}.eml"
        names[name] = pair
    targets = [outbox / name for name in names]
    merge = outbox / MAIL_MERGE
    stale = [p for p in _own_drafts(outbox) if p.name not in names]
    existing = [p for p in [*targets, merge] if p.exists() or p.is_symlink()]
    if (existing or stale) and not force:
        shown = ", ".join(p.name for p in (existing + stale)[:3])
        more = f" and {len(existing) + len(stale) - 3} more" if len(existing) + len(stale) > 3 else ""
        raise OutputError(
            f"{outbox} already holds introductions ({shown}{more}); use --force to replace them",
            "or give an empty folder for the drafts",
        )
    for path in [*targets, merge]:
        if path.is_dir():
            raise OutputError(f"{path} is a folder", "move it out of the outbox, or choose another outbox")
    with Outputs([*inputs, template.path]) as outputs:  # staged, then moved in together
        for path in [*targets, merge]:
            outputs.claim(path)
        for path in stale:
            outputs.remove(path)
        now = datetime.now()
        drafts = [
            _message_bytes(p, template, rules=rules, coordinator=coordinator, now=now) for p in names.values()
        ]
        for path, data in zip(targets, drafts, strict=True):  # every draft is checked before any is staged
            with outputs.open(path) as handle:
                handle.write(data)
        columns = known_placeholders(rules)
        rows = []
        for pair in names.values():
            values = pair_values(pair, rules=rules, coordinator=coordinator)
            rows.append([values[c] for c in columns])
        write_csv(merge, columns, rows, force=True, inputs=[*inputs, template.path], outputs=outputs)
    return targets


def _prepare_outbox(outbox: Path) -> None:
    if outbox.exists() and not outbox.is_dir():
        raise OutputError(f"{outbox} is a file, not a folder", "give a folder for the email drafts")
    if not outbox.parent.is_dir():
        raise OutputError(
            f"the folder {outbox.parent} does not exist",
            "create it first, or give an outbox inside an existing folder",
        )
    try:
        outbox.mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {outbox}: {exc.strerror or exc}") from None


def _own_drafts(outbox: Path) -> list[Path]:
    """The .eml files in ``outbox`` written by mentormatch (they carry PAIR_HEADER)."""
    found = []
    marker = f"\n{PAIR_HEADER.lower()}:".encode()
    for path in sorted(outbox.glob("*.eml")):
        try:
            with path.open("rb") as handle:
                head = handle.read(8192).replace(b"\r\n", b"\n").lower()
        except OSError:
            continue
        if marker in head.split(b"\n\n", 1)[0]:
            found.append(path)
    return found
