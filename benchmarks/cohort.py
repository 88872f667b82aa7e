"""Synthetic Kent & Medway MIND cohorts of any size, for benchmarking the matcher.

    .venv/bin/python benchmarks/cohort.py 2000 cohort-2000.xlsx      # or .csv

Rows use the project's own export format: the Microsoft Forms layout of
``examples/kent-medway-mind-2022`` (Forms' own columns, then the question columns, headed exactly
as ``rules/kent-medway-mind-2022.yaml`` expects). Unlike that example, this cohort is not about
eligibility: every applicant is built to be eligible (no duplicates, no late submissions, mentees
in the programme's groups at Band 4-7, mentors at Band 8a-9 or Band 7 with five years or more in
role), and nearly every mentee-mentor pair is allowed, so the benchmark measures matching on a
dense problem. The only pairs ruled out are:

* Band 7 mentees with Band 7 mentors (the rule file's band gap of at least one band), and
* a few line-manager links (a mentee names a mentor in the file as their line manager).

Half the applicants are mentors (``mentor_share``), offering 1-3 places (blank counts as 1).
Organisations are the programme's seven, skewed towards East Kent and Maidstone, written in the
ways staff write them. Goals and offers are Forms multi-selects.

Everything comes from one ``random.Random(seed)``, so the same size and seed give the same rows.
"""

from __future__ import annotations

import csv
import random
import sys
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

SEED = 2022
DEADLINE = datetime(2022, 10, 14, 17, 30)
OPENED = datetime(2022, 9, 19, 9, 0)

# --- the columns (Microsoft Forms' own, then the questions, as the rule file heads them) --------

H_NAME = "Full name"
H_EMAIL = "Work email address"
H_ORG = "Which organisation do you work for?"
H_JOB = "Job title"
H_PROF = "Profession or staff group"
H_ROLE = "Are you applying to be a mentor or a mentee?"
H_BAND = "What is your current Agenda for Change band or grade?"
H_YEARS = "How long have you been in your current role?"
H_BEFORE = "Have you been part of a mentoring programme before?"
H_ETHNIC = "What is your ethnic group?"
H_GENDER = "What is your gender?"
H_GOALS = "Mentees: what would you like support with?"
H_OFFERS = "Mentors: which of these could you support a mentee with?"
H_CAPACITY = "Mentors: how many mentees could you support?"
H_MANAGER = "Your line manager's email address"

FORMS_COLUMNS = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]
QUESTION_COLUMNS = [
    H_NAME, H_ORG, H_EMAIL, H_JOB, H_PROF, H_ROLE, H_BAND, H_YEARS, H_BEFORE,
    H_GENDER, H_ETHNIC, H_GOALS, H_MANAGER, H_OFFERS, H_CAPACITY,
]  # fmt: skip
HEADER = FORMS_COLUMNS + QUESTION_COLUMNS

# --- answer vocabularies --------------------------------------------------------------------------

ORGANISATIONS: dict[str, list[str]] = {
    "EKHUFT": ["East Kent Hospitals University NHS Foundation Trust", "EKHUFT", "East Kent Hospitals"],
    "KCHFT": ["Kent Community Health NHS Foundation Trust", "KCHFT", "Kent Community Health"],
    "MTW": ["Maidstone and Tunbridge Wells NHS Trust", "MTW", "Maidstone & Tunbridge Wells"],
    "MFT": ["Medway NHS Foundation Trust", "Medway Foundation Trust", "MFT", "Medway Maritime Hospital"],
    "SECAmb": ["South East Coast Ambulance Service NHS Foundation Trust", "SECAmb", "SECAMB"],
    "CCG": ["Kent and Medway Clinical Commissioning Group", "Kent & Medway CCG", "K&M CCG"],
    "DGT": ["Dartford and Gravesham NHS Trust", "DGT", "Darent Valley Hospital"],
}
ORG_WEIGHTS = {"EKHUFT": 30, "MTW": 22, "KCHFT": 16, "MFT": 14, "DGT": 8, "SECAmb": 6, "CCG": 4}

MENTEE_BAND_WEIGHTS = {"4": 12, "5": 20, "6": 19, "7": 16}
MENTOR_BAND_WEIGHTS = {"7": 6, "8a": 15, "8b": 8, "8c": 4, "8d": 2, "9": 1}
CAPACITY_WEIGHTS = {1: 28, None: 2, 2: 9, 3: 3}  # None: left blank (counts as 1)

