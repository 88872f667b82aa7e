"""Write the synthetic BME Leadership Network LMP 2022 applications export, membership list and outcomes.

    python examples/bme-leadership-lmp-2022/generate.py [OUTPUT_FOLDER]

Writes ``applications.csv`` (Google Forms "Download responses (.csv)" layout, UTF-8 with a byte
order mark), ``members.csv`` (the network's membership list, one email a line under the header
``Email``) and ``expected.csv`` next to this script, or into OUTPUT_FOLDER. Every person is
invented; the run is deterministic (``random.Random(2022)``), so running it twice gives identical
bytes. It needs only the standard library.

The expected outcome of every row is decided here from how the row was built (which single rule
it was made to break), never by running mentormatch.
"""

from __future__ import annotations

import csv
import dataclasses
import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # examples/synthetic.py
from synthetic import (
    GoogleBuilder,
    GoogleSubmission,
    ascii_slug,
    decide_google,
    fresh,
    google_order,
    google_time,
    out_folder,
    plain_time,
    print_counts,
    unique_email,
    write_csv,
    write_google_csv,
)
from synthetic import counts as outcome_counts

HERE = Path(__file__).resolve().parent
SEED = 2022
# "please complete this form by 15 December": the end of that day, UK time (GMT in December).
DEADLINE = datetime(2022, 12, 15, 23, 59, 59)
OPENED = datetime(2022, 11, 15, 12, 0)  # the programme page is dated 15 November 2022
LAST_RANDOM = datetime(2022, 12, 15, 17, 0)  # ordinary submissions fall before this

MEMBER, LEADER = "member", "leader"
GROUP_SIZE = (5, 7)  # members per group (rules/bme-leadership-lmp-2022.yaml)
GROUP_LEADERS = (2, 4)  # leaders per group
MAX_SAME_ORGANISATION = 2  # members of one organisation in a group

# --- the Google Form's columns ------------------------------------------------------------------

H_TIME = "Timestamp"
H_EMAIL = "Email address"
H_NAME = "Full name"
H_MEMBER = "Are you a member of the BME Leadership Network?"
H_ROLE = "How would you like to take part in the Leadership Mentoring Programme?"
H_ORG = "Which organisation do you work for?"
H_JOB = "Job title"
H_BAND = "What is your current band or grade?"
H_PROF = "What is your professional background?"
H_STAGE = "Members: which best describes where you are in your career?"
H_COMMIT = (
    "Members: can you commit to the bi-monthly one-hour virtual sessions and to working on their"
    " outcomes between sessions?"
)
H_GOALS = "Members: what would you most like your mentoring group to help you with?"
H_OFFERS = "Leaders: what could you help members with?"
H_NOTES = "Anything else you would like us to know?"
HEADER = [H_TIME, H_EMAIL, H_NAME, H_MEMBER, H_ROLE, H_ORG, H_JOB, H_BAND, H_PROF, H_STAGE,
          H_COMMIT, H_GOALS, H_OFFERS, H_NOTES]  # fmt: skip

ROLE_TEXT = {
    MEMBER: "Join a mentoring group as a member (mentee)",
    LEADER: "Volunteer as a leader (mentor) for a mentoring group",
}

# --- organisations ------------------------------------------------------------------------------

