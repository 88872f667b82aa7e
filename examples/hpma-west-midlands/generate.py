"""Write the synthetic HPMA West Midlands Mentor Scheme exports and their expected outcomes.

    python examples/hpma-west-midlands/generate.py [OUTPUT_FOLDER]

Writes ``mentors.xlsx`` and ``mentees.xlsx`` (two Microsoft Forms exports: mentors and mentees
apply on separate forms) and ``expected.csv`` next to this script, or into OUTPUT_FOLDER. Every
person is invented; the run is deterministic (``random.Random(2024)``, fixed file timestamps), so
running it twice gives identical bytes.

The expected outcome of every row is decided here from how the row was built (which single rule
it was made to break), never by running mentormatch. ``cohort()`` returns the same submissions
with the true values behind every answer (canonical organisation, place, band, line manager,
capacity), so a test can check the pairs without reading the tool's own parsing.
"""

from __future__ import annotations

import dataclasses
import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # examples/synthetic.py
from synthetic import (
    RANK,
    FormsBuilder,
    FormsSubmission,
    ascii_slug,
    counts,
    forms_columns,
    forms_order,
    fresh,
    judge,
    latest_by_email,
    messy_email,
    name_as_typed,
    out_folder,
    print_counts,
    title_email,
    unique_email,
    working_hours,
    write_expected,
    write_forms_xlsx,
)

HERE = Path(__file__).resolve().parent
SEED = 2024
OPENED = datetime(2024, 1, 8, 9, 0)  # the forms opened; there is no closing date (open ended)
FIXED_STAMP = (2024, 4, 2, 9, 0, 0)  # zip entry times and the workbooks' modified date
MENTORS_FILE = "mentors.xlsx"
MENTEES_FILE = "mentees.xlsx"

# --- the two forms: Forms' own columns, then the questions (worded differently on each form) ---

FORMS_COLUMNS = ["ID", "Start time", "Completion time", "Email", "Name"]
QUESTIONS = {
    "mentee": {
        "name": "Full name",
        "email": "Work email address",
        "organisation": "Which organisation do you work for?",
        "job_title": "Job title",
        "profession": "Which area of HR or people practice do you work in?",
        "band": "What is your current band or grade?",
        "place": "Nearest town or city for face-to-face meetings",
        "line_manager": "Line manager's email",
        "goals": "What would you like support with?",
    },
    "mentor": {
        "name": "Your name",
        "email": "Your work email",
        "organisation": "Employing organisation",
        "job_title": "Job title",
        "profession": "Your HR / people specialism",
        "band": "What is your Agenda for Change band or grade?",
        "place": "Where could you meet your mentee face to face? (nearest town or city)",
        "line_manager": "Your line manager's email address",
        "offers": "Which of these could you support a mentee with?",
        "capacity": "How many mentees could you support? (1-3)",
    },
}

# --- places: the towns offered on both forms, as in rules/hpma-west-midlands.yaml ----------------

# A town typed into the form's "Other": its town-centre coordinates (OS Open Names, as in the
# place vocabulary), so its distances are known.
OTHER_TOWNS: dict[str, tuple[float, float]] = {"Lichfield": (52.6820, -1.8270)}
PLACES: dict[str, tuple[float, float]] = {
    "Birmingham": (52.4862, -1.8904),
    "Coventry": (52.4068, -1.5197),
    "Wolverhampton": (52.5870, -2.1288),
    "Dudley": (52.5123, -2.0811),
    "Walsall": (52.5862, -1.9829),
    "West Bromwich": (52.5187, -1.9945),
    "Solihull": (52.4118, -1.7776),
    "Warwick": (52.2823, -1.5849),
    "Worcester": (52.1920, -2.2200),
    "Redditch": (52.3068, -1.9403),
    "Kidderminster": (52.3885, -2.2490),
    "Hereford": (52.0565, -2.7160),
    "Stoke-on-Trent": (53.0027, -2.1794),
    "Stafford": (52.8067, -2.1168),
    "Shrewsbury": (52.7073, -2.7553),
    "Telford": (52.6766, -2.4469),
}
# How people pick a place on the form (a choice, or typed into "Other"): all understood.
PLACE_SPELLINGS = {
    "Stoke-on-Trent": ["Stoke-on-Trent", "Stoke-on-Trent", "stoke on trent", "Stoke on Trent"],
    "West Bromwich": ["West Bromwich", "West Bromwich", "west bromwich", "West Bromwich "],
    "Wolverhampton": ["Wolverhampton", "Wolverhampton", "WOLVERHAMPTON"],
}
# Far from everything: no mentor is placed within 40 km of Hereford (Worcester is 37 km away,
# every other town 49 km or more), so a mentee there can only stay unmatched.
NO_MENTORS_IN = ("Hereford", "Worcester")

