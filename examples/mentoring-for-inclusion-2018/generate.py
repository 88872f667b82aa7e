"""Write the synthetic Mentoring for Inclusion 2018 applications export and its expected outcomes.

    python examples/mentoring-for-inclusion-2018/generate.py [OUTPUT_FOLDER]

Writes ``applications.xlsx`` (Microsoft Forms export layout) and ``expected.csv`` next to this
script, or into OUTPUT_FOLDER. Every person and organisation is invented; the run is deterministic
(``random.Random(2018)``, fixed file timestamps), so running it twice gives identical bytes.

The expected outcome of every row is decided here from how the row was built (which single rule it
was made to break), never by running mentormatch. ``cohort()`` returns the same rows in memory,
with each person's true part of the system and mentor places, so tests can check the pairs
independently of the tool.
"""

from __future__ import annotations

import dataclasses
import random
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # examples/synthetic.py
from synthetic import (
    RANK,
    FormsBuilder,
    FormsHabits,
    FormsSubmission,
    ascii_slug,
    counts,
    forms_columns,
    forms_order,
    fresh,
    latest_by_email,
    out_folder,
    print_counts,
    role_answer,
    title_email,
    unique_email,
    working_hours,
    write_expected,
    write_forms_xlsx,
)

HERE = Path(__file__).resolve().parent
SEED = 2018
OPENED = datetime(2018, 1, 2, 9, 0)  # "Posted: Tuesday, 2nd January, 2018"; no closing date
FIXED_STAMP = (2018, 3, 1, 9, 0, 0)  # zip entry times and the workbook's modified date

# --- the question columns, with the rule file's first header for each field --------------------

H_NAME = "Full name"
H_EMAIL = "Work email address"
H_ROLE = "Are you applying to be a mentor or a mentee?"
H_ORG = "Which organisation do you work for?"
H_JOB = "Job title"
H_SECTOR = "Which part of the health and care system do you work in?"
H_BAND = "What is your Agenda for Change band (or your grade, if you are not on Agenda for Change)?"
H_COMMIT = (
    "I commit to the six-month programme, including the 'trading places' workplace exchange,"
    " and to supporting my partner's development"
)
H_GOALS = "What would you like to learn from your mentoring partner?"
H_OFFERS = "What could you offer your mentoring partner?"
H_CAPACITY = "Mentors: how many mentees could you support (1 or 2)?"
H_ETHNIC = "Equality monitoring: what is your ethnic group?"
H_DISABILITY = "Equality monitoring: do you consider yourself to have a disability?"
H_SEXUAL = "Equality monitoring: what is your sexual orientation?"
H_GENDER_ID = "Equality monitoring: is your gender identity the same as the sex you were registered at birth?"

FORMS_COLUMNS = ["ID", "Start time", "Completion time", "Email", "Name"]
QUESTION_COLUMNS = [
    H_NAME, H_EMAIL, H_ROLE, H_ORG, H_JOB, H_SECTOR, H_BAND, H_COMMIT, H_GOALS, H_OFFERS,
    H_CAPACITY, H_ETHNIC, H_DISABILITY, H_SEXUAL, H_GENDER_ID,
]  # fmt: skip
HEADER = FORMS_COLUMNS + QUESTION_COLUMNS

# --- answer vocabularies ------------------------------------------------------------------------

# The rule file's grade table (grade typed instead of a band -> nearest band).
GRADES = {
    "Consultant": "8a", "Medical Consultant": "8a", "GP Partner": "8a", "Director of Public Health": "9",
    "Consultant in Public Health": "8c", "Head of Service": "8b", "Service Manager": "8a",
    "Team Manager": "7", "Senior Social Worker": "7", "Social Worker": "6", "Specialty Registrar": "7",
    "Care Worker": "3",
}  # fmt: skip

# The parts of the health and care system the form offers (the canonical answers).
SECTORS = [
    "Acute", "Community", "Mental health", "Primary care", "Ambulance", "Social care",
    "Commissioning", "Public health",
]  # fmt: skip