# The organisations of the rule file (canonical name, ways people write it). The programme is
# national; these names only make the spellings agree.
ORGANISATIONS: dict[str, tuple[str, list[str]]] = {
    "BARTS": ("Barts Health NHS Trust", ["Barts Health NHS Trust", "Barts Health", "BARTS HEALTH",
                                         "Royal London Hospital", "  Barts Health NHS Trust "]),
    "GSTT": ("Guy's and St Thomas' NHS Foundation Trust", [
        "Guy's and St Thomas' NHS Foundation Trust", "GSTT", "Guy's & St Thomas'",
        "Guys and St Thomas NHS Foundation Trust"]),
    "MANCH": ("Manchester University NHS Foundation Trust", [
        "Manchester University NHS Foundation Trust", "Manchester University FT", "MFT Manchester"]),
    "UHB": ("University Hospitals Birmingham NHS Foundation Trust", [
        "University Hospitals Birmingham NHS Foundation Trust", "UHB", "University Hospitals Birmingham"]),
    "LTHT": ("Leeds Teaching Hospitals NHS Trust", [
        "Leeds Teaching Hospitals NHS Trust", "LTHT", "Leeds Teaching Hospitals"]),
    "SWBH": ("Sandwell and West Birmingham Hospitals NHS Trust", [
        "Sandwell and West Birmingham Hospitals NHS Trust", "SWBH", "Sandwell & West Birmingham"]),
    "LPT": ("Leicestershire Partnership NHS Trust", ["Leicestershire Partnership NHS Trust", "LPT"]),
    "NWL": ("North West London ICB", ["North West London ICB", "NHS North West London", "NWL ICB"]),
    "NHSE": ("NHS England", ["NHS England", "NHSE", "NHS England and NHS Improvement", "NHSE/I"]),
    "LAS": ("London Ambulance Service NHS Trust", [
        "London Ambulance Service NHS Trust", "LAS", "London Ambulance Service"]),
    "NUH": ("Nottingham University Hospitals NHS Trust", [
        "Nottingham University Hospitals NHS Trust", "NUH"]),
    "BTHFT": ("Bradford Teaching Hospitals NHS Foundation Trust", [
        "Bradford Teaching Hospitals NHS Foundation Trust", "BTHFT", "Bradford Teaching Hospitals"]),
    "SLAM": ("South London and Maudsley NHS Foundation Trust", [
        "South London and Maudsley NHS Foundation Trust", "SLaM", "South London & Maudsley"]),
    "BSMHFT": ("Birmingham and Solihull Mental Health NHS Foundation Trust", [
        "Birmingham and Solihull Mental Health NHS Foundation Trust", "BSMHFT"]),
    "HEE": ("Health Education England", ["Health Education England", "HEE"]),
    "CONFED": ("NHS Confederation", ["NHS Confederation", "NHS Confed"]),
}  # fmt: skip

# Eligible members and leaders per organisation. No organisation has more members than two per
# group could hold (8 groups x 2), so "at most two of one organisation" never has to be relaxed.
MEMBER_ORGS = {"BARTS": 7, "GSTT": 6, "MANCH": 5, "UHB": 5, "LTHT": 4, "SWBH": 4, "LPT": 3, "NWL": 3,
               "NHSE": 3, "LAS": 3, "NUH": 3, "BTHFT": 3, "SLAM": 3, "BSMHFT": 2, "HEE": 1}  # fmt: skip
LEADER_ORGS = {"NHSE": 3, "CONFED": 2, "BARTS": 2, "GSTT": 1, "MANCH": 1, "UHB": 1, "LTHT": 1,
               "SWBH": 1, "NWL": 1, "HEE": 1, "BSMHFT": 1, "NUH": 1, "SLAM": 1, "LAS": 1}  # fmt: skip

# --- professions --------------------------------------------------------------------------------