# --- organisations: canonical name (as in the rule file) -> (ways people type it, home towns) ----

ORGANISATIONS: dict[str, tuple[list[str], list[str]]] = {
    "University Hospitals Birmingham NHS Foundation Trust": (
        ["University Hospitals Birmingham NHS Foundation Trust", "UHB", "University Hospitals Birmingham",
         "Queen Elizabeth Hospital Birmingham"], ["Birmingham", "Solihull"]),
    "Sandwell and West Birmingham Hospitals NHS Trust": (
        ["Sandwell and West Birmingham Hospitals NHS Trust", "SWBH", "Sandwell & West Birmingham"],
        ["West Bromwich", "Birmingham"]),
    "The Royal Wolverhampton NHS Trust": (
        ["The Royal Wolverhampton NHS Trust", "Royal Wolverhampton NHS Trust", "RWT"],
        ["Wolverhampton", "Walsall"]),
    "The Dudley Group NHS Foundation Trust": (
        ["The Dudley Group NHS Foundation Trust", "Dudley Group", "DGFT"], ["Dudley"]),
    "Walsall Healthcare NHS Trust": (
        ["Walsall Healthcare NHS Trust", "Walsall Healthcare", "WHT"], ["Walsall"]),
    "University Hospitals Coventry and Warwickshire NHS Trust": (
        ["University Hospitals Coventry and Warwickshire NHS Trust", "UHCW",
         "University Hospitals Coventry & Warwickshire"], ["Coventry"]),
    "South Warwickshire University NHS Foundation Trust": (
        ["South Warwickshire University NHS Foundation Trust", "SWFT"], ["Warwick"]),
    "Worcestershire Acute Hospitals NHS Trust": (
        ["Worcestershire Acute Hospitals NHS Trust", "Worcestershire Acute", "WAHT"],
        ["Worcester", "Redditch", "Kidderminster"]),
    "Herefordshire and Worcestershire Health and Care NHS Trust": (
        ["Herefordshire and Worcestershire Health and Care NHS Trust", "HWHCT"],
        ["Worcester", "Hereford", "Redditch"]),
    "Wye Valley NHS Trust": (["Wye Valley NHS Trust", "Wye Valley"], ["Hereford"]),
    "University Hospitals of North Midlands NHS Trust": (
        ["University Hospitals of North Midlands NHS Trust", "UHNM"], ["Stoke-on-Trent", "Stafford"]),
    "The Shrewsbury and Telford Hospital NHS Trust": (
        ["The Shrewsbury and Telford Hospital NHS Trust", "SaTH", "Shrewsbury & Telford Hospital"],
        ["Shrewsbury", "Telford"]),
    "West Midlands Ambulance Service University NHS Foundation Trust": (
        ["West Midlands Ambulance Service University NHS Foundation Trust", "WMAS",
         "West Midlands Ambulance Service"], ["Dudley", "Stafford", "Coventry"]),
    "NHS Birmingham and Solihull Integrated Care Board": (
        ["NHS Birmingham and Solihull Integrated Care Board", "BSol ICB", "Birmingham and Solihull ICB"],
        ["Birmingham", "Solihull"]),
    "NHS Black Country Integrated Care Board": (
        ["NHS Black Country Integrated Care Board", "Black Country ICB", "NHS Black Country ICB"],
        ["Wolverhampton", "Dudley", "Walsall", "West Bromwich"]),
    "NHS Staffordshire and Stoke-on-Trent Integrated Care Board": (
        ["NHS Staffordshire and Stoke-on-Trent Integrated Care Board", "SSOT ICB",
         "Staffordshire & Stoke-on-Trent ICB"], ["Stafford", "Stoke-on-Trent"]),
    "NHS Midlands and Lancashire Commissioning Support Unit": (
        ["NHS Midlands and Lancashire Commissioning Support Unit", "MLCSU", "Midlands & Lancashire CSU"],
        ["Stafford", "Walsall", "Birmingham"]),
}  # fmt: skip
ORG_WEIGHTS = {
    "University Hospitals Birmingham NHS Foundation Trust": 5,
    "Sandwell and West Birmingham Hospitals NHS Trust": 3,
    "The Royal Wolverhampton NHS Trust": 3,
    "The Dudley Group NHS Foundation Trust": 2,
    "Walsall Healthcare NHS Trust": 2,
    "University Hospitals Coventry and Warwickshire NHS Trust": 3,
    "South Warwickshire University NHS Foundation Trust": 1,
    "Worcestershire Acute Hospitals NHS Trust": 2,
    "Herefordshire and Worcestershire Health and Care NHS Trust": 1,
    "Wye Valley NHS Trust": 1,
    "University Hospitals of North Midlands NHS Trust": 3,
    "The Shrewsbury and Telford Hospital NHS Trust": 2,
    "West Midlands Ambulance Service University NHS Foundation Trust": 2,
    "NHS Birmingham and Solihull Integrated Care Board": 2,
    "NHS Black Country Integrated Care Board": 2,
    "NHS Staffordshire and Stoke-on-Trent Integrated Care Board": 1,
    "NHS Midlands and Lancashire Commissioning Support Unit": 2,
}
# Not in the rule file's list, and still welcome (the scheme names no list of employers).
UNLISTED_ORGANISATIONS = {
    "Birmingham Community Healthcare NHS Foundation Trust": ["Birmingham"],
    "Birmingham and Solihull Mental Health NHS Foundation Trust": ["Solihull"],
}