# Invented organisations. The two councils appear under social care and public health alike:
# the part of the system, not the employer, is what the hard rule compares.
ORGANISATIONS = {
    "Acute": [
        "Northgate University Hospitals NHS Foundation Trust", "Riverside Hospitals NHS Trust",
        "St Aldhelm's Hospital NHS Trust",
    ],
    "Community": ["Westmoor Community Health NHS Trust", "Northgate Community Services NHS Trust"],
    "Mental health": [
        "Eastvale Mental Health NHS Foundation Trust", "Riverside and Westmoor Partnership NHS Trust",
    ],
    "Primary care": [
        "Brookside Medical Practice", "Harbour Lane Surgery", "Northgate Central Primary Care Network",
    ],
    "Ambulance": ["Northern Counties Ambulance Service NHS Trust"],
    "Social care": ["Eastvale County Council", "Northgate City Council"],
    "Commissioning": ["Northgate and Eastvale Clinical Commissioning Group"],
    "Public health": ["Eastvale County Council", "Northgate City Council"],
}  # fmt: skip
COUNCIL_DOMAINS = {"Eastvale County Council": "eastvale.gov.uk", "Northgate City Council": "northgate.gov.uk"}

JOBS = {
    "Acute": (
        ["Staff Nurse", "Healthcare Assistant", "Physiotherapist", "Ward Clerk", "Junior Sister",
         "Biomedical Scientist", "Radiographer", "Pharmacy Technician"],
        ["Head of Nursing", "Divisional Director of Operations", "Consultant Physician",
         "Associate Director of Workforce", "Deputy Chief Operating Officer", "Consultant Anaesthetist"],
    ),
    "Community": (
        ["District Nurse", "Community Staff Nurse", "Occupational Therapist", "Podiatrist"],
        ["Head of Community Nursing", "Service Director", "Associate Director of Quality"],
    ),
    "Mental health": (
        ["Mental Health Nurse", "Support Worker", "Peer Support Worker", "Clinical Psychologist"],
        ["Associate Director of Nursing", "Consultant Clinical Psychologist", "Service Director"],
    ),
    "Primary care": (
        ["Practice Nurse", "Healthcare Assistant", "Clinical Pharmacist", "Receptionist"],
        ["GP Partner", "Clinical Director", "Practice Business Manager"],
    ),
    "Ambulance": (
        ["Paramedic", "Emergency Medical Technician", "Call Handler", "Emergency Care Assistant"],
        ["Head of Operations", "Consultant Paramedic", "Director of Clinical Services"],
    ),
    "Social care": (
        ["Social Worker", "Care Worker", "Occupational Therapist", "Reablement Officer"],
        ["Head of Adult Social Care", "Service Manager", "Principal Social Worker"],
    ),
    "Commissioning": (
        ["Commissioning Officer", "Data Analyst", "Project Support Officer"],
        ["Head of Commissioning", "Director of Strategy", "Chief Finance Officer"],
    ),
    "Public health": (
        ["Public Health Practitioner", "Health Improvement Officer", "Public Health Analyst"],
        ["Consultant in Public Health", "Director of Public Health", "Public Health Programme Lead"],
    ),
}  # fmt: skip

# One list of topics for both questions (what I would like to learn / what I could offer).
LIVED = "Lived experience of under-represented groups"
FRONTLINE = "Frontline and service user perspectives"
LEADERSHIP = "Leadership and management"
NETWORKS = "Networks and visibility"
CAREER = "Career progression"
CONFIDENCE = "Confidence and influencing"
RECRUITMENT = "Inclusive recruitment and talent management"
DIGITAL = "Digital and new ways of working"
SYSTEM = "Working across the health and care system"
COMPASSION = "Compassionate leadership in practice"
MENTEE_WANTS = [LEADERSHIP, NETWORKS, CAREER, CONFIDENCE, SYSTEM, COMPASSION]
MENTEE_OFFERS = [LIVED, FRONTLINE, DIGITAL, RECRUITMENT, SYSTEM]
MENTOR_WANTS = [LIVED, FRONTLINE, DIGITAL, RECRUITMENT, COMPASSION]
MENTOR_OFFERS = [LEADERSHIP, NETWORKS, CAREER, CONFIDENCE, SYSTEM, COMPASSION]

