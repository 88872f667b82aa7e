"""Write the synthetic Kent & Medway ICS NMA Experience 2023 applications export and its outcomes.

    python examples/kent-medway-nma-2023/generate.py [OUTPUT_FOLDER]

Writes ``applications.csv`` (Google Forms "Download responses (.csv)" layout, UTF-8 with a byte
order mark) and ``expected.csv`` next to this script, or into OUTPUT_FOLDER. Every person is
invented; the run is deterministic (``random.Random(2023)``), so running it twice gives identical
bytes. It needs only the standard library.

The expected outcome of every row is decided here from how the row was built (which single rule
it was made to break), never by running mentormatch.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # examples/synthetic.py
from synthetic import (
    GoogleBuilder,
    GoogleSubmission,
    ascii_slug,
    counts,
    decide_google,
    fresh,
    google_order,
    out_folder,
    plain_time,
    print_counts,
    unique_email,
    write_csv,
    write_google_csv,
)
from synthetic import google_time as google_stamp

HERE = Path(__file__).resolve().parent
SEED = 2023
DEADLINE = datetime(2023, 6, 6, 17, 30)  # "Close of Business (5.30pm) on Tuesday 06 June", UK time
OPENED = datetime(2023, 5, 9, 9, 0)
LAST_RANDOM = datetime(2023, 6, 6, 12, 0)  # ordinary submissions fall before this

EARLY, LATER = "early_career", "later_career"

# --- the Google Form's columns ------------------------------------------------------------------

H_TIME = "Timestamp"
H_EMAIL = "Email address"
H_NAME = "Full name"
H_ORG = "Which organisation do you work for?"
H_JOB = "Job title"
H_PROF = "What is your profession?"
H_ROLE = "Which mentoring partner role are you applying for?"
H_YEARS = "How many years of experience do you have in the industry / post-qualification?"
H_GOALS = "What would you like your mentoring partner to help you with?"
H_OFFERS = "What could you help your mentoring partner with?"
H_LAUNCH = "Can you attend the launch session on 15 June (11:00-12:00)?"
H_NOTES = "Anything else you would like us to know?"
HEADER = [H_TIME, H_EMAIL, H_NAME, H_ORG, H_JOB, H_PROF, H_ROLE, H_YEARS, H_GOALS, H_OFFERS,
          H_LAUNCH, H_NOTES]  # fmt: skip

ROLE_TEXT = {
    EARLY: "Early career mentoring partner (up to 5 years' experience)",
    LATER: "Later career mentoring partner (8+ years' experience)",
}

# --- organisations ------------------------------------------------------------------------------

# The eight Kent & Medway organisations of the rule file, each with the ways staff write it.
ORGANISATIONS: dict[str, tuple[str, list[str]]] = {
    "EKHUFT": ("East Kent Hospitals University NHS Foundation Trust", [
        "East Kent Hospitals University NHS Foundation Trust", "EKHUFT", "East Kent Hospitals",
        "ekhuft", "East Kent Hospitals University Foundation NHS Trust",
    ]),
    "KCHFT": ("Kent Community Health NHS Foundation Trust", [
        "Kent Community Health NHS Foundation Trust", "KCHFT", "Kent Community Health",
    ]),
    "MTW": ("Maidstone and Tunbridge Wells NHS Trust", [
        "Maidstone and Tunbridge Wells NHS Trust", "MTW", "Maidstone & Tunbridge Wells",
    ]),
    "MFT": ("Medway NHS Foundation Trust", [
        "Medway NHS Foundation Trust", "Medway Foundation Trust", "MFT", "Medway Maritime Hospital",
    ]),
    "DGT": ("Dartford and Gravesham NHS Trust", [
        "Dartford and Gravesham NHS Trust", "DGT", "Darent Valley Hospital",
    ]),
    "KMPT": ("Kent and Medway NHS and Social Care Partnership Trust", [
        "Kent and Medway NHS and Social Care Partnership Trust", "KMPT",
        "Kent & Medway NHS & Social Care Partnership Trust",
    ]),
    "SECAmb": ("South East Coast Ambulance Service NHS Foundation Trust", [
        "South East Coast Ambulance Service NHS Foundation Trust", "SECAmb",
        "South East Coast Ambulance Service",
    ]),
    "ICB": ("NHS Kent and Medway", [
        "NHS Kent and Medway", "NHS Kent & Medway", "Kent and Medway ICB",
        "Kent and Medway Integrated Care Board",
    ]),
}  # fmt: skip

# How many eligible people each organisation has, per role. East Kent, the largest trust, has
# more later career partners (25) than there are early career partners outside it (22), so three
# East Kent later career partners cannot be paired under "outside of your Trust / organisation".
EARLY_QUOTA = {"EKHUFT": 28, "KCHFT": 5, "MTW": 5, "MFT": 4, "DGT": 3, "KMPT": 2, "SECAmb": 2, "ICB": 1}
LATER_QUOTA = {"EKHUFT": 25, "KCHFT": 3, "MTW": 3, "MFT": 2, "DGT": 2, "KMPT": 1, "SECAmb": 1, "ICB": 1}

OUTSIDE_ORGANISATIONS = [
    "Guy's and St Thomas' NHS Foundation Trust",
    "Sussex Community NHS Foundation Trust",
    "Oxleas NHS Foundation Trust",
    "Surrey and Sussex Healthcare NHS Trust",
    "Kent County Council",
]
COUNCIL = "Kent County Council"

# --- professions --------------------------------------------------------------------------------

# The form's options (as Google writes them) and a few "Other:" answers, all accepted by the rules;
# each with job titles for early and later career.
PROFESSIONS: dict[str, tuple[list[str], list[str]]] = {
    "Nursing": (["Staff Nurse", "Community Staff Nurse", "Nursing Associate"],
                ["Ward Manager", "Matron", "Clinical Nurse Specialist", "Lead Nurse"]),
    "Midwifery": (["Midwife", "Community Midwife"], ["Specialist Midwife", "Head of Midwifery"]),
    "Art therapist": (["Art Psychotherapist"], ["Principal Art Psychotherapist"]),
    "Drama therapist": (["Dramatherapist"], ["Senior Dramatherapist"]),
    "Music therapist": (["Music Therapist"], ["Lead Music Therapist"]),
    "Chiropodist / Podiatrist": (["Podiatrist"], ["Advanced Podiatrist"]),
    "Dietitian": (["Dietitian"], ["Lead Dietitian"]),
    "Occupational therapist": (["Occupational Therapist"], ["Head of Occupational Therapy"]),
    "Operating department practitioner": (["Operating Department Practitioner"], ["Theatre Manager"]),
    "Orthoptist": (["Orthoptist"], ["Head Orthoptist"]),
    "Osteopath": (["Osteopath"], ["Consultant Osteopath"]),
    "Paramedic": (["Paramedic"], ["Operating Unit Manager", "Advanced Paramedic Practitioner"]),
    "Physiotherapist": (["Physiotherapist", "Rotational Physiotherapist"], ["Clinical Lead Physiotherapist"]),
    "Prosthetist / Orthotist": (["Orthotist"], ["Lead Prosthetist"]),
    "Diagnostic radiographer": (["Radiographer"], ["Advanced Practitioner Radiographer"]),
    "Therapeutic radiographer": (["Therapeutic Radiographer"], ["Consultant Therapeutic Radiographer"]),
    "Speech and language therapist": (["Speech and Language Therapist"],
                                      ["Lead Speech and Language Therapist"]),
    "Administrative / clerical": (["Medical Secretary", "Ward Clerk", "Team Administrator"],
                                  ["Service Manager", "Business Manager", "PA to the Chief Nurse"]),
}  # fmt: skip
# Heavier on the large professions; every profession appears at least once.
PROFESSION_WEIGHTS = {"Nursing": 14, "Midwifery": 4, "Administrative / clerical": 6, "Physiotherapist": 3,
                      "Occupational therapist": 3, "Paramedic": 3, "Diagnostic radiographer": 2}  # fmt: skip
# Typed into "Other:" (or written differently), still accepted: (answer, profession it stands for)
OTHER_ACCEPTED = [
    ("Registered Nurse (Adult)", "Nursing"),
    ("Staff nurse", "Nursing"),
    ("Nurse - mental health", "Nursing"),
    ("AHP - Paramedic", "Paramedic"),
    ("Midwife (community)", "Midwifery"),
    ("Admin & Clerical", "Administrative / clerical"),
    ("Podiatrist", "Chiropodist / Podiatrist"),
    ("Dietician", "Dietitian"),
]
# Not nursing, midwifery, an AHP or administration: (profession answer, job title)
OTHER_REJECTED = [
    ("Pharmacist", "Lead Pharmacist"),
    ("Doctor", "Specialty Doctor in Emergency Medicine"),
    ("Physician associate", "Physician Associate"),
    ("Pharmacy technician", "Senior Pharmacy Technician"),
]

# --- years of experience: (as typed, lowest, highest) -------------------------------------------

INF = float("inf")
YEARS_EARLY = [
    ("less than a year", 0, 1), ("6 months", 0.5, 0.5), ("18 months", 1.5, 1.5), ("1 year", 1, 1),
    ("2", 2, 2), ("2 years", 2, 2), ("3", 3, 3), ("3 years", 3, 3), ("4 yrs", 4, 4),
    ("4 years", 4, 4), ("3-5 years", 3, 5), ("5 years", 5, 5), ("5", 5, 5), ("Nearly 2 years", 2, 2),
    ("2 years 6 months", 2.5, 2.5), ("one year", 1, 1),
]  # fmt: skip
YEARS_LATER = [
    ("8+", 8, INF), ("8 years", 8, 8), ("9", 9, 9), ("10+ years", 10, INF), ("Over 10 years", 10, INF),
    ("12 years", 12, 12), ("15", 15, 15), ("15+ years", 15, INF), ("20 years", 20, 20),
    ("More than 20 years", 20, INF), ("25", 25, 25), ("30+", 30, INF), ("11 years", 11, 11),
]  # fmt: skip

# --- goals: what each partner would like help with, and could help with -------------------------

# No choice contains a comma: Google joins multi-select answers with ", ".
TOPICS = [
    "Career planning and progression", "Confidence and self-belief", "Leadership and influencing",
    "Building a professional network", "Understanding the wider Kent & Medway system",
    "Digital skills and new technology", "Fresh perspectives on practice",
    "Inclusion and allyship", "Wellbeing and resilience", "Research and quality improvement",
    "Coaching and listening skills",
]  # fmt: skip
# Early career partners mostly want the first five and offer the next five; later career the reverse.
EARLY_WANTS = [*TOPICS[:5], "Research and quality improvement"]
EARLY_OFFERS = TOPICS[5:10]
LATER_WANTS = [*TOPICS[5:9], "Coaching and listening skills"]
LATER_OFFERS = [*TOPICS[:5], "Research and quality improvement", "Coaching and listening skills"]

LAUNCH = ["Yes", "Yes", "Yes", "No - I will watch the recording", "Not sure yet"]
NOTES = [
    "I work part time (Mon, Tue, Wed).",
    'Happy to meet online; I\'m on "nights" every other week.',
    "Newly qualified - really keen to learn about other organisations.",
    "I would prefer a partner outside nursing if possible,\nbut happy either way.",
    "Returning after maternity leave, so still finding my feet.",
    "I have mentored students for years but never been mentored myself.",
]

# --- names --------------------------------------------------------------------------------------

FIRST = [
    "Zoë", "Siobhán", "Amara", "Priya", "Chidinma", "Aoife", "Fatima", "Nadia", "Mei", "Ananya",
    "Renée", "Grace", "Hannah", "Sarah", "Emma", "Olivia", "Funmilayo", "Yasmin", "Leila", "María",
    "Agnieszka", "Sinéad", "Niamh", "Charlotte", "Rebecca", "Adaeze", "Kavita", "Ngozi", "Lucía",
    "Inês", "Claire", "Bethany", "Samira", "Efua", "Jasmine", "Gemma", "Kerry-Ann", "Aisha",
    "Folake", "Chloé", "José", "Mohammed", "Kwame", "Oluwaseun", "Wei", "Raj", "Tomasz", "Daniel",
    "James", "Oliver", "Conor", "Seán", "Ibrahim", "Kofi", "Deepak", "Hamza", "Mateus", "Piotr",
    "Matthew", "Gareth", "Tunde", "André", "Rhys", "Alex", "Sam", "Jordan", "Robin", "Rowan",
    "Kiran", "Jamie", "Morgan",
]  # fmt: skip
SURNAMES = [
    "Okafor", "Hartley", "O'Neill", "Fernandes", "Adeyemi", "Mensah", "Chen", "Raghavan", "Patel",
    "Shah", "Khan", "Begum", "Ahmed", "Haddad", "Brennan", "Murphy", "Kowalski", "Nowak", "Smith",
    "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Roberts", "Walker", "Hughes",
    "Clarke", "Campbell", "Da Silva", "Osei", "Boateng", "Nwosu", "Singh", "Kaur", "Nair", "Menon",
    "Rahman", "Hussain", "Wong", "Nguyen", "Santos", "Dubois", "Müller", "Ó Briain",
    "Smith-Okoro", "Lloyd-Jones", "McCarthy", "Gallagher", "Thompson", "Kelly", "Varghese",
]  # fmt: skip


# --- people -------------------------------------------------------------------------------------


@dataclass
class Applicant:
    """One invented person's answers, with the canonical values the rules will read."""

    name: str
    email: str  # identity: trimmed, lower case
    role: str | None  # EARLY, LATER, or None when the answer names no role
    role_text: str
    org: str  # key of ORGANISATIONS, or "" when outside Kent & Medway
    org_text: str
    profession_text: str
    profession_ok: bool
    job_title: str
    years_text: str
    years: tuple[float, float] | None  # None when blank or unreadable
    goals: list[str]
    offers: list[str]
    launch: str
    notes: str = ""
    tag: str = "eligible"  # the single rule this applicant was built to break