# --- bands and grades ---------------------------------------------------------------------------

GRADES = {"Director": "9", "Executive Director": "9", "Deputy Director": "8d", "Associate Director": "8c"}

HR_TITLES: dict[str, list[str]] = {
    "5": ["HR Advisor", "Recruitment Officer", "Workforce Information Analyst", "Medical Staffing Officer",
          "Learning and Development Facilitator"],
    "6": ["Senior HR Advisor", "Workforce Planning Analyst", "Employee Relations Advisor", "EDI Officer",
          "Learning and Development Lead"],
    "7": ["HR Business Partner", "Employee Relations Manager", "OD Practitioner",
          "Workforce Planning Manager", "Recruitment Manager", "Medical Staffing Manager", "EDI Lead"],
    "8a": ["Senior HR Business Partner", "Head of Employee Relations", "OD Lead", "Head of Recruitment",
           "Head of Learning and Development"],
    "8b": ["Head of HR", "Head of OD", "Head of Workforce Planning", "Associate Head of People"],
    "8c": ["Head of People Services", "Associate Director of Workforce"],
    "8d": ["Associate Director of People", "Deputy Director of Workforce"],
    "9": ["Deputy Chief People Officer", "Director of Workforce"],
}  # fmt: skip
GRADE_TITLES = {
    "Director": ["Chief People Officer", "Director of People and OD"],
    "Executive Director": ["Chief People Officer"],
    "Deputy Director": ["Deputy Director of People", "Deputy Director of Workforce and OD"],
    "Associate Director": ["Associate Director of HR"],
}
# The HR and people answers to "which area ... do you work in?", all accepted by the rule file.
HR_AREAS = [
    "Human Resources", "human resources", "HR Business Partnering", "Organisational Development",
    "OD", "Workforce Planning & Information", "Workforce", "Learning & Development",
    "Learning and Development", "Employee Relations", "Recruitment and Resourcing", "Medical Staffing",
    "Equality, Diversity and Inclusion", "People Services",
]  # fmt: skip
# Other staff groups: not HR, so rejected (with the job they really do).
NOT_HR = [
    ("Finance", "Finance Business Partner"), ("Nursing", "Matron"),
    ("Estates and Facilities", "Estates Manager"), ("Digital / IT", "IT Project Manager"),
    ("Operations management", "General Manager"),
]  # fmt: skip

GOALS = [
    "Career progression", "Leadership", "Employee relations casework", "Organisational change",
    "Workforce planning", "Influencing senior leaders", "Coaching skills", "CIPD qualification",
    "Moving into OD", "Confidence", "Work-life balance", "Strategic HR",
]  # fmt: skip