# Equality monitoring (special category data): wording chosen so no answer can be mistaken for
# any other cell of the output workbook.
ETHNICITIES_UNDER_REPRESENTED = [
    "Asian or Asian British - Indian", "Asian or Asian British - Pakistani",
    "Asian or Asian British - Bangladeshi", "Asian or Asian British - Chinese",
    "Black or Black British - African", "Black or Black British - Caribbean",
    "Mixed - White and Black Caribbean", "Mixed - White and Asian", "Other ethnic group - Arab",
    "White - Gypsy or Irish Traveller",
]  # fmt: skip
ETHNICITIES_WHITE = ["White - British", "White - Irish", "White - Any other White background"]
DISABILITY = ["No - I do not consider myself disabled", "Yes - I consider myself disabled"]
SEXUAL_ORIENTATION = ["Heterosexual or straight", "Gay or lesbian", "Bisexual", "Other sexual orientation"]
GENDER_IDENTITY = ["Yes - same as registered at birth", "No - different from registered at birth"]
NOT_SAID = "Prefer not to say"

FIRST_NAMES = [
    "Adebayo", "Aisha", "Amara", "Ananya", "Anjali", "Bartosz", "Bethan", "Chidi", "Chinwe", "Dariusz",
    "Deepa", "Dylan", "Efosa", "Eilidh", "Emre", "Fatima", "Femi", "Gurpreet", "Hana", "Hassan",
    "Ifeoma", "Imran", "Isabel", "Jia", "Joanna", "Kemi", "Kwabena", "Leon", "Lowri", "Mandeep",
    "Marcus", "Maryam", "Mei Ling", "Mohammed", "Naveen", "Ngozi", "Nia", "Oksana", "Olamide", "Owen",
    "Parisa", "Precious", "Rashid", "Rhiannon", "Rui", "Sade", "Saoirse", "Shabnam", "Simone", "Sunil",
    "Tariq", "Thi Hoa", "Valentina", "Xin", "Yaw", "Yetunde", "Zainab", "Ruth", "Peter", "Helen",
    "Andrew", "Catherine", "Stephen", "Margaret", "Ioana", "Florin", "Kofi", "Priya", "Jamal", "Siân",
]  # fmt: skip
SURNAMES = [
    "Abiodun", "Adeyemi", "Afolabi", "Ahmed", "Akhtar", "Ali", "Anand", "Appiah", "Banerjee", "Begum",
    "Bello", "Bhatt", "Brennan", "Campbell", "Chaudhry", "Chen", "Clarke", "Costa", "Dlamini",
    "Doherty", "Evans", "Farouk", "Fernandes", "Gallagher", "Gill", "Gomez", "Haddad", "Hughes",
    "Hussain", "Ibrahim", "Jackson", "Jones", "Kamara", "Kaur", "Khan", "Kowalczyk", "Kumar", "Lee",
    "Lewandowski", "Lin", "Mahmood", "McLeod", "Mensah", "Morgan", "Murray", "Nakamura", "Nguyen",
    "Nowak", "Nwachukwu", "Obi", "Okonkwo", "Oyelaran", "Papadopoulos", "Patel", "Popescu", "Quinn",
    "Rahman", "Reid", "Rossi", "Sandhu", "Santos", "Shah", "Sharma", "Singh", "Smith", "Tan", "Taylor",
    "Thomas", "Tran", "Walker", "Williams", "Yilmaz", "Zhang", "Da Silva", "Smith-Osei",
]  # fmt: skip
# Used first, so these spellings are certain to appear.
FEATURED = [
    "Ciarán O'Brien", "Zoltán Varga", "Wiktoria Wójcik", "Tomás Santos", "Siân Ap Rhys", "Chloé Mbeki",
]  # fmt: skip


@dataclass
class Applicant:
    name: str
    email: str  # identity: trimmed, lower case; "" when the applicant left it out
    role: str | None  # "mentee", "mentor", or None when the answer names no role
    role_text: str
    sector: str | None  # canonical part of the system; None when left blank
    sector_text: str
    org_text: str
    job_title: str
    band: str | None  # canonical band, None when the grade cannot be read
    band_text: object
    commit: bool | None
    commit_text: str
    places: int  # mentor places the tool should read (0 for mentees)
    capacity_text: object = ""
    goals_text: str = ""
    offers_text: str = ""
    monitoring: dict[str, str] = field(default_factory=dict)  # header -> special category answer
    tag: str = "eligible"  # the single rule this applicant was built to break


Submission = FormsSubmission
FORMS_HABITS = FormsHabits(seconds=(120, 1800), anonymous=0.3, text_times=0.1)