# Canonical profession -> (the form's option, other ways typed into "Other:", member job titles,
# leader job titles). Every typed form is an alias in the rule file.
PROFESSIONS: dict[str, tuple[str, list[str], list[str], list[str]]] = {
    "Nursing": ("Nursing", ["Nurse", "Registered nurse", "Nursing (mental health)"],
                ["Ward Manager", "Matron", "Clinical Nurse Specialist", "Lead Nurse"],
                ["Director of Nursing", "Chief Nurse", "Deputy Chief Nurse"]),
    "Midwifery": ("Midwifery", ["Midwife"], ["Specialist Midwife", "Labour Ward Coordinator"],
                  ["Director of Midwifery"]),
    "Medicine": ("Medicine", ["Doctor", "Medical"], ["Consultant Physician", "Clinical Lead",
                 "Associate Specialist"], ["Medical Director", "Deputy Medical Director"]),
    "Allied health professions": ("Allied health professions", ["Physiotherapist", "Paramedic", "AHP"],
                                  ["Clinical Lead Physiotherapist", "Head of Occupational Therapy",
                                   "Paramedic Team Leader"], ["Chief Allied Health Professions Officer"]),
    "Pharmacy": ("Pharmacy", ["Pharmacist"], ["Lead Pharmacist", "Principal Pharmacist"],
                 ["Chief Pharmacist"]),
    "Healthcare science": ("Healthcare science", ["Clinical scientist"],
                           ["Principal Clinical Scientist", "Laboratory Manager"],
                           ["Chief Healthcare Scientist"]),
    "General management": ("General management", ["Operations", "Operational management"],
                           ["Service Manager", "General Manager", "Operations Manager"],
                           ["Chief Operating Officer", "Director of Operations"]),
    "Finance": ("Finance", ["Accountancy"], ["Finance Business Partner", "Head of Costing"],
                ["Director of Finance"]),
    "Human resources and organisational development": (
        "Human resources and organisational development", ["HR", "HR and OD"],
        ["HR Business Partner", "Head of Organisational Development"], ["Chief People Officer",
         "Director of Workforce"]),
    "Digital and information technology": ("Digital and information technology", ["Digital and IT"],
                                           ["Head of Digital Delivery", "Informatics Lead"],
                                           ["Chief Digital Officer"]),
    "Commissioning and strategy": ("Commissioning and strategy", ["Commissioning"],
                                   ["Senior Commissioning Manager", "Strategy Lead"],
                                   ["Director of Strategy"]),
}  # fmt: skip
MEMBER_PROFESSIONS = {"Nursing": 13, "Midwifery": 3, "Medicine": 5, "Allied health professions": 7,
                      "Pharmacy": 4, "Healthcare science": 3, "General management": 8, "Finance": 3,
                      "Human resources and organisational development": 4,
                      "Digital and information technology": 3, "Commissioning and strategy": 2}  # fmt: skip
LEADER_PROFESSIONS = {"Nursing": 4, "Medicine": 3, "General management": 4, "Finance": 1,
                      "Human resources and organisational development": 2,
                      "Digital and information technology": 1, "Allied health professions": 1,
                      "Pharmacy": 1, "Commissioning and strategy": 1}  # fmt: skip

MEMBER_BANDS = ["Band 7", "Band 8a", "8a", "Band 8b", "band 8b", "Band 8a (acting 8b)", "8c", "Consultant"]
LEADER_BANDS = ["VSM", "Very senior manager", "Band 9", "Executive director", "Director", "9"]

# --- career stage: "best suited to individuals working towards senior management but unable to
# make that move, and those who are new or have transitioned from a clinical role into senior
# management" ------------------------------------------------------------------------------------

STAGE_OPTIONS = {
    "towards": "Working towards senior management, but not yet able to make that move",
    "new": "New to senior management (in post less than two years)",
    "clinical": "Moved from a clinical role into senior management",
    "early": "Early in my leadership career",
    "senior": "Already an experienced senior manager or director",
}
PREFERRED = {"towards", "new", "clinical"}
# How many eligible members give each answer: the three the programme is best suited to, and
# typed answers (True: the rule file reads them as a fit; False: flagged for the coordinator).
STAGE_COUNTS = {"towards": 19, "new": 10, "clinical": 10, "early": 4, "senior": 3}
STAGE_TYPED = [
    ("working towards senior management but unable to make that move", True),  # the seed's words
    ("Aspiring to senior management but not yet able to make the move", True),  # an alias
    ("Transitioned from clinical to senior management", True),  # an alias
    ("Newly appointed senior manager", True),  # an alias
    ("New to senior management - 8 months in post", True),  # starts with an accepted answer
    # A fit in spirit, but the tool cannot tell: flagged, so the coordinator reads it.
    ("Band 7 team leader - interviewed for 8b roles three times without success", False),
    ("Not sure", False),
    ("", False),  # left blank
    ("Clinical lead, still mostly clinical", False),
]