FIRST_NAMES = [
    "Amrit", "Harpreet", "Gurpreet", "Jaspreet", "Mandeep", "Priya", "Sunita", "Rajinder", "Aisha",
    "Imran", "Nadia", "Tariq", "Shabana", "Bilal", "Yasmin", "Zainab", "Marcia", "Delroy", "Andrea",
    "Winston", "Claudette", "Tendai", "Chipo", "Blessing", "Oluwaseun", "Ngozi", "Emeka", "Funmi",
    "Joanne", "Karen", "Lisa", "Claire", "Sarah", "Rachel", "Helen", "Emma", "Kelly", "Stacey",
    "Gemma", "Lauren", "Paul", "Mark", "Gary", "Darren", "Lee", "Craig", "Neil", "Stephen",
    "Andrew", "Richard", "Tom", "Owen", "Rhys", "Dylan", "Siân", "Bethan", "Zoë", "Renée",
    "Siobhán", "Niamh", "Ciarán", "Agnieszka", "Tomasz", "Marta", "Kasia", "Mei", "Wei", "Thanh",
    "Lakshmi", "Deepa", "Anjali", "Vikram", "Sanjay", "Kiran", "Sam", "Alex", "Jordan", "Robin",
]  # fmt: skip
SURNAMES = [
    "Sandhu", "Bains", "Dhillon", "Gill", "Johal", "Kaur", "Singh", "Patel", "Mistry", "Chauhan",
    "Begum", "Hussain", "Khan", "Akhtar", "Mahmood", "Iqbal", "Rashid", "Campbell", "Brown",
    "Francis", "Morgan", "Bennett", "Moyo", "Ncube", "Okonkwo", "Adeyemi", "Eze", "Smith", "Jones",
    "Williams", "Taylor", "Davies", "Evans", "Hughes", "Edwards", "Price", "Lloyd", "Powell",
    "Baker", "Cartwright", "Bradley", "Hollis", "Whitehouse", "Nock", "Round", "Homer", "Parkes",
    "Tromans", "Share", "Pritchard", "O'Connor", "Ó Briain", "Kowalska", "Nowak", "Wiśniewska",
    "Nguyen", "Chen", "Wong", "Varghese", "Menon", "Nair", "Lloyd-Jones", "Smith-Okoro", "Müller",
]  # fmt: skip

TEXT_TIME_RATE = 0.12  # share of rows with day-first text times instead of Excel datetimes


# --- people -------------------------------------------------------------------------------------


@dataclass
class Person:
    """One invented applicant: what they typed, and the true value behind each answer."""

    role: str  # "mentee" or "mentor": the form they used
    name: str
    email: str  # identity: trimmed, lower case; "" when left out
    org: str | None  # canonical organisation (the rule file's name, or the unlisted name as typed)
    org_text: str
    job_title: str
    profession_text: str
    hr: bool
    band_text: object
    band: str | None  # canonical band; None when blank or not a known grade
    place: str | None  # canonical place; None when blank or not offered
    place_text: str
    line_manager: str = ""  # true email of the line manager, "" when not given
    line_manager_text: str = ""
    goals: tuple[str, ...] = ()
    goals_text: str = ""
    offers: tuple[str, ...] = ()
    offers_text: str = ""
    capacity: int = 0  # places a mentor offers (1 when left blank); 0 for mentees
    capacity_text: object = ""
    tag: str = "eligible"  # the single rule this applicant was built to break
    note: str = ""  # a special case the test looks for ("far-away", "line-manager-best", ...)


Submission = FormsSubmission