class Builder(FormsBuilder):
    """Invents applicants and their submissions from one seeded random stream."""

    habits = FORMS_HABITS

    def __init__(self, seed: int = SEED) -> None:
        super().__init__(seed)
        self.featured = list(FEATURED)

    # names and emails

    def person_name(self) -> str:
        if self.featured:
            name = self.featured.pop(0)
            self.used_names.add(name)
            return name
        return fresh(lambda: f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}", self.used_names)

    def email_for(self, name: str, org: str) -> str:
        first = next((f for f in sorted(FIRST_NAMES, key=len, reverse=True) if name.startswith(f + " ")),
                     name.split(" ", 1)[0])  # fmt: skip
        last = name[len(first) + 1 :]
        domain = COUNCIL_DOMAINS.get(org, "nhs.net")
        return unique_email(f"{ascii_slug(first)}.{ascii_slug(last)}", self.used_emails, domain)

    # answers

    def sector_text(self, sector: str) -> str:
        r = self.rng.random()
        if r < 0.55:
            return sector
        variants = [sector.lower(), sector.upper(), sector.title(), f" {sector} ", sector + "  ",
                    sector.replace(" ", "  ")]  # fmt: skip
        return self.rng.choice(variants)

    def band_text(self, band: str) -> object:
        if band.startswith("8"):
            letter = band[1]
            upper = letter.upper()
            forms = [f"Band 8{letter}", f"band 8{upper}", f"Band 8 - Range {upper}", f"8{letter}",
                     f"AfC Band 8{letter}"]  # fmt: skip
            return self.rng.choice(forms)
        if self.rng.random() < 0.1:
            return int(band)  # stored as a number
        forms = [f"Band {band}", f"Band {band}", band, f"band {band}", f"AfC Band {band}",
                 f"Agenda for Change Band {band}", f"Band {band} "]  # fmt: skip
        return self.rng.choice(forms)

    def commit_text(self, commit: bool) -> str:
        if commit:
            return self.rng.choice(["Yes", "Yes", "Yes", "yes", "Yes - I commit"])
        return "No"

    def multi(self, pool: list[str], k_low: int, k_high: int) -> str:
        picked = self.rng.sample(pool, self.rng.randint(k_low, k_high))
        r = self.rng.random()
        if r < 0.7:
            return ";".join(picked) + ";"  # Microsoft Forms style, trailing ";"
        if r < 0.85:
            return "; ".join(picked) + ";"
        return ";".join(picked)

    def capacity_text(self, places: int) -> object:
        if places == 2:
            return self.rng.choice(["2", "2", 2, "2 mentees", "Two"])
        return self.rng.choice(["1", "1", 1, "One", ""])  # blank: one mentee by default

    def monitoring(self, role: str) -> dict[str, str]:
        under = self.rng.random() < (0.7 if role == "mentee" else 0.35)
        eth = self.rng.choice(ETHNICITIES_UNDER_REPRESENTED if under else ETHNICITIES_WHITE)
        if self.rng.random() < 0.06:
            eth = NOT_SAID
        return {
            H_ETHNIC: eth,
            H_DISABILITY: self.rng.choices([*DISABILITY, NOT_SAID], weights=[8, 2, 1])[0],
            H_SEXUAL: self.rng.choices([*SEXUAL_ORIENTATION, NOT_SAID], weights=[7, 2, 2, 1, 1])[0],
            H_GENDER_ID: self.rng.choices([*GENDER_IDENTITY, NOT_SAID], weights=[12, 1, 1])[0],
        }

    def applicant(
        self,
        role: str,
        sector: str | None,
        band: str | None,
        *,
        band_text: object = None,
        places: int = 1,
        capacity_text: object = None,
        commit: bool | None = True,
        commit_text: str | None = None,
        role_text: str | None = None,
        sector_text: str | None = None,
        email: str | None = None,
        tag: str = "eligible",
    ) -> Applicant:
        home = sector or self.rng.choice(SECTORS)
        org = self.rng.choice(ORGANISATIONS[home])
        name = self.person_name()
        junior, senior = JOBS[home]
        job = self.rng.choice(senior if role == "mentor" else junior)
        if band_text in GRADES and band_text not in ("Consultant", "Medical Consultant"):
            job = str(band_text)
        if role_text is None:
            role_text = role_answer(self.rng, role)
        if sector_text is None:
            sector_text = self.sector_text(sector) if sector else ""
        person = Applicant(
            name=name,
            email=email if email is not None else self.email_for(name, org),
            role=role if role in ("mentee", "mentor") else None,
            role_text=role_text,
            sector=sector,
            sector_text=sector_text,
            org_text=org,
            job_title=job,
            band=band,
            band_text=band_text if band_text is not None else self.band_text(band or "5"),
            commit=commit,
            commit_text=commit_text if commit_text is not None else self.commit_text(bool(commit)),
            places=places if role == "mentor" else 0,
            monitoring=self.monitoring(role),
            tag=tag,
        )
        wants, offers = (MENTOR_WANTS, MENTOR_OFFERS) if role == "mentor" else (MENTEE_WANTS, MENTEE_OFFERS)
        person.goals_text = self.multi(wants, 1, 3)
        person.offers_text = self.multi(offers, 2, 4)
        if role == "mentor":
            person.capacity_text = self.capacity_text(places) if capacity_text is None else capacity_text
        return person

    # submission times and the Forms columns

    def time_in_window(self) -> datetime:
        return working_hours(self.rng, OPENED + timedelta(days=self.rng.randint(0, 45)))