Submission = GoogleSubmission


def google_time(when: datetime, zone: str = "GMT+1") -> str:
    """Google Forms' CSV timestamp: ``2023/06/01 10:39:41 AM GMT+1`` (UK time in June is GMT+1)."""
    return google_stamp(when - timedelta(hours=1) if zone == "GMT" else when, zone)


class Builder(GoogleBuilder):
    """Invents applicants and their submissions from one seeded random stream. Ordinary
    submissions fall on a weekday, mostly working hours."""

    opened, last_random, days = OPENED, LAST_RANDOM, (LAST_RANDOM - OPENED).days
    weekend_skip, hours = 0.8, (7, 22)

    def __init__(self, seed: int = SEED) -> None:
        super().__init__(seed)
        self.unused_professions = list(PROFESSIONS)

    def google_stamp(self, when: datetime) -> str:
        return google_time(when)

    def name(self) -> str:
        return fresh(lambda: f"{self.rng.choice(FIRST)} {self.rng.choice(SURNAMES)}", self.used_names)

    def email_for(self, name: str) -> str:
        first, last = name.split(" ", 1)
        base = f"{ascii_slug(first, hyphens=True)}.{ascii_slug(last, hyphens=True)}"
        return unique_email(base, self.used_emails)

    def profession(self) -> tuple[str, str]:
        """(answer, profession key): each profession once first, then weighted, some typed."""
        if self.unused_professions:
            key = self.unused_professions.pop(0)
            return key, key
        if self.rng.random() < 0.12:
            return self.rng.choice(OTHER_ACCEPTED)
        keys = list(PROFESSIONS)
        key = self.rng.choices(keys, weights=[PROFESSION_WEIGHTS.get(k, 1) for k in keys])[0]
        return key, key

    def picks(self, pool: list[str], low: int, high: int, extra: float = 0.25) -> list[str]:
        """Some choices from ``pool``, sometimes one from outside it; in the form's order."""
        chosen = set(self.rng.sample(pool, self.rng.randint(low, high)))
        if self.rng.random() < extra:
            chosen.add(self.rng.choice(TOPICS))
        return [t for t in TOPICS if t in chosen]

    def applicant(
        self,
        role: str | None,
        org: str,
        *,
        years: tuple[str, float, float] | tuple[str, None, None] | None = None,
        profession: tuple[str, str] | None = None,
        org_text: str | None = None,
        role_text: str | None = None,
        tag: str = "eligible",
    ) -> Applicant:
        name = self.name()
        seniority = role or self.rng.choice([EARLY, LATER])
        if years is None:
            years = self.rng.choice(YEARS_EARLY if seniority == EARLY else YEARS_LATER)
        if profession is None:
            answer, prof = self.profession()
            job = self.rng.choice(PROFESSIONS[prof][0 if seniority == EARLY else 1])
            ok = True
        else:
            answer, job = profession
            ok = False
        if org_text is None:
            org_text = self.rng.choice(ORGANISATIONS[org][1])
        wants, offers = (EARLY_WANTS, EARLY_OFFERS) if seniority == EARLY else (LATER_WANTS, LATER_OFFERS)
        text, low, high = years
        return Applicant(
            name=name,
            email=self.email_for(name),
            role=role,
            role_text=ROLE_TEXT[role] if role_text is None and role else (role_text or ""),
            org=org,
            org_text=org_text,
            profession_text=answer,
            profession_ok=ok,
            job_title=job,
            years_text=text,
            years=None if low is None or high is None else (low, high),
            goals=self.picks(wants, 1, 3),
            offers=self.picks(offers, 2, 4),
            launch=self.rng.choice(LAUNCH),
            notes=self.rng.choice(NOTES) if self.rng.random() < 0.08 else "",
            tag=tag,
        )