class Builder(FormsBuilder):
    """Invents applicants and their submissions from one seeded random stream."""

    def __init__(self, seed: int = SEED) -> None:
        super().__init__(seed)

    # names and emails

    def person_name(self) -> str:
        return fresh(lambda: f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}", self.used_names)

    def email_for(self, name: str) -> str:
        first, last = name.split(" ", 1)
        return unique_email(f"{ascii_slug(first)}.{ascii_slug(last)}", self.used_emails)

    def outside_manager(self) -> str:
        """The email of an invented line manager who does not apply."""
        return self.email_for(self.person_name())

    # answers

    def organisation(self) -> str:
        names = list(ORG_WEIGHTS)
        return self.rng.choices(names, weights=[ORG_WEIGHTS[n] for n in names])[0]

    def org_text(self, org: str) -> str:
        if org in UNLISTED_ORGANISATIONS:
            return org
        return self.rng.choice(ORGANISATIONS[org][0])

    def home_place(self, org: str, role: str) -> str:
        homes = ORGANISATIONS[org][1] if org in ORGANISATIONS else UNLISTED_ORGANISATIONS[org]
        banned = set(NO_MENTORS_IN) if role == "mentor" else {"Hereford", "Worcester"}
        choices = [p for p in homes if p not in banned]
        if not choices or self.rng.random() < 0.15:  # lives or meets nearer another town
            choices = [p for p in PLACES if p not in banned]
        return self.rng.choice(choices)

    def place_text(self, place: str) -> str:
        return self.rng.choice(PLACE_SPELLINGS.get(place, [place]))

    def band_text(self, band: str) -> object:
        if band in GRADES:
            return self.rng.choice([band, band, band.lower()])
        if band.startswith("8"):
            letter = band[1]
            return self.rng.choice([f"Band 8{letter}", f"band 8{letter.upper()}",
                                    f"Band 8 - Range {letter.upper()}", f"8{letter}",
                                    f"AfC Band 8{letter}"])  # fmt: skip
        if self.rng.random() < 0.1:
            return int(band)  # a number in the cell
        return self.rng.choice([f"Band {band}", f"Band {band}", band, f"band {band}", f"AfC Band {band}",
                                f"Agenda for Change band {band}", f"Band {band} "])  # fmt: skip

    def multi(self, items: list[str]) -> str:
        if self.rng.random() < 0.75:
            return ";".join(items) + ";"  # Microsoft Forms style
        return ", ".join(items)

    def capacity_text(self, places: int | None) -> object:
        if places is None:
            return ""
        if places == 2:
            return self.rng.choice(["2", "2", 2, "2 mentees"])
        return self.rng.choice([str(places), str(places), places])

    def person(
        self,
        role: str,
        band: str | None,
        *,
        org: str | None = None,
        place: str | None = None,
        tag: str = "eligible",
        note: str = "",
        band_text: object = None,
        profession: tuple[str, str] | None = None,
        org_text: str | None = None,
        place_text: str | None = None,
        places: int | None = 1,
        goals: list[str] | None = None,
        email: str | None = None,
    ) -> Person:
        name = self.person_name()
        org = org if org is not None else self.organisation()
        place = place if place is not None else self.home_place(org, role)
        if profession is None:
            grade_titles = GRADE_TITLES.get(band or "", [])
            job = self.rng.choice(grade_titles or HR_TITLES.get(band or "7", HR_TITLES["7"]))
            profession_text, hr = self.rng.choice(HR_AREAS), True
        else:
            profession_text, job = profession
            hr = False
        person = Person(
            role=role,
            name=name,
            email=email if email is not None else self.email_for(name),
            org=org if org_text != "" else None,
            org_text=org_text if org_text is not None else self.org_text(org),
            job_title=job,
            profession_text=profession_text,
            hr=hr,
            band_text=band_text if band_text is not None else self.band_text(band or "7"),
            band=(GRADES.get(band, band) if band is not None else None),
            place=place if place_text is None else None,
            place_text=place_text if place_text is not None else self.place_text(place),
            tag=tag,
            note=note,
        )
        if role == "mentee":
            if goals is None:
                goals = self.rng.sample(GOALS, self.rng.randint(1, 4))
            person.goals = tuple(goals)
            person.goals_text = self.multi(list(person.goals))
        else:
            person.offers = tuple(self.rng.sample(GOALS, self.rng.randint(3, 7)))
            person.offers_text = self.multi(list(person.offers))
            person.capacity = places if places is not None else 1
            person.capacity_text = self.capacity_text(places)
        return person

    def set_manager(self, person: Person, email: str) -> None:
        person.line_manager = email
        person.line_manager_text = messy_email(self.rng, email, trailing=False)

    # submissions

    def time_in_window(self) -> datetime:
        return working_hours(self.rng, OPENED + timedelta(days=self.rng.randint(0, 80)))

    def fill_in(self, person: Person, completed: datetime, **given: Any) -> Submission:
        """These forms draw anonymity and the Forms name before the typed email."""
        started = given["started"] or completed - timedelta(seconds=self.rng.randint(90, 1500))
        anonymous = self.rng.random() < 0.3 if given["anonymous"] is None else given["anonymous"]
        forms_email = "anonymous" if anonymous else title_email(person.email)
        forms_name = "" if anonymous or self.rng.random() < 0.15 else person.name
        name_text = name_as_typed(self.rng, person.name)
        email_text = given["email_text"]
        if email_text is None:
            email_text = messy_email(self.rng, person.email, trailing=False)
        text_times = given["text_times"]
        if text_times is None:
            text_times = self.rng.random() < TEXT_TIME_RATE
        return Submission(
            person=person,
            completed=completed,
            started=started,
            email_text=email_text,
            forms_email=forms_email,
            forms_name=forms_name,
            name_text=name_text,
            text_times=text_times,
            file=MENTEES_FILE if person.role == "mentee" else MENTORS_FILE,
        )