# --- the cohort ---------------------------------------------------------------------------------

# Eligible mentees per part of the system: Acute is by far the largest, so Acute mentees compete
# for the few places of mentors outside Acute.
MENTEE_SECTORS = {
    "Acute": 24, "Community": 4, "Mental health": 4, "Primary care": 4, "Ambulance": 3,
    "Social care": 3, "Commissioning": 1, "Public health": 1,
}  # fmt: skip
# Eligible mentors: (part of the system, places, how the band or grade is written).
# Acute: 16 mentors here and one more below (26 places). Elsewhere: 14 mentors, 20 places. That is
# 46 places for 45 mentees, but the 24 Acute mentees can only use the 20 places outside Acute, so
# 4 of them stay unmatched while Acute places stay empty: the hard rule, not capacity, leaves them
# without a partner.
MENTORS: list[tuple[str, int, object]] = [
    ("Acute", 2, "Band 8a"), ("Acute", 2, "band 8A"), ("Acute", 2, "Band 8b"), ("Acute", 2, "8c"),
    ("Acute", 2, "Band 8 - Range D"), ("Acute", 2, "Band 9"), ("Acute", 2, "Consultant"),
    ("Acute", 2, "Medical Consultant"), ("Acute", 1, "Band 8a"), ("Acute", 1, "AfC Band 8b"),
    ("Acute", 1, "Consultant"), ("Acute", 1, "Band 8c"), ("Acute", 1, "band 8a"), ("Acute", 1, "8b"),
    ("Acute", 1, "Band 8A"), ("Acute", 1, "Consultant"),
    ("Community", 2, "Band 8b"), ("Community", 1, "Band 8a"),
    ("Mental health", 2, "band 8c"), ("Mental health", 1, "Consultant"),
    ("Primary care", 2, "GP Partner"), ("Primary care", 1, "Band 8a"),
    ("Ambulance", 1, "Band 8b"), ("Ambulance", 2, "AfC Band 8d"),
    ("Social care", 2, "Head of Service"), ("Social care", 1, "Service Manager"),
    ("Commissioning", 1, "Band 9"), ("Commissioning", 1, "Band 8 - Range A"),
    ("Public health", 2, "Director of Public Health"), ("Public health", 1, "Consultant in Public Health"),
]  # fmt: skip
MENTEE_GRADES = {"Social care": ["Social Worker", "Care Worker"], "Acute": ["Specialty Registrar"]}
MENTEE_BANDS = ["2", "3", "3", "4", "4", "5", "5", "5", "6", "6", "6", "7", "7"]


def band_of(text: object) -> str | None:
    """The canonical band this generator meant by a band or grade answer (None: unreadable)."""
    if str(text) in GRADES:
        return GRADES[str(text)]
    t = str(text).strip().lower()
    t = re.sub(r"^(agenda for change |afc )?band ", "", t)
    t = re.sub(r"^8 - range ([a-d])$", r"8\1", t)
    return t if t in RANK else None