def build(b: Builder) -> None:
    """Every applicant and submission of the example."""
    rng = b.rng
    early_orgs = [org for org, n in EARLY_QUOTA.items() for _ in range(n)]
    later_orgs = [org for org, n in LATER_QUOTA.items() for _ in range(n)]
    rng.shuffle(early_orgs)
    rng.shuffle(later_orgs)
    eligible = [b.applicant(EARLY, org) for org in early_orgs] + [
        b.applicant(LATER, org) for org in later_orgs
    ]
    rng.shuffle(eligible)

    dup_people = eligible[:5]
    late_resubmitter = eligible[5]
    on_the_dot = eligible[6]
    plain_ambiguous = eligible[7]  # 12/05/2023: 12 May (in time), never 5 December
    plain_last_minute = eligible[8]
    for person in eligible[9:]:
        b.submit(person)

    # Repeated submissions: the latest in-time one counts, the earlier ones are duplicates.
    p = dup_people[0]  # a second go with capitals in the email
    first = b.submit(p, datetime(2023, 5, 11, 9, 14, 5))
    b.submit(
        p, first.when + timedelta(days=2, hours=5), email_text=p.email.title().replace("@Nhs.Net", "@nhs.net")
    )
    p = dup_people[1]  # three goes; the middle one as a day-first plain timestamp
    t = datetime(2023, 5, 16, 13, 3, 41)
    b.submit(p, t, email_text=p.email.upper())
    b.submit(p, t + timedelta(minutes=52), stamp=plain_time(t + timedelta(minutes=52)))
    b.submit(p, t + timedelta(days=1, hours=3, minutes=7))
    p = dup_people[2]  # first go could not say how long; the second says
    t = datetime(2023, 5, 22, 19, 40, 12)
    b.submit(dataclasses.replace(p, years_text="Not sure", years=None), t)
    b.submit(p, t + timedelta(hours=20), email_text=p.email + " ")
    p = dup_people[3]  # changed their goals
    t = datetime(2023, 5, 30, 8, 1, 9)
    b.submit(dataclasses.replace(p, goals=b.picks(TOPICS, 1, 2, extra=0)), t)
    b.submit(p, t + timedelta(days=1, minutes=30))
    p = dup_people[4]  # twice on the last afternoon, both in time
    b.submit(p, datetime(2023, 6, 6, 15, 2, 33))
    b.submit(p, datetime(2023, 6, 6, 17, 12, 50))

    # In time on the last minute ("5:29:00 PM GMT+1" is 17:29 UK time).
    b.submit(on_the_dot, datetime(2023, 6, 6, 17, 29, 0))
    b.submit(
        plain_ambiguous, datetime(2023, 5, 12, 14, 2, 17), stamp=plain_time(datetime(2023, 5, 12, 14, 2, 17))
    )
    b.submit(
        plain_last_minute,
        datetime(2023, 6, 6, 17, 29, 30),
        stamp=plain_time(datetime(2023, 6, 6, 17, 29, 30)),
    )

    # In time, then a late resubmission: the in-time one counts.
    b.submit(late_resubmitter, datetime(2023, 6, 6, 16, 58, 12))
    b.submit(late_resubmitter, datetime(2023, 6, 6, 18, 20, 47))

    # Late only (otherwise eligible).
    late = [
        (datetime(2023, 6, 6, 17, 31, 2), "GMT+1", EARLY, "MTW"),
        (datetime(2023, 6, 6, 17, 45, 10), "GMT", LATER, "KCHFT"),  # shows 4:45 PM GMT: 17:45 UK time
        (datetime(2023, 6, 6, 21, 12, 44), "GMT+1", EARLY, "EKHUFT"),
        (datetime(2023, 6, 7, 8, 3, 19), "GMT+1", LATER, "MFT"),
        (datetime(2023, 6, 9, 11, 20, 5), "plain", EARLY, "DGT"),
    ]
    for when, zone, role, org in late:
        person = b.applicant(role, org, tag="after-deadline")
        b.submit(person, when, stamp=plain_time(when) if zone == "plain" else google_time(when, zone))

    # Outside Kent & Medway (otherwise eligible).
    # Kent County Council is in the Kent and Medway system but is not an NHS organisation; whether
    # this NHS programme includes a council's staff is the coordinator's question, not a rejection.
    for org_text, role in zip(OUTSIDE_ORGANISATIONS, [EARLY, LATER, EARLY, LATER, EARLY], strict=True):
        tag = "question-for-coordinator" if org_text == COUNCIL else "organisation-not-in-programme"
        b.submit(b.applicant(role, "", org_text=org_text, tag=tag))

    # Not nursing, midwifery, an AHP or administration.
    for profession, role in zip(OTHER_REJECTED, [LATER, EARLY, EARLY, LATER], strict=True):
        org = rng.choice(list(ORGANISATIONS))
        b.submit(b.applicant(role, org, profession=profession, tag="profession-not-in-programme"))

    # 6-7 years: neither up to 5 nor 8+.
    for years, role in [(("6 years", 6, 6), EARLY), (("7", 7, 7), LATER), (("6-7 years", 6, 7), LATER),
                        (("6 and a half years", 6.5, 6.5), EARLY)]:  # fmt: skip
        org = rng.choice(list(ORGANISATIONS))
        b.submit(b.applicant(role, org, years=years, tag="experience-fits-neither-role"))

    # The wrong role for their experience.
    for years, role, tag in [
        (("12 years", 12, 12), EARLY, "too-experienced-for-early-career"),
        (("Over 10 years", 10, INF), EARLY, "too-experienced-for-early-career"),
        (("3 years", 3, 3), LATER, "too-new-for-later-career"),
        (("18 months", 1.5, 1.5), LATER, "too-new-for-later-career"),
    ]:
        org = rng.choice(list(ORGANISATIONS))
        b.submit(b.applicant(role, org, years=years, tag=tag))

    # Experience blank (rejected: the question is required) or unreadable (held for the
    # coordinator's review: the answer was given, only the tool cannot read it).
    for years, role, tag in [
        (("", None, None), EARLY, "experience-missing"),
        (("Lots", None, None), LATER, "value-unreadable"),
    ]:
        org = rng.choice(list(ORGANISATIONS))
        b.submit(b.applicant(role, org, years=years, tag=tag))

    # No single role: typed into "Other:", held for review (an answer the rules did not foresee).
    for text in ["Not sure - happy to be either", "Either"]:
        org = rng.choice(list(ORGANISATIONS))
        b.submit(b.applicant(None, org, role_text=text, tag="answer-not-recognised"))