# --- the cohort ---------------------------------------------------------------------------------

MENTOR_BANDS = (["6"] * 2 + ["7"] * 5 + ["8a"] * 8 + ["8b"] * 6 + ["8c"] * 4 + ["8d"] * 3 + ["9"] * 2
                + ["Director", "Executive Director", "Deputy Director", "Associate Director"])  # fmt: skip
MENTOR_PLACES = [1] * 13 + [2] * 12 + [3] * 6 + [None] * 3  # None: left blank, counts as 1
MENTEE_BANDS = ["5"] * 10 + ["6"] * 14 + ["7"] * 13 + ["8a"] * 7 + ["8b"] * 3 + ["Deputy Director"]
WOLVES = "Wolverhampton"


def build(b: Builder) -> None:
    rng = b.rng

    # Eligible mentors: 34 at Band 6 to Director, none in Hereford or Worcester.
    places = MENTOR_PLACES[:]
    rng.shuffle(places)
    mentors = [b.person("mentor", band, places=places.pop()) for band in MENTOR_BANDS]
    assert not places
    # A Band 5 mentor: eligible (the text sets no band floor), but no mentee is below Band 5.
    mentors.append(b.person("mentor", "5", org="University Hospitals Birmingham NHS Foundation Trust",
                            place="Birmingham", note="not-above-anyone"))  # fmt: skip
    # From an organisation not in the rule file's list: welcome all the same.
    mentors.append(b.person("mentor", "8a", org="Birmingham and Solihull Mental Health NHS Foundation Trust",
                            place="Solihull", places=2))  # fmt: skip

    # Eligible mentees: 48 at Band 5 to Deputy Director, none in Hereford; three in Worcester.
    mentees = [b.person("mentee", band) for band in MENTEE_BANDS]
    for mentee, org in zip(mentees[1:40:13], ["Worcestershire Acute Hospitals NHS Trust",
                                              "Herefordshire and Worcestershire Health and Care NHS Trust",
                                              "University Hospitals Birmingham NHS Foundation Trust"],
                           strict=True):  # fmt: skip
        mentee.org, mentee.org_text = org, b.org_text(org)
        mentee.place, mentee.place_text = "Worcester", "Worcester"
    mentees.append(b.person("mentee", "6", org="Birmingham Community Healthcare NHS Foundation Trust",
                            place="Birmingham"))  # fmt: skip

    # Far away: the only applicant in Hereford; no mentor within 40 km, so unmatched (distance).
    far = b.person("mentee", "6", org="Wye Valley NHS Trust", place="Hereford", note="far-away")
    mentees.append(far)

    # Reporting line: a Band 7 mentee on secondment to the Black Country ICB, still line-managed by
    # a Band 8b mentor at the Royal Wolverhampton: same town, other organisation, every goal
    # offered, so that mentor is the best match by score and only the reporting line forbids it.
    boss = b.person("mentor", "8b", org="The Royal Wolverhampton NHS Trust", place=WOLVES, places=2,
                    note="line-manager")  # fmt: skip
    boss.offers = ("Employee relations casework", "Influencing senior leaders", "Strategic HR",
                   "Career progression", "Coaching skills")  # fmt: skip
    boss.offers_text = b.multi(list(boss.offers))
    managed = b.person("mentee", "7", org="NHS Black Country Integrated Care Board", place=WOLVES,
                       goals=["Employee relations casework", "Influencing senior leaders", "Strategic HR"],
                       note="line-manager-best")  # fmt: skip
    b.set_manager(managed, boss.email)
    mentors.append(boss)
    mentees.append(managed)

    # The other direction: a Band 8c OD consultant seconded into a Walsall programme team names its
    # Band 8a lead, who applied as a mentee, as line manager. Same town, other organisation.
    lead = b.person("mentee", "8a", org="Walsall Healthcare NHS Trust", place="Walsall",
                    note="manages-a-mentor")  # fmt: skip
    report = b.person("mentor", "8c", org="NHS Midlands and Lancashire Commissioning Support Unit",
                      place="Walsall", places=1, note="managed-by-a-mentee")  # fmt: skip
    report.offers = tuple(dict.fromkeys([*lead.goals, *report.offers]))
    report.offers_text = b.multi(list(report.offers))
    b.set_manager(report, lead.email)
    mentors.append(report)
    mentees.append(lead)

    # Nobody else in Wolverhampton offers all of the managed mentee's goals (so the manager is
    # strictly the best), and nobody else is named as anyone's line manager except below.
    for mentor in mentors:
        if mentor is not boss and mentor.place == WOLVES and set(managed.goals) <= set(mentor.offers):
            mentor.offers = tuple(g for g in mentor.offers if g != managed.goals[0])
            mentor.offers_text = b.multi(list(mentor.offers))

    # Line managers from outside the cohort for about a third of everyone else; two mentees are
    # managed by a mentor in their own organisation (the organisation rule forbids that pair too).
    for person in [*mentees, *mentors]:
        if not person.line_manager and not person.note and rng.random() < 0.35:
            b.set_manager(person, b.outside_manager())
    in_org = [(e, r) for e in mentees for r in mentors
              if e.org == r.org and not e.note and not r.note and r.band and e.band
              and RANK[r.band] > RANK[e.band]]  # fmt: skip
    for mentee, mentor in rng.sample(in_org, 2):
        b.set_manager(mentee, mentor.email)

    everyone = mentors + mentees
    rng.shuffle(everyone)
    repeaters = [p for p in everyone if not p.note][:3]
    for person in everyone:
        if person not in repeaters:
            b.submit(person)

    # Repeated submissions: the latest (by completion time) counts; no deadline to pass.
    p = repeaters[0]  # changed their place the second time
    before = "Birmingham" if p.place != "Birmingham" else "Solihull"
    first = b.submit(dataclasses.replace(p, place=before, place_text=before),
                     OPENED + timedelta(days=5, hours=3, minutes=12, seconds=40))  # fmt: skip
    b.submit(p, first.completed + timedelta(days=9, hours=2), email_text=f"  {title_email(p.email)} ")
    p = repeaters[1]  # three goes; the middle one as day-first text
    t = OPENED + timedelta(days=20, hours=4, minutes=2, seconds=9)
    b.submit(p, t, email_text=p.email.upper())
    b.submit(p, t + timedelta(minutes=47), text_times=True)
    b.submit(p, t + timedelta(days=3, hours=1, minutes=5), email_text=title_email(p.email))
    p = repeaters[2]  # opened the form, left it, finished after a second quicker go
    t = OPENED + timedelta(days=33, hours=2, minutes=30, seconds=17)
    b.submit(p, t + timedelta(minutes=10), started=t + timedelta(minutes=2))
    b.submit(p, t + timedelta(hours=3), started=t - timedelta(minutes=20), email_text=" " + p.email)

    # Not HR or people professionals.
    for role, band, (area, job) in [("mentor", "8b", NOT_HR[0]), ("mentor", "8a", NOT_HR[1]),
                                    ("mentee", "6", NOT_HR[2]), ("mentee", "7", NOT_HR[3]),
                                    ("mentee", "8a", NOT_HR[4])]:  # fmt: skip
        b.submit(b.person(role, band, profession=(area, job), tag="not-hr-professional"))

    # None of these is a reason to turn someone away (the text asks none of it); each is eligible.
    # A town not on the form's list (typed into "Other"): a West Midlands town, so its distance
    # is known (the place vocabulary). A place left blank: eligible, and unmatched for distance.
    for role, band in [("mentor", "8a"), ("mentee", "6")]:
        person = b.person(role, band, place_text="Lichfield")
        person.place = "Lichfield"
        b.submit(person)
    b.submit(b.person("mentee", "5", place_text=""))

    # Band left blank (the band-gap pairing rule cannot place them: unmatched); organisation left
    # blank (only the "another organisation" score preference reads it).
    b.submit(b.person("mentee", None, band_text=""))
    b.submit(b.person("mentee", "6", org_text=""))

    # Grades the band vocabulary reads: "Band 8" is 8a to 8d (a mentor ranks at its lowest, 8a);
    # a very senior manager (VSM) ranks as Band 9.
    person = b.person("mentor", None, band_text="Band 8")
    person.band = "8a"
    b.submit(person)
    person = b.person("mentee", None, band_text="VSM")
    person.band = "9"
    b.submit(person)

    # No email anywhere: the question skipped on an anonymous form.
    person = b.person("mentee", "6", email="", tag="email-missing")
    b.submit(person, email_text="", anonymous=True)