def build(b: Builder) -> None:
    rng = b.rng
    eligible: list[Applicant] = []

    for sector, n in MENTEE_SECTORS.items():
        for _ in range(n):
            grades = MENTEE_GRADES.get(sector, [])
            if grades and rng.random() < (0.6 if sector == "Social care" else 0.12):
                text: object = rng.choice(grades)
                eligible.append(b.applicant("mentee", sector, band_of(text), band_text=text))
            else:
                band = rng.choice(MENTEE_BANDS)
                eligible.append(b.applicant("mentee", sector, band))
    for sector, places, text in MENTORS:
        eligible.append(b.applicant("mentor", sector, band_of(text), band_text=text, places=places))
    # An Acute mentor who typed 3 on a "1 or 2" question: read as 2 (the rule file's max).
    eligible.append(b.applicant("mentor", "Acute", "8a", band_text="Band 8a", places=2, capacity_text="3"))
    rng.shuffle(eligible)

    # Repeated submissions (latest completion counts; no deadline, so none is late).
    dup = eligible[:4]
    for person in eligible[4:]:
        b.submit(person)
    p = dup[0]  # twice: first with other goals, then the counted one with stray capitals/spaces
    t = OPENED + timedelta(days=4, hours=3, minutes=12, seconds=40)
    first_goals = b.multi(MENTEE_WANTS if p.role == "mentee" else MENTOR_WANTS, 1, 2)
    b.submit(dataclasses.replace(p, goals_text=first_goals), t)
    b.submit(p, t + timedelta(days=2, hours=1), email_text=f"  {title_email(p.email)} ")
    p = dup[1]  # three goes; the middle one with day-first text times
    t = OPENED + timedelta(days=9, hours=5, minutes=1, seconds=7)
    b.submit(p, t, email_text=p.email.upper())
    b.submit(p, t + timedelta(minutes=41), text_times=True)
    b.submit(p, t + timedelta(days=3, hours=2), email_text=title_email(p.email))
    p = dup[2]  # first said No to the commitment, then applied again saying Yes: the Yes counts
    t = OPENED + timedelta(days=14, hours=2, minutes=30, seconds=55)
    b.submit(dataclasses.replace(p, commit=False, commit_text="No - not sure I can commit yet"), t)
    b.submit(p, t + timedelta(days=5), email_text=p.email + " ")
    p = dup[3]  # opened the form, left it, finished after a quicker second go: completion decides
    t = OPENED + timedelta(days=20, hours=4, minutes=5, seconds=3)
    b.submit(dataclasses.replace(p, job_title="Acting " + p.job_title), t + timedelta(hours=3), started=t)
    b.submit(p, t + timedelta(hours=1, minutes=20), started=t + timedelta(hours=1), email_text=" " + p.email)

    # No deadline: an application four months after the programme opened is still eligible.
    late = b.applicant("mentee", "Community", "5", band_text="Band 5")
    b.submit(late, datetime(2018, 5, 21, 14, 7, 33))
    eligible.append(late)

    # Not committing to the six-month programme and its 'trading places' exchange.
    for role, sector, band, text in [
        ("mentee", "Acute", "5", "No"),
        ("mentee", "Mental health", "4", "no"),
        ("mentor", "Community", "8b", "No - I cannot commit to the exchange"),
        ("mentee", "Primary care", "6", ""),  # left blank
    ]:
        person = b.applicant(role, sector, band, commit=None if text == "" else False,
                             commit_text=text, tag="not-committed")  # fmt: skip
        b.submit(person)
    # Neither yes nor no: held for the coordinator's review (value-unreadable), not rejected.
    person = b.applicant("mentor", "Ambulance", "8a", commit=None, commit_text="Not sure yet",
                         tag="value-unreadable")  # fmt: skip
    b.submit(person)
    # Committed, then withdrew by submitting again with No: the latest submission counts.
    person = b.applicant("mentor", "Social care", "8b", band_text="Head of Service", tag="not-committed")
    first = b.submit(dataclasses.replace(person, commit=True, commit_text="Yes", tag="eligible"))
    b.submit(dataclasses.replace(person, commit=False, commit_text="No - my circumstances have changed"),
             first.completed + timedelta(days=6))  # fmt: skip

    # Mentors below Band 8a: eligible. The text names no band and is built on reverse mentoring
    # ("reverse mentoring will help to shift and equalise the 'power balance'"), where the mentor is
    # often the more junior colleague.
    below = [("Acute", "Band 7"), ("Community", "band 6"), ("Mental health", "AfC Band 7"),
             ("Social care", "Team Manager"), ("Social care", "Senior Social Worker")]  # fmt: skip
    for sector, text in below:
        person = b.applicant("mentor", sector, band_of(text), band_text=text)
        b.submit(person)

    # Grades without a standard band: eligible too (no rule reads the band).
    for sector, text in [("Commissioning", "Band 8"), ("Acute", "Associate Director")]:
        person = b.applicant("mentor", sector, None, band_text=text)
        b.submit(person)

    # Part of the system left blank: eligible ("selecting mentoring pairs who work in different
    # parts of the healthcare system" is how pairs are chosen, not who may apply); the pairing rule
    # cannot be checked for them, so they may be paired with anyone.
    for role, band in [("mentee", "6"), ("mentor", "8a")]:
        person = b.applicant(role, None, band, sector_text="")
        b.submit(person)

    # Role answer naming neither role: held for review (an answer the rules did not foresee).
    either = "Not sure yet - happy to do either"
    person = b.applicant("mentee", "Acute", "5", role_text=either, tag="answer-not-recognised")
    person.role = None
    b.submit(person)

    # No email anywhere: the question skipped and the form anonymous.
    person = b.applicant("mentee", "Acute", "4", email="", tag="email-missing")
    b.submit(person, email_text="", anonymous=True)