BAME = [
    "Asian or Asian British - Indian", "Asian or Asian British - Pakistani",
    "Asian or Asian British - Bangladeshi", "Asian or Asian British - Chinese",
    "Black or Black British - African", "Black or Black British - Caribbean",
    "Mixed - White and Black Caribbean", "Mixed - White and Asian", "Other ethnic group - Arab",
]  # fmt: skip
WHITE = ["White - British", "White - Irish", "White - Any other White background"]
NOT_SAID = "Prefer not to say"

CHOICES = [
    "Leadership", "Confidence", "Career progression", "Networking", "Interview skills",
    "Work-life balance", "Managing change", "Influencing",
]  # fmt: skip
# The high-diversity cohort's goals: forty, so that nearly every applicant's answers differ.
WIDE_CHOICES = [
    *CHOICES,
    "Budgeting", "Coaching others", "Clinical leadership", "Quality improvement", "Research",
    "Digital skills", "Public speaking", "Writing business cases", "Negotiation", "Resilience",
    "Time management", "Project management", "Team building", "Conflict resolution", "Strategy",
    "Governance", "Patient safety", "Service design", "Data and analytics", "Procurement",
    "Workforce planning", "Education", "Inclusion", "Wellbeing", "Partnership working",
    "Board papers", "Commissioning", "Recruitment", "Appraisals", "Mentoring others",
    "Presenting to executives", "Returning to work",
]  # fmt: skip
KINDS = ("low", "high")

WOMEN = [
    "Zoë", "Siobhán", "Amara", "Priya", "Chidinma", "Aoife", "Fatima", "Nadia", "Mei", "Ananya",
    "Renée", "Grace", "Hannah", "Sarah", "Emma", "Olivia", "Funmilayo", "Yasmin", "Leila", "María",
    "Agnieszka", "Niamh", "Charlotte", "Rebecca", "Adaeze", "Kavita", "Ngozi", "Claire", "Aisha",
]  # fmt: skip
MEN = [
    "José", "Mohammed", "Kwame", "Oluwaseun", "Wei", "Raj", "Arjun", "Tomasz", "Daniel", "James",
    "Oliver", "George", "Liam", "Seán", "Ibrahim", "Omar", "Kofi", "Deepak", "Yusuf", "Piotr",
]  # fmt: skip
NEUTRAL = ["Alex", "Sam", "Jordan", "Robin", "Kit", "Rowan", "Ash", "Kiran", "Jamie", "Morgan"]
SURNAMES = [
    "Okafor", "Hartley", "O'Neill", "Fernandes", "Adeyemi", "Mensah", "Chen", "Patel", "Shah",
    "Khan", "Begum", "Ahmed", "Brennan", "Murphy", "Kowalski", "Smith", "Jones", "Taylor", "Brown",
    "Williams", "Evans", "Clarke", "Da Silva", "Osei", "Boateng", "Singh", "Kaur", "Nair",
    "Rahman", "Hussain", "Wong", "Nguyen", "Santos", "Dubois", "Müller", "Ó Briain", "Lloyd-Jones",
]  # fmt: skip

PROFESSIONS = {
    "Nursing and Midwifery": ["Staff Nurse", "Ward Manager", "Matron", "Head of Nursing", "Midwife"],
    "Allied Health Professionals": ["Physiotherapist", "Radiographer", "Therapy Services Manager"],
    "Administrative and Clerical": ["Team Leader", "Service Manager", "Head of Operations"],
    "Healthcare Scientists": ["Biomedical Scientist", "Principal Clinical Scientist"],
    "Additional Professional Scientific and Technical": ["Pharmacist", "Lead Pharmacist"],
}

YEARS_SHORT = ["6 months", "less than a year", "18 months", "1 year", "2 years", "3 yrs", "4"]
YEARS_LONG = ["5", "5 years", "5+", "6 years", 7, "8 years", "10+ years", "Over 10 years", "15+"]


# --- people -----------------------------------------------------------------------------------------


@dataclass
class Person:
    role: str  # "mentee" or "mentor"
    name: str
    email: str
    band: str
    capacity: int | None = None


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(c for c in folded if c.isalnum() or c == "-")


def _title_email(email: str) -> str:
    local, domain = email.split("@")
    return ".".join(p[:1].upper() + p[1:] for p in local.split(".")) + "@" + domain