# --- expected outcomes --------------------------------------------------------------------------


def failures(p: Applicant) -> list[str]:
    """Every rule this applicant's answers break (identity rules aside)."""
    if p.role is None:  # an answer naming no single role goes to review; a blank one is unknown
        return ["answer-not-recognised" if p.role_text.strip() else "role-unknown"]
    out: list[str] = []
    if p.org_text == COUNCIL:
        out.append("question-for-coordinator")
    elif not p.org:
        out.append("organisation-not-in-programme")
    if not p.profession_ok:
        out.append("profession-not-in-programme")
    if p.years is None:
        out.append("value-unreadable" if p.years_text.strip() else "experience-missing")
        return out
    low, high = p.years
    if not (high <= 5 or low >= 8):
        out.append("experience-fits-neither-role")
    elif p.role == EARLY and not high <= 5:
        out.append("too-experienced-for-early-career")
    elif p.role == LATER and not low >= 8:
        out.append("too-new-for-later-career")
    return out


def decide(subs: list[Submission]) -> None:
    """Set each submission's expected outcome and rule code, checking one rule per applicant."""
    decide_google(subs, DEADLINE, failures)


# --- writing ------------------------------------------------------------------------------------


def lay_out(b: Builder) -> list[Submission]:
    return google_order(b.submissions)