# --- expected outcomes --------------------------------------------------------------------------


def failures(p: Applicant) -> list[str]:
    """Every rule this applicant's answers break, in the tool's order (identity rules aside)."""
    if p.role is None:  # an answer naming no single role goes to review; a blank one is unknown
        return ["answer-not-recognised" if p.role_text.strip() else "role-unknown"]
    out = []
    if p.commit is None and p.commit_text.strip():  # "Not sure yet": the coordinator decides
        out.append("value-unreadable")
    elif p.commit is not True:
        out.append("not-committed")
    return out


def decide(subs: list[Submission]) -> None:
    """Set each submission's expected outcome and rule code, checking one rule per applicant."""
    counted = latest_by_email(subs, lambda s: (s.completed, s.row))
    for sub in subs:
        if not sub.person.email:
            codes = ["email-missing"]
        elif id(sub) not in counted:
            codes = ["duplicate-submission"]  # a replaced submission is not judged further
        else:
            codes = failures(sub.person)
            assert len(codes) <= 1, (sub.person.name, codes)  # one rule each, so the code is certain
            assert codes == ([] if sub.person.tag == "eligible" else [sub.person.tag]), sub.person
        sub.outcome, sub.rule = ("rejected", codes[0]) if codes else ("eligible", "")


# --- writing ------------------------------------------------------------------------------------

BLANK_AFTER = 47  # a blank row sits after this data row


def lay_out(b: Builder) -> list[Submission | None]:
    return forms_order(b.submissions, [BLANK_AFTER])


def cells(sub: Submission, forms_id: int, rng: random.Random) -> list[object]:
    p = sub.person
    forms = forms_columns(sub, forms_id, rng)
    answers: dict[str, object] = {
        H_NAME: sub.name_text,
        H_EMAIL: sub.email_text,
        H_ROLE: p.role_text,
        H_ORG: p.org_text,
        H_JOB: p.job_title,
        H_SECTOR: p.sector_text,
        H_BAND: p.band_text,
        H_COMMIT: p.commit_text,
        H_GOALS: p.goals_text,
        H_OFFERS: p.offers_text,
        H_CAPACITY: p.capacity_text,
        **p.monitoring,
    }
    return forms + [answers[h] if answers[h] != "" else None for h in QUESTION_COLUMNS]


def write_xlsx(rows: list[Submission | None], path: Path, rng: random.Random) -> None:
    widths = [5, 16, 16, 28, 20, 24, 30, 28, 40, 26, 18, 22, 16, 40, 40, 12, 30, 24, 22, 22]
    write_forms_xlsx(rows, path, HEADER, lambda sub, forms_id: cells(sub, forms_id, rng), widths, FIXED_STAMP)


def cohort() -> tuple[list[Submission | None], random.Random]:
    """Every row (None = the blank row) with its expected outcome, and the random stream after it."""
    b = Builder(SEED)
    build(b)
    rows = lay_out(b)
    decide([r for r in rows if r is not None])
    return rows, b.rng


def main(out_dir: Path | str | None = None) -> dict[str, int]:
    """Build the cohort and write applications.xlsx and expected.csv; return the outcome counts."""
    folder = out_folder(out_dir, HERE)
    rows, rng = cohort()
    write_xlsx(rows, folder / "applications.xlsx", rng)
    write_expected(rows, folder / "expected.csv")
    return counts(rows)


if __name__ == "__main__":
    print_counts(main(sys.argv[1] if len(sys.argv) > 1 else None), " (plus 1 blank)")
