"""Write the synthetic Kent & Medway MIND 2022 applications export and its expected outcomes.

    python examples/kent-medway-mind-2022/generate.py [OUTPUT_FOLDER]

Writes ``applications.xlsx`` (Microsoft Forms export layout) and ``expected.csv`` next to this
script, or into OUTPUT_FOLDER. Every person is invented; the run is deterministic
(``random.Random(2022)``, fixed file timestamps), so running it twice gives identical bytes.

The expected outcome of every row is decided here from how the row was built (which single rule it
was made to break), never by running mentormatch.
"""

from __future__ import annotations

import dataclasses
import math
import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # examples/synthetic.py
from synthetic import (
    BANDS,
    RANK,
    FormsBuilder,
    FormsHabits,
    FormsSubmission,
    ascii_slug,
    counts,
    forms_columns,
    forms_order,
    fresh,
    judge,
    latest_by_email,
    messy_email,
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
SEED = 2022
DEADLINE = datetime(2022, 10, 14, 17, 30)  # "Close of Business (5.30pm) on 14 October 2022", UK time
OPENED = datetime(2022, 9, 19, 9, 0)
FIXED_STAMP = (2022, 10, 17, 9, 0, 0)  # zip entry times and the workbook's modified date

# --- the question columns, with the rule file's first header for each field --------------------

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
# Not the rule file's order: organisation before email, gender before ethnicity, line manager
# before the mentor questions (the tool finds columns by header text, so order must not matter).
QUESTION_COLUMNS = [
    H_NAME, H_ORG, H_EMAIL, H_JOB, H_PROF, H_ROLE, H_BAND, H_YEARS, H_BEFORE,
    H_GENDER, H_ETHNIC, H_GOALS, H_MANAGER, H_OFFERS, H_CAPACITY,
]  # fmt: skip
HEADER = FORMS_COLUMNS + QUESTION_COLUMNS

# --- answer vocabularies ------------------------------------------------------------------------


# The seven organisations, each with the ways staff write it (all understood by the rule file).
ORGANISATIONS: dict[str, list[str]] = {
    "EKHUFT": [
        "East Kent Hospitals University NHS Foundation Trust", "EKHUFT", "East Kent Hospitals",
        "East Kent Hospitals University Foundation NHS Trust", "ekhuft",
    ],
    "KCHFT": ["Kent Community Health NHS Foundation Trust", "KCHFT", "Kent Community Health"],
    "MTW": [
        "Maidstone and Tunbridge Wells NHS Trust", "MTW", "Maidstone & Tunbridge Wells",
        "Maidstone & Tunbridge Wells NHS Trust",
    ],
    "MFT": ["Medway NHS Foundation Trust", "Medway Foundation Trust", "MFT", "Medway Maritime Hospital"],
    "SECAmb": [
        "South East Coast Ambulance Service NHS Foundation Trust", "SECAmb", "SECAMB",
        "South East Coast Ambulance Service",
    ],
    "CCG": [
        "Kent and Medway Clinical Commissioning Group", "Kent & Medway CCG", "K&M CCG",
        "Kent and Medway CCG",
    ],
    "DGT": [
        "Dartford and Gravesham NHS Trust", "Dartford & Gravesham NHS Foundation Trust", "DGT",
        "Darent Valley Hospital",
    ],
}  # fmt: skip
ORG_WEIGHTS = {"EKHUFT": 5, "KCHFT": 3, "MTW": 4, "MFT": 3, "SECAmb": 2, "CCG": 2, "DGT": 2}

# "...within Kent & Medway NHS Organisations": these are not among the seven the FAQs list.
# All but one are outside Kent & Medway; the Kent and Medway NHS and Social Care Partnership Trust
# is a Kent & Medway NHS organisation, so it is in the programme (NHS England's ICS list).
IN_AREA_NOT_LISTED = "Kent and Medway NHS and Social Care Partnership Trust"
OUTSIDE_ORGANISATIONS = [
    "Guy's and St Thomas' NHS Foundation Trust",
    "Sussex Community NHS Foundation Trust",
    IN_AREA_NOT_LISTED,
    "Oxleas NHS Foundation Trust",
    "Surrey and Sussex Healthcare NHS Trust",
    "University Hospitals Sussex NHS Foundation Trust",
]

# UK census 2021 wording, as the form offers it.
BAME_ETHNICITIES = [
    "Asian or Asian British - Indian", "Asian or Asian British - Pakistani",
    "Asian or Asian British - Bangladeshi", "Asian or Asian British - Chinese",
    "Asian or Asian British - Any other Asian background", "Black or Black British - African",
    "Black or Black British - Caribbean", "Mixed - White and Black Caribbean",
    "Mixed - White and Asian", "Mixed - White and Black African", "Other ethnic group - Arab",
]  # fmt: skip
WHITE_ETHNICITIES = ["White - British", "White - Irish", "White - Any other White background"]
MENTEE_GROUP_PREFIXES = ("Asian", "Black", "Mixed", "Other ethnic group", "Arab", "Gypsy or Irish Traveller")
MENTEE_GROUP_GENDERS = ("Woman", "Female", "Non-binary")
NOT_SAID = "Prefer not to say"

CHOICES = [
    "Leadership", "Confidence", "Career progression", "Networking", "Interview skills",
    "Work-life balance", "Managing change", "Influencing",
]  # fmt: skip

WOMEN = [
    "Zoë", "Siobhán", "Amara", "Priya", "Chidinma", "Aoife", "Fatima", "Nadia", "Mei", "Ananya",
    "Renée", "Grace", "Hannah", "Sarah", "Emma", "Olivia", "Funmilayo", "Yasmin", "Leila", "María",
    "Agnieszka", "Ewa", "Sinéad", "Niamh", "Charlotte", "Rebecca", "Adaeze", "Shreya", "Kavita",
    "Ngozi", "Thandiwe", "Lucía", "Inês", "Claire", "Laura", "Bethany", "Samira", "Hui Min",
    "Nkechi", "Efua", "Jasmine", "Sophie", "Gemma", "Kerry-Ann", "Roisin", "Aisha", "Deepa",
    "Folake", "Chloé", "Marta",
]  # fmt: skip
MEN = [
    "José", "Mohammed", "Kwame", "Oluwaseun", "Wei", "Raj", "Arjun", "Tomasz", "Daniel", "James",
    "Oliver", "George", "Liam", "Conor", "Seán", "Ibrahim", "Omar", "Chukwuemeka", "Kofi",
    "Deepak", "Sanjay", "Hamza", "Yusuf", "Mateus", "Luis", "Piotr", "Matthew", "David", "Paul",
    "Richard", "Gareth", "Tunde", "Emeka", "Jun", "André", "Rhys", "Adebayo", "Karim",
]  # fmt: skip
# Used first, so these spellings are certain to appear.
FEATURED = {
    "Woman": ["Siobhán O'Neill", "Zoë Hartley", "Chidinma Okafor", "Renée Dubois"],
    "Man": ["José Fernandes", "Seán Ó Briain", "Oluwaseun Adeyemi"],
    "Non-binary": ["Kiran Nair"],
}
NEUTRAL = ["Alex", "Sam", "Jordan", "Robin", "Kit", "Rowan", "Ash", "Kiran", "Jamie", "Morgan"]
SURNAMES = [
    "Okafor", "Hartley", "O'Neill", "Fernandes", "Adeyemi", "Mensah", "Chen", "Raghavan",
    "Patel", "Shah", "Khan", "Iqbal", "Begum", "Ahmed", "Haddad", "Brennan", "Murphy",
    "Kowalski", "Nowak", "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans",
    "Roberts", "Walker", "Wright", "Hughes", "Edwards", "Clarke", "Campbell", "Mackenzie",
    "Da Silva", "Osei", "Boateng", "Asante", "Nwosu", "Eze", "Singh", "Kaur", "Sandhu", "Nair",
    "Menon", "Rahman", "Hussain", "Ali", "Wong", "Nguyen", "Santos", "Pereira", "Dubois",
    "Müller", "Ó Briain", "Smith-Okoro", "Lloyd-Jones", "McCarthy", "Achebe", "Gallagher",
    "Thompson", "Bailey", "Kelly", "Fraser", "Lopes", "Varghese", "Kuruvilla", "Mbeki",
]  # fmt: skip

# Job titles by staff group and band.
TITLES: dict[str, dict[str, list[str]]] = {
    "Nursing and Midwifery": {
        "3": ["Healthcare Assistant", "Senior Healthcare Assistant"],
        "4": ["Assistant Practitioner", "Nursing Associate"],
        "5": ["Staff Nurse", "Midwife", "Community Staff Nurse"],
        "6": ["Senior Staff Nurse", "Sister", "Specialist Midwife", "District Nurse"],
        "7": ["Ward Manager", "Clinical Nurse Specialist", "Advanced Nurse Practitioner"],
        "8a": ["Matron", "Lead Nurse"],
        "8b": ["Head of Nursing", "Head of Midwifery"],
        "8c": ["Deputy Director of Nursing"],
        "8d": ["Associate Director of Nursing"],
        "9": ["Deputy Chief Nurse"],
    },
    "Allied Health Professionals": {
        "4": ["Therapy Assistant Practitioner"],
        "5": ["Physiotherapist", "Occupational Therapist", "Radiographer", "Dietitian"],
        "6": ["Senior Physiotherapist", "Specialist Speech and Language Therapist"],
        "7": ["Clinical Lead Physiotherapist", "Advanced Practitioner Radiographer"],
        "8a": ["Therapy Services Manager", "Consultant Radiographer"],
        "8b": ["Head of Therapies"],
        "8c": ["AHP Lead"],
    },
    "Administrative and Clerical": {
        "2": ["Receptionist"],
        "3": ["Ward Clerk", "Administrator"],
        "4": ["Medical Secretary", "Team Administrator", "HR Assistant"],
        "5": ["Finance Officer", "Patient Pathway Coordinator", "HR Advisor"],
        "6": ["Project Manager", "Senior HR Advisor", "Information Analyst"],
        "7": ["Service Manager", "Senior Finance Manager", "Programme Manager"],
        "8a": ["General Manager", "Head of Patient Experience"],
        "8b": ["Head of HR", "Associate Director of Operations"],
        "8c": ["Deputy Director of Finance"],
        "8d": ["Director of Strategy and Partnerships"],
        "9": ["Deputy Chief Operating Officer"],
    },
    "Ambulance Services": {
        "4": ["Associate Ambulance Practitioner", "Emergency Medical Advisor"],
        "5": ["Paramedic"],
        "6": ["Specialist Paramedic", "Team Leader"],
        "7": ["Operating Unit Manager", "Advanced Paramedic Practitioner"],
        "8a": ["Operations Manager"],
        "8b": ["Head of Operations"],
    },
    "Healthcare Scientists": {
        "5": ["Biomedical Scientist"],
        "6": ["Specialist Biomedical Scientist"],
        "7": ["Senior Clinical Scientist"],
        "8a": ["Principal Clinical Scientist"],
        "8b": ["Consultant Clinical Scientist"],
    },
    "Additional Professional Scientific and Technical": {
        "4": ["Pharmacy Technician"],
        "5": ["Senior Pharmacy Technician"],
        "6": ["Pharmacist"],
        "7": ["Senior Pharmacist"],
        "8a": ["Lead Pharmacist"],
    },
    "Estates and Facilities": {
        "2": ["Porter"],
        "4": ["Facilities Supervisor"],
        "5": ["Estates Officer"],
        "6": ["Estates Manager"],
        "8a": ["Head of Estates"],
    },
}
DOCTOR_TITLES = {
    "Consultant": ["Consultant Anaesthetist", "Consultant Paediatrician", "Consultant Psychiatrist"],
    "Specialty Doctor": ["Specialty Doctor in Emergency Medicine", "Specialty Doctor"],
    "Specialist Grade": ["Specialist Grade Doctor"],
    "Associate Specialist": ["Associate Specialist in Obstetrics"],
    "Registrar": ["Registrar (ST5) in General Surgery"],
}

# How long in role: (as typed, lowest years, highest years).
YEARS_SHORT = [  # under 5 years for certain
    ("6 months", 0.5, 0.5), ("less than a year", 0.0, 1.0), ("18 months", 1.5, 1.5),
    ("1 year", 1, 1), ("2", 2, 2), ("2 years", 2, 2), ("3 yrs", 3, 3), ("3", 3, 3),
    ("4 years", 4, 4), ("4", 4, 4),
]  # fmt: skip
YEARS_LONG = [  # 5 years or more for certain
    ("5", 5, 5), ("5 years", 5, 5), ("5+", 5, math.inf), ("6 years", 6, 6), (7, 7, 7),
    ("8 years", 8, 8), ("10+ years", 10, math.inf), ("Over 10 years", 10, math.inf),
    ("12 years", 12, 12), ("15+", 15, math.inf),
]  # fmt: skip
YEARS_ANY = [*YEARS_SHORT, *YEARS_LONG, ("3-5 years", 3, 5), ("", None, None)]


# --- people -------------------------------------------------------------------------------------


@dataclass
class Applicant:
    """One invented person's answers, with the canonical values the rules will read."""

    name: str
    email: str  # identity: trimmed, lower case; "" when the applicant left it out
    role: str | None  # "mentee", "mentor", or None when the answer names no role
    role_text: str
    org_text: str
    org_listed: bool
    band_text: object
    band: str | None  # canonical band, None when the grade cannot be read
    years_text: object
    years: tuple[float, float] | None
    before_text: str
    before: bool | None
    ethnicity: str
    gender: str
    job_title: str
    profession: str
    goals_text: str = ""
    offers_text: str = ""
    capacity_text: object = ""
    line_manager: str = ""
    tag: str = "eligible"  # the single rule this applicant was built to break


Submission = FormsSubmission
FORMS_HABITS = FormsHabits(seconds=(90, 1500), anonymous=0.25, text_times=0.12)


class Builder(FormsBuilder):
    """Invents applicants and their submissions from one seeded random stream."""

    habits = FORMS_HABITS

    def __init__(self, seed: int = SEED) -> None:
        super().__init__(seed)
        self.people: list[Applicant] = []

    # names and emails

    def person_name(self, gender: str) -> str:
        for name in FEATURED.get(gender, []):
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        pool = {"Woman": WOMEN, "Man": MEN, "Non-binary": NEUTRAL}.get(gender, WOMEN + MEN + NEUTRAL)
        return fresh(lambda: f"{self.rng.choice(pool)} {self.rng.choice(SURNAMES)}", self.used_names)

    def email_for(self, name: str) -> str:
        first = next(
            f for f in sorted(WOMEN + MEN + NEUTRAL, key=len, reverse=True) if name.startswith(f + " ")
        )
        last = name[len(first) + 1 :]
        return unique_email(f"{ascii_slug(first)}.{ascii_slug(last)}", self.used_emails)

    # answers

    def org(self) -> str:
        keys = list(ORG_WEIGHTS)
        choice = self.rng.choices(keys, weights=[ORG_WEIGHTS[k] for k in keys])[0]
        return self.rng.choice(ORGANISATIONS[choice])

    def band_text(self, band: str) -> object:
        r = self.rng.random()
        if band.startswith("8"):
            letter = band[1]
            forms = [
                f"Band 8{letter}",
                f"band 8{letter.upper()}",
                f"Band 8 - Range {letter.upper()}",
                f"8{letter}",
                f"AfC Band 8{letter}",
                f"Band 8{letter.upper()}",
            ]
            return self.rng.choice(forms)
        if r < 0.08:
            return int(band)  # typed into Excel by a coordinator, stored as a number
        forms = [f"Band {band}", f"Band {band}", band, f"band {band}", f"AfC Band {band}",
                 f"Agenda for Change Band {band}", f"Band {band} "]  # fmt: skip
        return self.rng.choice(forms)

    def yes_no(self, value: bool) -> str:
        return self.rng.choice(["Yes", "Yes", "yes"] if value else ["No", "No", "no"])

    def multi(self, k_low: int, k_high: int) -> str:
        picked = self.rng.sample(CHOICES, self.rng.randint(k_low, k_high))
        if self.rng.random() < 0.7:
            return ";".join(picked) + ";"  # Microsoft Forms style
        return ", ".join(picked)

    def capacity(self, places: int | None) -> object:
        if places is None:
            return ""
        if places == 2:
            return self.rng.choice(["2", "2", "2 mentees", 2])
        return str(places) if self.rng.random() < 0.8 else places

    def mentee_identity(self) -> tuple[str, str]:
        """Ethnicity and gender of someone inside the mentee groups (BAME, woman or non-binary)."""
        r = self.rng.random()
        if r < 0.45:
            eth, gen = self.rng.choice(BAME_ETHNICITIES), self.rng.choice(["Woman", "Man", "Man"])
            if self.rng.random() < 0.08:
                gen = NOT_SAID
            return eth, gen
        if r < 0.9:
            return self.rng.choice(WHITE_ETHNICITIES + ["White - British"] * 3), "Woman"
        if r < 0.95:
            return self.rng.choice(WHITE_ETHNICITIES + BAME_ETHNICITIES), "Non-binary"
        return NOT_SAID, "Woman"

    def any_identity(self) -> tuple[str, str]:
        eth = self.rng.choice(WHITE_ETHNICITIES + ["White - British"] * 4 + BAME_ETHNICITIES + [NOT_SAID])
        gen = self.rng.choice(["Woman", "Woman", "Man", "Man", "Non-binary", NOT_SAID])
        return eth, gen

    def job(self, band: str, org_text: str) -> tuple[str, str]:
        groups = [g for g, by_band in TITLES.items() if band in by_band]
        ambulance = any(s in org_text for s in ("Ambulance", "SECAmb", "SECAMB"))
        if ambulance and band in TITLES["Ambulance Services"]:
            group = "Ambulance Services"
        else:
            group = self.rng.choice([g for g in groups if g != "Ambulance Services"] or groups)
        return self.rng.choice(TITLES[group][band]), group

    def applicant(
        self,
        role: str,
        band: str,
        *,
        tag: str = "eligible",
        band_text: object = None,
        grade: str | None = None,
        identity: tuple[str, str] | None = None,
        years: tuple[object, float | None, float | None] | None = None,
        before: bool | None = None,
        org_text: str | None = None,
        role_text: str | None = None,
        places: int | None = 1,
        email: str | None = None,
    ) -> Applicant:
        eth, gen = identity or (self.mentee_identity() if role == "mentee" else self.any_identity())
        name = self.person_name(gen)
        org_listed = org_text is None
        org_text = org_text if org_text is not None else self.org()
        if grade is not None:  # a medical grade, typed instead of a band
            job_title, profession = self.rng.choice(DOCTOR_TITLES[grade]), "Medical and Dental"
        else:
            job_title, profession = self.job(band if band in BANDS else "8a", org_text)
        if years is None:
            years = self.rng.choice(YEARS_ANY if role == "mentee" else YEARS_LONG + YEARS_SHORT)
        years_text, low, high = years
        if before is None:
            before = self.rng.random() < (0.25 if role == "mentee" else 0.5)
        before_text = self.yes_no(before)
        if role == "mentee" and self.rng.random() < 0.15:
            before_text, before = "", None  # optional question skipped
        if role_text is None:
            role_text = role_answer(self.rng, role)
        person = Applicant(
            name=name,
            email=email if email is not None else self.email_for(name),
            role=role if role in ("mentee", "mentor") else None,
            role_text=role_text,
            org_text=org_text,
            org_listed=org_listed,
            band_text=band_text if band_text is not None else (grade or self.band_text(band)),
            band=band if band in BANDS else None,
            years_text=years_text,
            years=None if low is None else (float(low), float(high)),
            before_text=before_text,
            before=before,
            ethnicity=eth,
            gender=gen,
            job_title=job_title,
            profession=profession,
            tag=tag,
        )
        if role == "mentee" or person.role is None:
            person.goals_text = self.multi(1, 4)
        if role == "mentor":
            person.offers_text = self.multi(3, 6)
            person.capacity_text = self.capacity(places)
        self.people.append(person)
        return person

    # submission times and the Forms columns

    def time_in_window(self) -> datetime:
        if self.rng.random() < 0.15:  # the deadline-day rush
            day = DEADLINE.replace(hour=8, minute=0, second=0)
            return day + timedelta(seconds=self.rng.randint(0, int(9.4 * 3600)))
        moment = working_hours(self.rng, OPENED + timedelta(days=self.rng.randint(0, 24)))
        return min(moment, DEADLINE - timedelta(minutes=45))


# --- the cohort ---------------------------------------------------------------------------------

MENTEE_BANDS = ["4"] * 12 + ["5"] * 20 + ["6"] * 19 + ["7"] * 16
MENTOR_BANDS = ["8a"] * 15 + ["8b"] * 8 + ["8c"] * 4 + ["8d"] * 2 + ["9"]
MENTOR_PLACES = [1] * 28 + [None] * 2 + [2] * 9 + [3] * 3  # None: left blank, counts as 1


def build(b: Builder) -> None:
    rng = b.rng

    # Eligible mentees: 67 banded, plus a Specialty Doctor (grade table: Band 7).
    mentees = [b.applicant("mentee", band) for band in MENTEE_BANDS]
    mentees.append(b.applicant("mentee", "7", grade="Specialty Doctor"))

    # Eligible mentors: 30 banded 8a+, 5 medical, 7 at Band 7 by years or an earlier programme.
    places = MENTOR_PLACES[:]
    rng.shuffle(places)
    mentors = [b.applicant("mentor", band, places=places.pop()) for band in MENTOR_BANDS]
    for grade in ["Consultant", "Consultant", "Consultant", "Specialist Grade"]:
        mentors.append(b.applicant("mentor", "8a", grade=grade, places=places.pop()))
    mentors.append(
        b.applicant("mentor", "8a", grade="Consultant", band_text="Medical Consultant", places=places.pop())
    )
    for _ in range(4):  # Band 7, five years or more in role, no earlier programme
        mentors.append(
            b.applicant("mentor", "7", years=rng.choice(YEARS_LONG), before=False, places=places.pop())
        )
    for _ in range(3):  # Band 7, under five years, but mentored before
        mentors.append(
            b.applicant("mentor", "7", years=rng.choice(YEARS_SHORT), before=True, places=places.pop())
        )
    assert not places

    # Line managers: most are outside the file; three mentees name a mentor in the file.
    for mentee in mentees:
        if rng.random() < 0.4:
            boss = b.person_name(rng.choice(["Woman", "Man"]))
            mentee.line_manager = messy_email(b.rng, b.email_for(boss))
    senior = [m for m in mentors if m.band in ("8a", "8b")]
    for mentee, boss in zip(rng.sample([m for m in mentees if m.band in ("5", "6")], 3),
                            rng.sample(senior, 3), strict=True):  # fmt: skip
        mentee.org_text, mentee.line_manager = boss.org_text, title_email(boss.email)

    everyone_eligible = mentees + mentors
    rng.shuffle(everyone_eligible)

    # Single in-time submissions for most; special cases below take a few people over.
    dup_people = everyone_eligible[:5]
    late_resubmitter = everyone_eligible[5]
    on_the_dot = everyone_eligible[6]
    for person in everyone_eligible[7:]:
        b.submit(person)

    # Repeated submissions (~6 duplicate rows). The latest in-time submission counts.
    p = dup_people[0]  # second time with stray capitals and spaces
    first = b.submit(p, OPENED + timedelta(days=3, hours=2, minutes=14, seconds=5))
    b.submit(p, first.completed + timedelta(days=2, hours=5), email_text=f"  {title_email(p.email)} ")
    p = dup_people[1]  # three goes; the middle one as day-first text
    t = OPENED + timedelta(days=8, hours=1, minutes=3, seconds=41)
    b.submit(p, t, email_text=p.email.upper())
    b.submit(p, t + timedelta(minutes=52), text_times=True)
    b.submit(p, t + timedelta(days=1, hours=3, minutes=7), email_text=title_email(p.email))
    p = dup_people[2]  # changed their mind about how many mentees (mentor) / goals (mentee)
    t = OPENED + timedelta(days=11, hours=4, minutes=40, seconds=12)
    b.submit(p, t)
    p2 = dataclasses.replace(p)
    if p2.role == "mentor":
        p2.capacity_text = "2"
    else:
        p2.goals_text = b.multi(2, 4)
    b.submit(p2, t + timedelta(hours=20), email_text=p.email + " ")
    p = dup_people[3]  # was acting up when first applying; the second go has the substantive title
    t = OPENED + timedelta(days=15, hours=6, minutes=1, seconds=9)
    b.submit(dataclasses.replace(p, job_title="Acting " + p.job_title), t, email_text=title_email(p.email))
    b.submit(p, t + timedelta(days=1, minutes=30), email_text=p.email)
    p = dup_people[4]  # opened the form, left it, finished later: completion time decides
    t = OPENED + timedelta(days=20, hours=1, minutes=30, seconds=17)
    b.submit(p, t + timedelta(minutes=15), started=t)
    b.submit(p, t + timedelta(hours=2), started=t - timedelta(minutes=30), email_text=" " + p.email)

    # In time on the last second, as day-first text.
    b.submit(on_the_dot, datetime(2022, 10, 14, 17, 29, 59), text_times=True)

    # In time, then a late resubmission: the in-time one counts.
    b.submit(late_resubmitter, datetime(2022, 10, 14, 16, 58, 12))
    late_email = title_email(late_resubmitter.email)
    b.submit(late_resubmitter, datetime(2022, 10, 14, 18, 20, 47), email_text=late_email)

    # Late only (otherwise eligible).
    late_times = [
        (datetime(2022, 10, 14, 17, 31, 12), False),
        (datetime(2022, 10, 14, 17, 45, 3), True),
        (datetime(2022, 10, 14, 21, 10, 26), False),
        (datetime(2022, 10, 15, 8, 2, 55), False),
        (datetime(2022, 10, 17, 10, 15, 0), True),
    ]
    late_roles = [("mentee", "5"), ("mentee", "6"), ("mentor", "8b"), ("mentee", "4"), ("mentor", "8a")]
    for (when, as_text), (role, band) in zip(late_times, late_roles, strict=True):
        person = b.applicant(role, band, tag="after-deadline")
        b.submit(person, when, text_times=as_text)

    # From organisations outside the seven (otherwise eligible).
    outside_roles = [("mentee", "5"), ("mentor", "8a"), ("mentee", "6"), ("mentee", "7"),
                     ("mentor", "8c"), ("mentee", "4")]  # fmt: skip
    for org, (role, band) in zip(OUTSIDE_ORGANISATIONS, outside_roles, strict=True):
        if org == IN_AREA_NOT_LISTED:  # eligible: a Kent & Medway NHS organisation
            person = b.applicant(role, band, org_text=org)
            person.org_listed = True
        else:
            person = b.applicant(role, band, org_text=org, tag="organisation-not-in-programme")
        b.submit(person)

    # Mentees outside Band 4-7 (inside the mentee groups).
    for band, text, grade in [("3", "Band 3", None), ("3", 3, None), ("2", "Band 2", None),
                              ("8a", "band 8A", None), ("8b", "Band 8 - Range B", None),
                              ("8a", "Consultant", "Consultant")]:  # fmt: skip
        b.submit(b.applicant("mentee", band, band_text=text, grade=grade, tag="band-out-of-range"))

    # Mentees who are neither BAME nor a woman or non-binary (Band 4-7).
    for eth, band in [("White - British", "5"), ("White - British", "6"), ("White - British", "7"),
                      ("White - Irish", "4"), ("White - Any other White background", "6")]:  # fmt: skip
        b.submit(b.applicant("mentee", band, identity=(eth, "Man"), tag="not-in-mentee-groups"))

    # Mentors below the bar: Band 5/6, or Band 7 with under five years and no earlier programme.
    bad_mentors = [
        ("6", "Band 6", ("10+ years", 10, math.inf), False),
        ("6", "6", ("2 years", 2, 2), True),
        ("5", "Band 5", ("Over 10 years", 10, math.inf), False),
        ("7", "AfC Band 7", ("3 yrs", 3, 3), False),
        ("7", "Band 7", ("18 months", 1.5, 1.5), False),
        ("7", "band 7", ("less than a year", 0, 1), False),
    ]
    for band, text, years, before in bad_mentors:
        person = b.applicant("mentor", band, band_text=text, years=years, before=before,
                             tag="mentor-band-or-experience")  # fmt: skip
        b.submit(person)

    # Grades without a standard band (never guessed): the coordinator is asked. "Band 8" without
    # its range is Band 8a to 8d, so at least 8a: an eligible mentor.
    for role, text, grade in [("mentor", "Associate Specialist", "Associate Specialist"),
                              ("mentee", "Registrar", "Registrar"),
                              ("mentor", "Band 8", None)]:  # fmt: skip
        if text == "Band 8":
            person = b.applicant(role, "8a", band_text=text)
        else:
            person = b.applicant(role, "?", band_text=text, grade=grade, tag="question-for-coordinator")
        b.submit(person)

    # Role answer blank (role-unknown) or "Not sure", which names no role: held for review
    # (otherwise a Band 5-6 woman who could be a mentee).
    for text, band in [("", "5"), ("Not sure", "6"), ("", "6")]:
        tag = "answer-not-recognised" if text else "role-unknown"
        person = b.applicant("mentee", band, role_text=text, tag=tag)
        person.role = None
        b.submit(person)

    # No email anywhere: the question skipped and the form anonymous.
    person = b.applicant("mentee", "5", email="", tag="email-missing")
    b.submit(person, email_text="", anonymous=True)


# --- expected outcomes --------------------------------------------------------------------------


def failures(p: Applicant) -> list[str]:
    """Every rule this applicant's answers break, in the tool's order (identity rules aside)."""
    out: list[str] = []
    if not p.email:
        out.append("email-missing")
    if p.role is None:  # an answer naming no single role goes to review; a blank one is unknown
        out.append("answer-not-recognised" if p.role_text.strip() else "role-unknown")
    if not p.org_listed:
        out.append("organisation-not-in-programme")
    if p.band is None:
        out.append("question-for-coordinator")
    if p.role is None or p.band is None:
        return out
    rank = RANK[p.band]
    if p.role == "mentee":
        groups = p.ethnicity.startswith(MENTEE_GROUP_PREFIXES) or p.gender in MENTEE_GROUP_GENDERS
        if not groups:
            out.append("not-in-mentee-groups")
        if not RANK["4"] <= rank <= RANK["7"]:
            out.append("band-out-of-range")
    else:
        by_years = p.years is not None and p.years[0] >= 5
        if p.band == "7" and p.before is not True:
            # Only unambiguous lengths: certainly 5+ or certainly under 5.
            assert p.years is not None and (p.years[0] >= 5 or p.years[1] < 5), p
        ok = rank >= RANK["8a"] or (p.band == "7" and (by_years or p.before is True))
        if not ok:
            out.append("mentor-band-or-experience")
    return out


def decide(subs: list[Submission]) -> None:
    """Set each submission's expected outcome and rule code, checking one rule per applicant."""
    counted = latest_by_email(subs, lambda s: s.completed, lambda s: s.completed <= DEADLINE)
    for sub in subs:
        identity = judge(sub, counted, failures(sub.person), late=sub.completed > DEADLINE)
        if identity == "email-missing":
            assert sub.person.tag == identity, sub.person
        if identity == "after-deadline":  # late-only people, or the one late resubmission
            assert sub.person.tag in (identity, "eligible"), sub.person
        if identity == "" and sub.person.tag != "after-deadline":
            assert sub.rule == ("" if sub.person.tag == "eligible" else sub.person.tag), sub.person


# --- writing ------------------------------------------------------------------------------------

BLANK_AFTER = (41, 88, 88)  # data rows after which a blank row sits (two together after 88)


def lay_out(b: Builder) -> list[Submission | None]:
    return forms_order(b.submissions, BLANK_AFTER)


def cells(sub: Submission, forms_id: int, rng: random.Random) -> list[object]:
    p = sub.person
    forms = forms_columns(sub, forms_id, rng)
    answers = {
        H_NAME: sub.name_text,
        H_EMAIL: sub.email_text,
        H_ORG: p.org_text,
        H_JOB: p.job_title,
        H_PROF: p.profession,
        H_ROLE: p.role_text,
        H_BAND: p.band_text,
        H_YEARS: p.years_text,
        H_BEFORE: p.before_text,
        H_ETHNIC: p.ethnicity,
        H_GENDER: p.gender,
        H_GOALS: p.goals_text,
        H_OFFERS: p.offers_text,
        H_CAPACITY: p.capacity_text,
        H_MANAGER: p.line_manager,
    }
    return [*forms, None] + [answers[h] if answers[h] != "" else None for h in QUESTION_COLUMNS]


def write_xlsx(rows: list[Submission | None], path: Path, rng: random.Random) -> None:
    widths = [5, 16, 16, 26, 20, 12, 24, 28, 34, 30, 22, 22, 24, 14, 12, 14, 30, 32, 30, 32, 10]
    write_forms_xlsx(rows, path, HEADER, lambda sub, forms_id: cells(sub, forms_id, rng), widths, FIXED_STAMP)


def main(out_dir: Path | str | None = None) -> dict[str, int]:
    """Build the cohort and write applications.xlsx and expected.csv; return the outcome counts."""
    folder = out_folder(out_dir, HERE)
    b = Builder(SEED)
    build(b)
    rows = lay_out(b)
    decide([r for r in rows if r is not None])
    write_xlsx(rows, folder / "applications.xlsx", b.rng)
    write_expected(rows, folder / "expected.csv")
    return counts(rows)


if __name__ == "__main__":
    print_counts(main(sys.argv[1] if len(sys.argv) > 1 else None), f" (plus {len(BLANK_AFTER)} blank)")