MEMBER_YES = ["Yes"] * 12 + ["yes", "Yes - since 2021", "Y", "Yes, I joined at the 2022 conference", "YES"]
COMMIT_YES = ["Yes"] * 10 + ["yes", "Yes - I understand the commitment", "Yes, I can", "Y"]

# --- goals: "The programme will support members to: Explore the range of skills you already
# possess, the system and environment within which you work, and how you are navigating your
# career. Be challenged to reflect upon your own values and beliefs ... Become comfortable in
# occupying the space you are in and confident in how you steer where you go next." ----------

# No choice contains a comma: Google joins multi-select answers with ", ".
TOPICS = [
    "Recognising the skills I already have",
    "Understanding the system I work in",
    "Navigating my career and my next move",
    "Reflecting on my values and my organisation's",
    "Confidence in the space I occupy",
    "Creative solutions to challenges I face",
    "Moving from clinical to managerial leadership",
    "Applying and interviewing for senior roles",
    "Resilience and wellbeing",
    "Racial equity and anti-racism at work",
    "Building networks and sponsorship",
]
TOPIC_WEIGHTS = [3, 3, 6, 2, 4, 2, 3, 5, 2, 3, 4]  # what members ask for most
OTHER_GOALS = ["Finding a board-level sponsor", "Balancing a clinical job plan with management"]

NOTES = [
    "I work part time (Mon, Tue, Thu).",
    'I was told I\'m "not ready yet" at two interviews; I want to understand why.',
    "Happy to meet online at any time,\nexcept Wednesday mornings.",
    "I took part in the pilot as a member and would like to give back.",
    "Returning from a secondment in January.",
    "Please pair me with leaders outside London if possible, I'm hoping to move north.",
]

# --- names: from many backgrounds ---------------------------------------------------------------

NAMES: list[tuple[list[str], list[str]]] = [
    (["Adebayo", "Funmilayo", "Chidinma", "Oluwaseun", "Ngozi", "Tunde", "Adaeze", "Emeka", "Folake",
      "Chinedu"], ["Adeyemi", "Okafor", "Nwosu", "Balogun", "Okonkwo", "Eze", "Ogunleye", "Adebayo-Smith"]),
    (["Kwame", "Efua", "Kofi", "Abena", "Yaw", "Akosua"], ["Mensah", "Boateng", "Osei", "Asante", "Owusu"]),
    (["Marcia", "Delroy", "Shereen", "Kerry-Ann", "Winston", "Jerome"],
     ["Campbell", "Francis", "Thompson", "Clarke", "Grant", "McKenzie"]),
    (["Hodan", "Abdirahman", "Fadumo", "Mahad", "Selam", "Tesfaye"], ["Warsame", "Abdi", "Hassan", "Haile"]),
    (["Priya", "Rajinder", "Ananya", "Deepak", "Kavita", "Harpreet", "Sanjay", "Meera", "Lakshmi", "Arjun"],
     ["Patel", "Singh", "Kaur", "Shah", "Raghavan", "Nair", "Menon", "Sharma", "Iyer", "Varghese"]),
    (["Fatima", "Imran", "Ayesha", "Tariq", "Nusrat", "Shahid", "Rukhsana", "Hamza"],
     ["Khan", "Ahmed", "Begum", "Hussain", "Rahman", "Chowdhury", "Iqbal", "Malik"]),
    (["Tharshini", "Niroshan", "Kavitha"], ["Sivakumar", "Thangarajah", "Jayasuriya"]),
    (["Mei", "Wei", "Xiaoling", "Jun", "Hương", "Minh"], ["Chen", "Wong", "Li", "Zhang", "Nguyễn", "Tran"]),
    (["Maricel", "José", "Rowena", "Angelito", "María"], ["Santos", "Dela Cruz", "Reyes", "Bautista"]),
    (["Leila", "Omar", "Samira", "Yusuf", "Rania", "Karwan"], ["Haddad", "Al-Sayed", "Mansour", "Barzani"]),
    (["Zoë", "Renée", "Jordan", "Chloé", "Nnamdi", "Aaliyah"], ["D'Souza", "O'Neill", "Da Silva",
     "Okoro-Hughes", "Fernandes", "Müller-Osei"]),
]  # fmt: skip