def cells(sub: Submission) -> list[str]:
    p = sub.person
    answers = {
        H_TIME: sub.stamp,
        H_EMAIL: sub.email_text,
        H_NAME: p.name,
        H_ORG: p.org_text,
        H_JOB: p.job_title,
        H_PROF: p.profession_text,
        H_ROLE: p.role_text,
        H_YEARS: p.years_text,
        H_GOALS: ", ".join(p.goals),  # Google joins multi-select answers with ", "
        H_OFFERS: ", ".join(p.offers),
        H_LAUNCH: p.launch,
        H_NOTES: p.notes,
    }
    return [answers[h] for h in HEADER]


def write_applications(subs: list[Submission], path: Path) -> None:
    write_google_csv(path, HEADER, (cells(sub) for sub in subs))


def write_expected(subs: list[Submission], path: Path) -> None:
    lines = [[s.row, s.person.email, s.outcome, s.person.role or "", s.rule,
              ORGANISATIONS[s.person.org][0] if s.person.org else ""] for s in subs]  # fmt: skip
    write_csv(path, ["row", "email", "outcome", "role", "rule", "organisation"], lines)


def most_pairs(subs: list[Submission]) -> int:
    """The most cross-organisation pairs possible (augmenting paths), for the README."""
    chosen = [s.person for s in subs if s.outcome == "eligible"]
    early = [p for p in chosen if p.role == EARLY]
    later = [p for p in chosen if p.role == LATER]
    partner: dict[int, int] = {}  # later index -> early index

    def augment(i: int, seen: set[int]) -> bool:
        for j, giver in enumerate(later):
            if giver.org != early[i].org and j not in seen:
                seen.add(j)
                if j not in partner or augment(partner[j], seen):
                    partner[j] = i
                    return True
        return False

    return sum(augment(i, set()) for i in range(len(early)))


def main(out_dir: Path | str | None = None) -> dict[str, int]:
    """Build the cohort and write applications.csv and expected.csv; return the outcome counts."""
    folder = out_folder(out_dir, HERE)
    b = Builder(SEED)
    build(b)
    subs = lay_out(b)
    decide(subs)
    write_applications(subs, folder / "applications.csv")
    write_expected(subs, folder / "expected.csv")
    tally = counts(subs)
    tally["(most pairs possible)"] = most_pairs(subs)
    return tally


if __name__ == "__main__":
    tally = main(sys.argv[1] if len(sys.argv) > 1 else None)
    pairs = tally.pop("(most pairs possible)")
    print_counts(tally)
    print(f"{pairs:4d}  pairs at most (different organisations)")