# --- expected outcomes --------------------------------------------------------------------------


def failures(p: Person) -> list[str]:
    """Every rule this applicant's answers break, in the tool's order (identity rules aside)."""
    out: list[str] = []
    if not p.email:
        out.append("email-missing")
    if not p.hr:
        out.append("not-hr-professional")
    return out


def decide(subs: list[Submission]) -> None:
    """Set each submission's expected outcome and rule code, checking one rule per applicant."""
    counted = latest_by_email(subs, lambda s: s.completed)
    for sub in subs:
        p = sub.person
        if judge(sub, counted, failures(p)) != "duplicate-submission":
            assert sub.rule == ("" if p.tag == "eligible" else p.tag), (p.name, sub.rule, p.tag)


# --- writing ------------------------------------------------------------------------------------

BLANK_AFTER = {MENTORS_FILE: (17,), MENTEES_FILE: (30, 51, 51)}  # data rows followed by a blank row


def lay_out(b: Builder, file: str) -> list[Submission | None]:
    return forms_order((s for s in b.submissions if s.file == file), BLANK_AFTER[file])


def answers(sub: Submission) -> dict[str, object]:
    p = sub.person
    return {
        "name": sub.name_text,
        "email": sub.email_text,
        "organisation": p.org_text,
        "job_title": p.job_title,
        "profession": p.profession_text,
        "band": p.band_text,
        "place": p.place_text,
        "line_manager": p.line_manager_text,
        "goals": p.goals_text,
        "offers": p.offers_text,
        "capacity": p.capacity_text,
    }