# --- people -------------------------------------------------------------------------------------


@dataclass
class Person:
    """One invented person's answers, with the canonical values the rules will read."""

    name: str
    email: str  # identity: trimmed, lower case
    role: str | None  # MEMBER, LEADER, or None when the answer names no role
    role_text: str
    org: str  # key of ORGANISATIONS
    org_text: str
    profession: str  # canonical profession
    profession_text: str
    job_title: str
    band_text: str
    member_text: str  # answer to "Are you a member of the BME Leadership Network?"
    says_member: bool | None  # how that answer reads (None: not a yes/no answer)
    on_list: bool  # on the coordinator's membership list (members.csv)
    stage_text: str = ""
    fits: bool | None = None  # members: the career stage the programme is best suited to
    commit_text: str = ""
    commits: bool | None = None
    goals: list[str] = dataclasses.field(default_factory=list)
    offers: list[str] = dataclasses.field(default_factory=list)
    notes: str = ""
    tag: str = "eligible"  # the single rule this person was built to break


Submission = GoogleSubmission


class Builder(GoogleBuilder):
    """Invents people and their submissions from one seeded random stream. Ordinary submissions
    fall on mostly weekdays, 7am to 11pm; UK time in November and December is GMT."""

    opened, last_random, days = OPENED, LAST_RANDOM, (LAST_RANDOM - OPENED).days + 1
    weekend_skip, hours = 0.7, (7, 23)

    def __init__(self, seed: int = SEED) -> None:
        super().__init__(seed)
        self.people: list[Person] = []

    def google_stamp(self, when: datetime) -> str:
        return google_time(when, "GMT")

    def name(self) -> str:
        def draw() -> str:
            firsts, lasts = self.rng.choice(NAMES)
            return f"{self.rng.choice(firsts)} {self.rng.choice(lasts)}"

        return fresh(draw, self.used_names)

    def email_for(self, name: str) -> str:
        first, last = name.split(" ", 1)
        base = f"{ascii_slug(first, hyphens=True)}.{ascii_slug(last, hyphens=True).replace('-', '')}"
        return unique_email(base, self.used_emails)

    def goals(self) -> list[str]:
        """2-4 topics (weighted), sometimes one typed into "Other:"; in the form's order."""
        chosen: set[str] = set()
        want = self.rng.randint(2, 4)
        while len(chosen) < want:
            chosen.add(self.rng.choices(TOPICS, weights=TOPIC_WEIGHTS)[0])
        out = [t for t in TOPICS if t in chosen]
        if self.rng.random() < 0.08:
            out.append(self.rng.choice(OTHER_GOALS))
        return out

    def offers(self) -> list[str]:
        chosen = set(self.rng.sample(TOPICS, self.rng.randint(4, 7)))
        return [t for t in TOPICS if t in chosen]

    def person(
        self,
        role: str | None,
        org: str,
        profession: str,
        *,
        stage: tuple[str, bool] | None = None,
        member_text: str | None = None,
        says_member: bool | None = True,
        on_list: bool = True,
        commit: tuple[str, bool | None] | None = None,
        role_text: str | None = None,
        tag: str = "eligible",
    ) -> Person:
        rng = self.rng
        name = self.name()
        seniority = role or MEMBER
        option, typed, member_jobs, leader_jobs = PROFESSIONS[profession]
        answer = rng.choice(typed) if rng.random() < 0.18 else option
        if seniority == MEMBER and stage is None:
            stage = (STAGE_OPTIONS["towards"], True)
        if seniority == MEMBER and commit is None:
            commit = (rng.choice(COMMIT_YES), True)
        person = Person(
            name=name + (" " if rng.random() < 0.04 else ""),  # a trailing space now and then
            email=self.email_for(name),
            role=role,
            role_text=ROLE_TEXT[role] if role is not None and role_text is None else (role_text or ""),
            org=org,
            org_text=rng.choice(ORGANISATIONS[org][1]),
            profession=profession,
            profession_text=answer,
            job_title=rng.choice(member_jobs if seniority == MEMBER else leader_jobs),
            band_text=rng.choice(MEMBER_BANDS if seniority == MEMBER else LEADER_BANDS),
            member_text=rng.choice(MEMBER_YES) if member_text is None else member_text,
            says_member=says_member,
            on_list=on_list,
            stage_text=stage[0] if stage else "",
            fits=stage[1] if stage else None,
            commit_text=commit[0] if commit else "",
            commits=commit[1] if commit else None,
            goals=self.goals() if seniority == MEMBER else [],
            offers=self.offers() if seniority == LEADER else [],
            notes=rng.choice(NOTES) if rng.random() < 0.1 else "",
            tag=tag,
        )
        self.people.append(person)
        return person