def _pick(rng: random.Random, weights: dict) -> object:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _band_text(rng: random.Random, band: str) -> object:
    if band.startswith("8"):
        letter = band[1]
        return rng.choice([f"Band 8{letter}", f"band 8{letter.upper()}", f"Band 8 - Range {letter.upper()}",
                           f"8{letter}", f"AfC Band 8{letter}"])  # fmt: skip
    return rng.choice([f"Band {band}", f"Band {band}", band, f"band {band}", f"AfC Band {band}"])


def _multi(rng: random.Random, low: int, high: int, choices: list[str] = CHOICES) -> str:
    picked = rng.sample(choices, rng.randint(low, high))
    return ";".join(picked) + ";" if rng.random() < 0.7 else ", ".join(picked)


def generate(n: int, seed: int = SEED, mentor_share: float = 0.5, kind: str = "low") -> list[list[object]]:
    """The data rows (no header) of an n-applicant cohort, in HEADER order; datetimes as datetime.

    ``kind`` "low" (low diversity: eight goals, few line-manager links, so many applicants answer
    alike) or "high" (forty goals, 1-6 per mentee and 2-10 per mentor, capacity 1-3 evenly, and
    a third of the mentees naming a mentor in the file as line manager: nearly everyone differs
    from everyone else in what the rules and the score read).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    high = kind == "high"
    rng = random.Random(seed)
    n_mentors = round(n * mentor_share)
    roles = ["mentor"] * n_mentors + ["mentee"] * (n - n_mentors)
    rng.shuffle(roles)
    counts: dict[str, int] = {}
    people: list[Person] = []
    answers: list[dict[str, object]] = []
    for number, role in enumerate(roles, start=1):
        if role == "mentee":
            # Inside the mentee groups: Black, Asian and minority ethnic, or a woman or non-binary.
            if rng.random() < 0.45:
                ethnicity, gender = rng.choice(BAME), rng.choice(["Woman", "Man", "Man", NOT_SAID])
            else:
                ethnicity = rng.choice(WHITE + WHITE[:1] * 3 + [NOT_SAID])
                gender = "Woman" if rng.random() < 0.9 else "Non-binary"
            band = str(_pick(rng, MENTEE_BAND_WEIGHTS))
        else:
            ethnicity = rng.choice(WHITE + WHITE[:1] * 4 + BAME + [NOT_SAID])
            gender = rng.choice(["Woman", "Woman", "Man", "Man", "Non-binary", NOT_SAID])
            band = str(_pick(rng, MENTOR_BAND_WEIGHTS))
        pool = {"Woman": WOMEN, "Man": MEN, "Non-binary": NEUTRAL}.get(gender, WOMEN + MEN + NEUTRAL)
        first, last = rng.choice(pool), rng.choice(SURNAMES)
        base = f"{_ascii(first)}.{_ascii(last)}"
        counts[base] = counts.get(base, 0) + 1
        email = f"{base}{counts[base] if counts[base] > 1 else ''}@nhs.net"
        org = str(_pick(rng, ORG_WEIGHTS))
        profession = rng.choice(list(PROFESSIONS))
        person = Person(role, f"{first} {last}", email, band)
        before = rng.random() < (0.25 if role == "mentee" else 0.5)
        if role == "mentor" and band == "7":
            years: object = rng.choice(YEARS_LONG)  # Band 7 mentors: five years or more in role
        else:
            years = rng.choice(YEARS_SHORT + YEARS_LONG)
        row: dict[str, object] = {
            H_NAME: person.name,
            H_EMAIL: email if rng.random() < 0.85 else _title_email(email),
            H_ORG: rng.choice(ORGANISATIONS[org]),
            H_JOB: rng.choice(PROFESSIONS[profession]),
            H_PROF: profession,
            H_ROLE: rng.choice(["Mentee", "Mentee", "I would like a mentor"])
            if role == "mentee"
            else rng.choice(["Mentor", "Mentor", "I would like to be a mentor"]),
            H_BAND: _band_text(rng, band),
            H_YEARS: years,
            H_BEFORE: rng.choice(["Yes", "yes"]) if before else rng.choice(["No", "no"]),
            H_ETHNIC: ethnicity,
            H_GENDER: gender,
        }
        if role == "mentee":
            row[H_GOALS] = _multi(rng, 1, 6, WIDE_CHOICES) if high else _multi(rng, 1, 4)
            if rng.random() < 0.4:  # a line manager outside the file
                row[H_MANAGER] = (
                    f"{_ascii(rng.choice(WOMEN + MEN))}.{_ascii(rng.choice(SURNAMES))}.lm@nhs.net"
                )
        else:
            row[H_OFFERS] = _multi(rng, 2, 10, WIDE_CHOICES) if high else _multi(rng, 3, 6)
            places = rng.choice([1, 2, 3]) if high else _pick(rng, CAPACITY_WEIGHTS)
            person.capacity = places if isinstance(places, int) else None
            row[H_CAPACITY] = "" if places is None else (str(places) if rng.random() < 0.8 else places)
        # Submission: once each, inside the window, so nobody is a duplicate or late.
        day = OPENED + timedelta(days=rng.randint(0, 24))
        completed = day.replace(hour=rng.randint(7, 21), minute=rng.randint(0, 59), second=rng.randint(0, 59))
        completed = min(completed, DEADLINE - timedelta(minutes=45))
        started = completed - timedelta(seconds=rng.randint(90, 1500))
        anonymous = rng.random() < 0.25
        row["ID"] = number
        row["Start time"] = started
        row["Completion time"] = completed
        row["Email"] = "anonymous" if anonymous else _title_email(email)
        row["Name"] = "" if anonymous else person.name
        people.append(person)
        answers.append(row)

    # A few line-manager links inside the file: the mentee names a senior mentor (pair ruled out).
    mentees = [n for n, p in enumerate(people) if p.role == "mentee" and p.band in ("4", "5", "6")]
    seniors = [n for n, p in enumerate(people) if p.role == "mentor" and p.band.startswith("8")]
    links = min(max(3, len(mentees) // (3 if high else 200)), len(mentees), len(seniors))
    if high:  # line managers are shared: a third of the mentees, a sample of the seniors each
        bosses = [rng.choice(seniors) for _ in range(links)] if seniors else []
        for mentee, boss in zip(rng.sample(mentees, links), bosses, strict=True):
            answers[mentee][H_MANAGER] = people[boss].email
            answers[mentee][H_ORG] = answers[boss][H_ORG]
        return [[row.get(h, "") for h in HEADER] for row in answers]
    for mentee, boss in zip(rng.sample(mentees, links), rng.sample(seniors, links), strict=True):
        answers[mentee][H_MANAGER] = people[boss].email
        answers[mentee][H_ORG] = answers[boss][H_ORG]
    return [[row.get(h, "") for h in HEADER] for row in answers]


# --- writing ----------------------------------------------------------------------------------------


def _text_time(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y %H:%M:%S")  # day first, as the UK Forms CSV download


def write_csv(path: Path, rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow([_text_time(v) if isinstance(v, datetime) else v for v in row])


def write_xlsx(path: Path, rows: list[list[object]]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    ws.append(HEADER)
    for row in rows:
        cells: list[object] = []
        for value in row:
            if isinstance(value, datetime):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "m/d/yy h:mm:ss"  # how Forms shows its times
                cells.append(cell)
            else:
                cells.append(None if value == "" else value)
        ws.append(cells)
    wb.properties.creator = "Microsoft Forms (synthetic benchmark cohort)"
    wb.properties.created = datetime(2022, 10, 17, 9, 0, 0)
    wb.save(path)


def write_cohort(
    path: Path | str, n: int, seed: int = SEED, mentor_share: float = 0.5, kind: str = "low"
) -> Path:
    """Write an n-applicant cohort of ``kind`` ("low" or "high" diversity) to ``path`` (.xlsx or
    .csv, by suffix)."""
    path = Path(path)
    rows = generate(n, seed, mentor_share, kind)
    if path.suffix.lower() == ".csv":
        write_csv(path, rows)
    elif path.suffix.lower() == ".xlsx":
        write_xlsx(path, rows)
    else:
        raise ValueError(f"{path}: write .xlsx or .csv")
    return path


def expected_counts(n: int, mentor_share: float = 0.5) -> tuple[int, int]:
    """(mentees, mentors) in an n-applicant cohort: every one of them is eligible."""
    mentors = round(n * mentor_share)
    return n - mentors, mentors


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or (len(sys.argv) == 4 and sys.argv[3] not in KINDS):
        sys.exit("usage: cohort.py SIZE OUTPUT.xlsx|OUTPUT.csv [low|high]")
    size = int(sys.argv[1])
    out = write_cohort(sys.argv[2], size, kind=sys.argv[3] if len(sys.argv) == 4 else "low")
    mentees, mentors = expected_counts(size)
    print(f"wrote {out}: {size} applicants ({mentees} mentees, {mentors} mentors), all eligible")