def write_xlsx(rows: list[Submission | None], role: str, path: Path, rng: random.Random) -> None:
    questions = QUESTIONS[role]

    def values(sub: Submission, forms_id: int) -> list[object]:
        given = answers(sub)
        cells = forms_columns(sub, forms_id, rng) + [given[name] for name in questions]
        return [None if value == "" else value for value in cells]

    widths = [5, 16, 16, 28, 20, 24, 30, 40, 28, 30, 22, 26, 30, 40, 16]
    write_forms_xlsx(rows, path, FORMS_COLUMNS + list(questions.values()), values, widths, FIXED_STAMP)


def cohort() -> tuple[Builder, dict[str, list[Submission | None]]]:
    """Build the cohort, lay out both files and decide every row's outcome (nothing written)."""
    b = Builder()
    build(b)
    layouts = {MENTORS_FILE: lay_out(b, MENTORS_FILE), MENTEES_FILE: lay_out(b, MENTEES_FILE)}
    decide([s for rows in layouts.values() for s in rows if s is not None])
    emails = {
        file: {s.person.email for s in rows if s is not None and s.person.email}
        for file, rows in layouts.items()
    }
    assert not emails[MENTORS_FILE] & emails[MENTEES_FILE], "nobody applies on both forms"
    return b, layouts


def main(out_dir: Path | str | None = None) -> dict[str, int]:
    """Write mentors.xlsx, mentees.xlsx and expected.csv; return the outcome counts."""
    folder = out_folder(out_dir, HERE)
    b, layouts = cohort()
    write_xlsx(layouts[MENTORS_FILE], "mentor", folder / MENTORS_FILE, b.rng)
    write_xlsx(layouts[MENTEES_FILE], "mentee", folder / MENTEES_FILE, b.rng)
    every = [s for rows in layouts.values() for s in rows]
    write_expected(every, folder / "expected.csv", files=True)
    return counts(every)


if __name__ == "__main__":
    print_counts(main(sys.argv[1] if len(sys.argv) > 1 else None))