def _spread(quota: dict[str, int], rng: random.Random) -> list[str]:
    out = [k for k, n in quota.items() for _ in range(n)]
    rng.shuffle(out)
    return out


def build(b: Builder) -> None:
    """Every person and submission of the example."""
    rng = b.rng
    orgs, profs = _spread(MEMBER_ORGS, rng), _spread(MEMBER_PROFESSIONS, rng)
    stages = [(STAGE_OPTIONS[k], k in PREFERRED) for k, n in STAGE_COUNTS.items() for _ in range(n)]
    stages += STAGE_TYPED
    rng.shuffle(stages)
    members = [b.person(MEMBER, o, p, stage=s) for o, p, s in zip(orgs, profs, stages, strict=True)]
    orgs, profs = _spread(LEADER_ORGS, rng), _spread(LEADER_PROFESSIONS, rng)
    leaders = [b.person(LEADER, o, p) for o, p in zip(orgs, profs, strict=True)]
    eligible = members + leaders
    rng.shuffle(eligible)

    dup = [p for p in eligible if p.role == MEMBER][:4]
    late_resubmitter = next(p for p in eligible if p.role == MEMBER and p not in dup)
    last_minute = [p for p in eligible if p.role == MEMBER and p not in dup and p is not late_resubmitter][:2]
    special = {id(p) for p in [*dup, late_resubmitter, *last_minute]}
    for person in eligible:
        if id(person) not in special:
            b.submit(person)

    # Repeated submissions: the latest in-time one counts, the earlier ones are duplicates.
    p = dup[0]  # a second go; the first typed the email with capitals
    t = datetime(2022, 11, 17, 9, 14, 5)
    b.submit(p, t, email_text=p.email.title().replace("@Nhs.Net", "@NHS.net"))
    b.submit(p, t + timedelta(days=2, hours=5))
    p = dup[1]  # three goes; the last one a day-first plain timestamp (3 December, not 12 March)
    t = datetime(2022, 11, 18, 13, 3, 41)
    b.submit(p, t)
    b.submit(p, datetime(2022, 11, 25, 8, 47, 2))
    when = datetime(2022, 12, 3, 16, 40, 5)
    b.submit(p, when, stamp=plain_time(when))
    p = dup[2]  # first applied as a leader, then as a member
    as_leader = dataclasses.replace(
        p,
        role=LEADER,
        role_text=ROLE_TEXT[LEADER],
        goals=[],
        offers=b.offers(),
        stage_text="",
        commit_text="",
    )
    b.submit(as_leader, datetime(2022, 11, 20, 20, 2, 44))
    b.submit(p, datetime(2022, 11, 28, 12, 31, 9))
    p = dup[3]  # first go unsure about the commitment; the second says yes (email with a space)
    b.submit(
        dataclasses.replace(p, commit_text="Not sure yet", commits=None), datetime(2022, 12, 1, 19, 40, 12)
    )
    b.submit(p, datetime(2022, 12, 2, 15, 40, 12), email_text=p.email + " ")

    # In time, then a late resubmission: the in-time one counts.
    b.submit(late_resubmitter, datetime(2022, 12, 14, 20, 15, 31))
    b.submit(
        dataclasses.replace(late_resubmitter, notes="Sorry - I forgot to say I work nights in January."),
        datetime(2022, 12, 16, 8, 30, 2),
    )
    # In time at the last minute: 11:58 PM, and 23:59:59 exactly (the deadline itself is in time).
    b.submit(last_minute[0], datetime(2022, 12, 15, 23, 58, 40))
    when = datetime(2022, 12, 15, 23, 59, 59)
    b.submit(last_minute[1], when, stamp=plain_time(when))

    def other_org() -> str:
        return rng.choice(list(ORGANISATIONS))

    def other_prof() -> str:
        return rng.choice(list(PROFESSIONS))

    # Late only (otherwise eligible): five past midnight ("12:05:13 AM" is 00:05), and days later.
    p = b.person(MEMBER, other_org(), other_prof(), tag="after-deadline")
    b.submit(p, datetime(2022, 12, 16, 0, 5, 13))
    p = b.person(LEADER, other_org(), other_prof(), tag="after-deadline")
    b.submit(p, datetime(2022, 12, 19, 9, 41, 27))

    # Not members. Said no (and not on the list): the list rejects them with --members, the
    # yes/no without it.
    for role, text in [(MEMBER, "No"), (MEMBER, "No - but I would like to join"), (LEADER, "No")]:
        p = b.person(role, other_org(), other_prof(), member_text=text, says_member=False, on_list=False,
                     tag="not-a-member")  # fmt: skip
        b.submit(p)
    # Said yes, but is not on the coordinator's list: only --members rejects this one.
    b.submit(b.person(MEMBER, other_org(), other_prof(), on_list=False, tag="not-a-member"))
    # On the list, but not sure they are a member: not a yes or no, so the coordinator decides
    # (held for review, list or not: the rule reads the answer either way).
    p = b.person(MEMBER, other_org(), other_prof(), member_text="Not sure - I signed up at a network event",
                 says_member=None, tag="value-unreadable")  # fmt: skip
    b.submit(p)

    # Members who do not confirm the commitment between sessions.
    # "Not sure yet" is neither: held for the coordinator's review (value-unreadable), not rejected.
    for commit, tag in [
        (("No - I can only make some sessions", False), "commitment-not-confirmed"),
        (("Not sure yet", None), "value-unreadable"),
    ]:
        b.submit(b.person(MEMBER, other_org(), other_prof(), commit=commit, tag=tag))

    # No single role: typed into "Other:", held for review (an answer the rules did not foresee).
    p = b.person(None, other_org(), other_prof(), role_text="Either - happy to help where needed",
                 tag="answer-not-recognised")  # fmt: skip
    b.submit(p)


# --- expected outcomes --------------------------------------------------------------------------


def failures(p: Person, *, with_list: bool = True) -> list[str]:
    """Every rule this person's answers break (identity rules aside)."""
    if p.role is None:  # an answer naming no single role goes to review; a blank one is unknown
        return ["answer-not-recognised" if p.role_text.strip() else "role-unknown"]
    out: list[str] = []
    if (with_list and not p.on_list) or p.says_member is False:
        out.append("not-a-member")
    elif p.says_member is None:  # answered, but not yes or no: the coordinator decides (review)
        out.append("value-unreadable")
    if p.role == MEMBER and p.commits is False:
        out.append("commitment-not-confirmed")
    elif p.role == MEMBER and p.commits is None:  # "Not sure yet": held for review, not rejected
        out.append("value-unreadable" if p.commit_text.strip() else "commitment-not-confirmed")
    return out


def decide(subs: list[Submission]) -> None:
    """Set each submission's expected outcome and rule code, checking one rule per person."""
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
        H_MEMBER: p.member_text,
        H_ROLE: p.role_text,
        H_ORG: p.org_text,
        H_JOB: p.job_title,
        H_BAND: p.band_text,
        H_PROF: p.profession_text,
        H_STAGE: p.stage_text,
        H_COMMIT: p.commit_text,
        H_GOALS: ", ".join(p.goals),  # Google joins multi-select answers with ", "
        H_OFFERS: ", ".join(p.offers),
        H_NOTES: p.notes,
    }
    return [answers[h] for h in HEADER]


def write_applications(subs: list[Submission], path: Path) -> None:
    write_google_csv(path, HEADER, (cells(sub) for sub in subs))


def write_members(b: Builder, path: Path) -> int:
    """The network's membership list: the applicants on it and other members who did not apply."""
    listed = sorted({p.email for p in b.people if p.on_list})
    others = []
    for _ in range(48):
        others.append(b.email_for(b.name()))
    emails = listed + others
    b.rng.shuffle(emails)
    # As kept by hand: a few typed with capitals, or with spaces around them.
    shown = [e.upper() if n % 29 == 3 else (f" {e} " if n % 31 == 5 else e) for n, e in enumerate(emails)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["Email"])
        writer.writerows([e] for e in shown)
    return len(emails)


def write_expected(subs: list[Submission], path: Path) -> None:
    lines = []
    for sub in subs:
        p = sub.person
        fit = "" if p.role != MEMBER else ("yes" if p.fits else "no")
        says = {True: "yes", False: "no", None: "unclear"}[p.says_member]
        lines.append([sub.row, p.email, sub.outcome, p.role or "", sub.rule, ORGANISATIONS[p.org][0],
                      p.profession, fit, "yes" if p.on_list else "no", says])  # fmt: skip
    header = ["row", "email", "outcome", "role", "rule", "organisation", "profession", "career_fit",
              "on_list", "says_member"]  # fmt: skip
    write_csv(path, header, lines)


def counts(subs: list[Submission]) -> dict[str, int]:
    counted = outcome_counts(subs)
    flagged = [s for s in subs if s.outcome == "eligible" and s.person.role == MEMBER and not s.person.fits]
    if flagged:
        counted["(flagged members)"] = len(flagged)
    return counted


def most_placed(members: int, leaders: int) -> tuple[int, int]:
    """(members that can be placed, groups): the most over every possible number of groups."""
    best = (0, 0)
    for groups in range(1, leaders // GROUP_LEADERS[0] + 1):
        if groups * GROUP_SIZE[0] > members:
            break
        placed = min(members, groups * GROUP_SIZE[1])
        if placed > best[0]:
            best = (placed, groups)
    return best


def main(out_dir: Path | str | None = None) -> dict[str, int]:
    """Build the cohort and write applications.csv, members.csv and expected.csv; return the counts."""
    folder = out_folder(out_dir, HERE)
    b = Builder(SEED)
    build(b)
    subs = lay_out(b)
    decide(subs)
    write_applications(subs, folder / "applications.csv")
    write_expected(subs, folder / "expected.csv")
    tally = counts(subs)
    tally["(members.csv emails)"] = write_members(b, folder / "members.csv")
    placed, groups = most_placed(tally.get(f"eligible {MEMBER}", 0), tally.get(f"eligible {LEADER}", 0))
    tally["(members that can be placed)"], tally["(fewest groups placing them)"] = placed, groups
    return tally


if __name__ == "__main__":
    print_counts(main(sys.argv[1] if len(sys.argv) > 1 else None))
