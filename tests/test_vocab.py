"""The vocabularies, tested by enumerating each official list (written out here from the source,
not read from the data files) and checking every entry's group."""

from __future__ import annotations

import pytest

from mentormatch import vocab

# --- ethnic group ---------------------------------------------------------------------------------

# ONS 2021 Census, England and Wales: 19 categories (wording, group-level heading, ethnic-minority?)
# ethnic-minority: "yes" / "no" / "ask" (Gypsy, Irish Traveller, Roma: White in the census, often
# counted as minorities, so a coordinator decides).
CENSUS_2021 = [
    ("Asian, Asian British or Asian Welsh: Bangladeshi", "yes"),
    ("Asian, Asian British or Asian Welsh: Chinese", "yes"),
    ("Asian, Asian British or Asian Welsh: Indian", "yes"),
    ("Asian, Asian British or Asian Welsh: Pakistani", "yes"),
    ("Asian, Asian British or Asian Welsh: Other Asian", "yes"),
    ("Black, Black British, Black Welsh, Caribbean or African: African", "yes"),
    ("Black, Black British, Black Welsh, Caribbean or African: Caribbean", "yes"),
    ("Black, Black British, Black Welsh, Caribbean or African: Other Black", "yes"),
    ("Mixed or Multiple ethnic groups: White and Asian", "yes"),
    ("Mixed or Multiple ethnic groups: White and Black African", "yes"),
    ("Mixed or Multiple ethnic groups: White and Black Caribbean", "yes"),
    ("Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups", "yes"),
    ("White: English, Welsh, Scottish, Northern Irish or British", "no"),
    ("White: Irish", "no"),
    ("White: Gypsy or Irish Traveller", "ask"),
    ("White: Roma", "ask"),
    ("White: Other White", "no"),
    ("Other ethnic group: Arab", "yes"),
    ("Other ethnic group: Any other ethnic group", "yes"),
]

# ONS 2011 Census, England: 18 categories.
CENSUS_2011 = [
    ("White: English/Welsh/Scottish/Northern Irish/British", "no"),
    ("White: Irish", "no"),
    ("White: Gypsy or Irish Traveller", "ask"),
    ("White: Any other White background", "no"),
    ("Mixed/multiple ethnic groups: White and Black Caribbean", "yes"),
    ("Mixed/multiple ethnic groups: White and Black African", "yes"),
    ("Mixed/multiple ethnic groups: White and Asian", "yes"),
    ("Mixed/multiple ethnic groups: Any other Mixed/multiple ethnic background", "yes"),
    ("Asian/Asian British: Indian", "yes"),
    ("Asian/Asian British: Pakistani", "yes"),
    ("Asian/Asian British: Bangladeshi", "yes"),
    ("Asian/Asian British: Chinese", "yes"),
    ("Asian/Asian British: Any other Asian background", "yes"),
    ("Black/African/Caribbean/Black British: African", "yes"),
    ("Black/African/Caribbean/Black British: Caribbean", "yes"),
    ("Black/African/Caribbean/Black British: Any other Black/African/Caribbean background", "yes"),
    ("Other ethnic group: Arab", "yes"),
    ("Other ethnic group: Any other ethnic group", "yes"),
]

# ONS 2001 Census, England and Wales: 16 categories.
CENSUS_2001 = [
    ("White: British", "no"),
    ("White: Irish", "no"),
    ("White: Any other White background", "no"),
    ("Mixed: White and Black Caribbean", "yes"),
    ("Mixed: White and Black African", "yes"),
    ("Mixed: White and Asian", "yes"),
    ("Mixed: Any other Mixed background", "yes"),
    ("Asian or Asian British: Indian", "yes"),
    ("Asian or Asian British: Pakistani", "yes"),
    ("Asian or Asian British: Bangladeshi", "yes"),
    ("Asian or Asian British: Any other Asian background", "yes"),
    ("Black or Black British: Caribbean", "yes"),
    ("Black or Black British: African", "yes"),
    ("Black or Black British: Any other Black background", "yes"),
    ("Chinese or other ethnic group: Chinese", "yes"),
    ("Chinese or other ethnic group: Any other ethnic group", "yes"),
]

# NHS Data Dictionary ETHNIC CATEGORY: code, wording, ethnic-minority (WRES "BME": codes D to S).
NHS_ETHNIC_CATEGORY = [
    ("A", "White - British", "no"),
    ("B", "White - Irish", "no"),
    ("C", "White - Any other White background", "no"),
    ("D", "Mixed - White and Black Caribbean", "yes"),
    ("E", "Mixed - White and Black African", "yes"),
    ("F", "Mixed - White and Asian", "yes"),
    ("G", "Mixed - Any other mixed background", "yes"),
    ("H", "Asian or Asian British - Indian", "yes"),
    ("J", "Asian or Asian British - Pakistani", "yes"),
    ("K", "Asian or Asian British - Bangladeshi", "yes"),
    ("L", "Asian or Asian British - Any other Asian background", "yes"),
    ("M", "Black or Black British - Caribbean", "yes"),
    ("N", "Black or Black British - African", "yes"),
    ("P", "Black or Black British - Any other Black background", "yes"),
    ("R", "Other Ethnic Groups - Chinese", "yes"),
    ("S", "Other Ethnic Groups - Any other ethnic group", "yes"),
    ("Z", "Not stated", "ask"),
]


def test_official_lists_have_their_published_sizes() -> None:
    assert (len(CENSUS_2021), len(CENSUS_2011), len(CENSUS_2001), len(NHS_ETHNIC_CATEGORY)) == (
        19,
        18,
        16,
        17,
    )


@pytest.mark.parametrize("answer,minority", CENSUS_2021 + CENSUS_2011 + CENSUS_2001)
def test_every_census_category_is_recognised_with_its_group(answer: str, minority: str) -> None:
    found = vocab.ethnicity().membership(answer, ["ethnic-minority"])
    assert found.verdict == minority, (answer, found)
    white = "White" in answer.split(":")[0]
    assert vocab.ethnicity().membership(answer, ["white"]).verdict == ("yes" if white else "no")
    if minority == "ask":
        assert "census" in found.question


@pytest.mark.parametrize("code,wording,minority", NHS_ETHNIC_CATEGORY)
def test_every_nhs_ethnic_category_code_in_every_written_form(code: str, wording: str, minority: str) -> None:
    eth = vocab.ethnicity()
    forms = [wording, f"{code} - {wording}", f"{code}: {wording}", f"({code}) {wording}", f"{code}"]
    terms = {eth.lookup(form) for form in forms}
    assert len(terms) == 1 and None not in terms, (code, terms)
    for form in forms:
        assert eth.membership(form, ["ethnic-minority"]).verdict == minority, form
    term = terms.pop()
    assert term is not None and term.code == code


@pytest.mark.parametrize(
    "answer,group",
    [
        ("White British", "white-british"),
        ("British", "white-british"),
        ("English", "white-british"),
        ("White - Other", "white-minority"),
        ("White Other European", "white-minority"),
        ("Polish", "white-minority"),
        ("Irish", "white-minority"),
        ("Black African", "ethnic-minority"),
        ("Black British", "ethnic-minority"),
        ("Black", "ethnic-minority"),
        ("British Asian", "ethnic-minority"),
        ("Asian - Indian", "ethnic-minority"),
        ("Indian", "ethnic-minority"),
        ("British Pakistani", "ethnic-minority"),
        ("Mixed race", "ethnic-minority"),
        ("Mixed - White & Black Caribbean", "ethnic-minority"),
        ("Arab", "ethnic-minority"),
        ("Chinese", "ethnic-minority"),
        ("BAME", "ethnic-minority"),
        ("Prefer not to say", "not-stated"),
    ],
)
def test_short_everyday_forms(answer: str, group: str) -> None:
    assert vocab.ethnicity().membership(answer, [group]).verdict == "yes", answer


def test_group_aliases_name_the_same_group() -> None:
    eth = vocab.ethnicity()
    assert eth.group("BAME") == eth.group("bme") == eth.group("ethnic-minority")
    with pytest.raises(KeyError):
        eth.group("no-such-group")


def test_unrecognised_ethnicity_is_unknown_not_no() -> None:
    assert vocab.ethnicity().membership("Martian", ["ethnic-minority"]).verdict == "unknown"


# --- gender ----------------------------------------------------------------------------------------

# NHS Data Dictionary GENDER IDENTITY CODE and PERSON STATED GENDER CODE wordings.
GENDER_CODES = [
    ("Male (including trans man)", "man"),
    ("Female (including trans woman)", "woman"),
    ("Non-binary", "non-binary"),
    ("Other (not listed)", "other"),
    ("Not Known", "not-stated"),
    ("Not Stated", "not-stated"),
    ("Male", "man"),
    ("Female", "woman"),
    ("Indeterminate", "other"),
]


@pytest.mark.parametrize("answer,group", GENDER_CODES)
def test_every_gender_code_wording(answer: str, group: str) -> None:
    assert vocab.gender().membership(answer, [group]).verdict == "yes"


@pytest.mark.parametrize(
    "answer,verdict",
    [("Woman", "yes"), ("F", "yes"), ("female", "yes"), ("Trans woman", "yes"), ("Non binary", "yes"),
     ("Genderqueer", "yes"), ("Man", "no"), ("M", "no"), ("Prefer to self-describe", "ask"),
     ("Prefer not to say", "ask")],
)  # fmt: skip
def test_women_and_non_binary(answer: str, verdict: str) -> None:
    assert vocab.gender().membership(answer, ["woman", "non-binary"]).verdict == verdict


# --- staff groups and professions -----------------------------------------------------------------------

# NHS England: the 14 allied health professions, as each is usually written.
ALLIED_HEALTH = [
    ("Art therapist", "art-therapy"),
    ("Drama therapist", "drama-therapy"),
    ("Music therapist", "music-therapy"),
    ("Podiatrist", "podiatry"),
    ("Dietitian", "dietetics"),
    ("Occupational therapist", "occupational-therapy"),
    ("Operating department practitioner", "operating-department-practice"),
    ("Orthoptist", "orthoptics"),
    ("Osteopath", "osteopathy"),
    ("Paramedic", "paramedic"),
    ("Physiotherapist", "physiotherapy"),
    ("Prosthetist and orthotist", "prosthetics-and-orthotics"),
    ("Radiographer", "radiography"),
    ("Speech and language therapist", "speech-and-language-therapy"),
]

# ESR staff groups (NHS Occupation Code Manual) and the group a rule names for each.
ESR_STAFF_GROUPS = [
    ("Add Prof Scientific and Technic", "healthcare-science"),
    ("Additional Clinical Services", "clinical-support"),
    ("Administrative and Clerical", "admin-and-clerical"),
    ("Allied Health Professionals", "allied-health"),
    ("Estates and Ancillary", "estates-and-ancillary"),
    ("Healthcare Scientists", "healthcare-science"),
    ("Medical and Dental", "medical-and-dental"),
    ("Nursing and Midwifery Registered", "nursing"),
    ("Students", "student"),
]

# NMC: the four fields of nursing, and the other parts of the register.
NMC_REGISTER = [
    ("Adult nursing", "nursing", "yes"),
    ("Children's nursing", "nursing", "yes"),
    ("Learning disabilities nursing", "nursing", "yes"),
    ("Mental health nursing", "nursing", "yes"),
    ("Registered midwife", "midwifery", "yes"),
    ("Specialist community public health nurse", "nursing", "yes"),
    ("Nursing associate", "nursing", "ask"),
]


def test_fourteen_allied_health_professions() -> None:
    assert len(ALLIED_HEALTH) == 14 and len(ESR_STAFF_GROUPS) == 9


@pytest.mark.parametrize("title,profession", ALLIED_HEALTH)
def test_every_allied_health_profession_in_its_usual_forms(title: str, profession: str) -> None:
    prof = vocab.professions()
    for answer in (
        title,
        title.upper(),
        f"{title}s",
        f"Senior {title}",
        f"Band 6 {title}",
        f"Specialist {title}",
    ):
        assert prof.membership(answer, ["allied-health"]).verdict == "yes", answer
        assert prof.membership(answer, [profession]).verdict == "yes", answer
    assert prof.membership(title, ["nursing", "administration"]).verdict == "no"


@pytest.mark.parametrize("group_name,group", ESR_STAFF_GROUPS)
def test_every_esr_staff_group(group_name: str, group: str) -> None:
    assert vocab.professions().membership(group_name, [group]).verdict == "yes"


@pytest.mark.parametrize("answer,group,verdict", NMC_REGISTER)
def test_nmc_register_parts(answer: str, group: str, verdict: str) -> None:
    assert vocab.professions().membership(answer, [group]).verdict == verdict


@pytest.mark.parametrize(
    "title,groups,verdict",
    [
        ("Staff Nurse", ["nursing"], "yes"),
        ("RGN", ["nursing"], "yes"),
        ("RMN", ["nursing"], "yes"),
        ("Ward Sister", ["nursing"], "yes"),
        ("Charge nurse - ED", ["nursing"], "yes"),
        ("Advanced Nurse Practitioner", ["nursing"], "yes"),
        ("Health Visitor", ["nursing"], "yes"),
        ("Matron", ["nursing"], "yes"),
        ("Community Midwife", ["midwifery"], "yes"),
        ("Physio", ["allied-health"], "yes"),
        ("MSK Physiotherapist", ["allied-health"], "yes"),
        ("OT", ["allied-health"], "yes"),
        ("SLT", ["allied-health"], "yes"),
        ("Chiropodist", ["allied-health"], "yes"),
        ("Dietician", ["allied-health"], "yes"),
        ("ODP", ["allied-health"], "yes"),
        ("Diagnostic Radiographer", ["allied-health"], "yes"),
        ("Art psychotherapist", ["allied-health"], "yes"),
        ("Physiotherapy assistant", ["allied-health"], "ask"),
        ("Healthcare Assistant", ["nursing"], "ask"),
        ("Maternity support worker", ["midwifery"], "ask"),
        ("Medical Secretary", ["administration"], "yes"),
        ("Ward Clerk", ["administration"], "yes"),
        ("Receptionist", ["administration"], "yes"),
        ("PA to the Director of Nursing", ["administration"], "yes"),
        ("HR Advisor", ["hr"], "yes"),
        ("Employee Relations Manager", ["hr"], "yes"),
        ("Recruitment Officer", ["hr"], "yes"),
        ("Medical Staffing Officer", ["hr"], "yes"),
        ("Workforce Planning Manager", ["hr"], "yes"),
        ("Learning & Development Lead", ["hr"], "yes"),
        ("OD Practitioner", ["hr"], "yes"),
        ("EDI Lead", ["hr"], "yes"),
        ("HR Business Partner", ["administration"], "ask"),
        ("Payroll Officer", ["hr"], "ask"),
        ("Pharmacist", ["nursing", "midwifery", "allied-health", "administration"], "no"),
        ("Consultant Psychiatrist", ["nursing", "allied-health"], "no"),
        ("Physician Associate", ["allied-health"], "no"),
        ("Nurse", ["hr"], "no"),
    ],
)
def test_job_titles_for_staff_groups(title: str, groups: list[str], verdict: str) -> None:
    assert vocab.professions().membership(title, groups).verdict == verdict, title


# --- bands ---------------------------------------------------------------------------------------------

AFC_BANDS = ["1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9"]  # NHS T&Cs handbook, Annex 2


@pytest.mark.parametrize("band", AFC_BANDS)
def test_every_band_in_every_written_form(band: str) -> None:
    read = vocab.bands().read
    number, letter = band[0], band[1:]
    forms = [f"Band {band}", f"band{band}", f"B{band}", band, f"AfC {band}", f"AfC Band {band}",
             f"Agenda for Change band {band}", f"NHS Band {band}", f"Pay band {band}", f"Band {band.upper()}",
             f"Band {band} equivalent", f"Band {band} (secondment)", f"Band {band} (acting)"]  # fmt: skip
    if letter:
        forms += [f"Band {number} {letter}", f"Band {number}-{letter}",
                  f"Band {number} Range {letter.upper()}", f"Band {number} - range {letter}"]  # fmt: skip
    words = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    if not letter:
        forms.append(f"Band {words[int(number) - 1]}")
    for form in forms:
        found = read(form)
        assert found is not None and found.band == band, (form, found)


def test_two_bands_and_band_8_without_its_range_are_ranges() -> None:
    read = vocab.bands().read
    assert (read("Band 5/6").low, read("Band 5/6").high) == ("5", "6")  # type: ignore[union-attr]
    assert (read("Band 8a/b").low, read("Band 8a/b").high) == ("8a", "8b")  # type: ignore[union-attr]
    assert (read("Band 8").low, read("Band 8").high) == ("8a", "8d")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "grade,low,question",
    [("VSM", "9", False), ("Executive Director", "9", False), ("Deputy Director", "8a", False),
     ("Consultant", None, True), ("Specialty Registrar", None, True), ("FY2", None, True),
     ("GP", None, True)],
)  # fmt: skip
def test_senior_grades_mapped_where_standard_otherwise_review(
    grade: str, low: str | None, question: bool
) -> None:
    found = vocab.bands().read(grade)
    assert found is not None and found.low == low
    assert bool(found.question) == question


def test_unknown_band_answer_is_not_recognised() -> None:
    assert vocab.bands().read("Band 10") is None
    assert vocab.bands().read("whatever I am paid") is None


# --- organisations -------------------------------------------------------------------------------------

# The Kent & Medway organisations the MIND text lists, as it writes them.
MIND_LIST = [
    "East Kent Hospitals University Foundation NHS Trust",
    "Kent Community Health NHS Foundation Trust",
    "Maidstone & Tunbridge Wells NHS Trust",
    "Medway Foundation Trust",
    "South East Coast Ambulance Service NHS Foundation Trust",
    "Kent & Medway Clinical Commissioning Group",
    "Dartford & Gravesham NHS Foundation Trust",
]

# NHS trusts of the West Midlands (ONS region), by ICS (NHS England's list of ICSs).
WEST_MIDLANDS_TRUSTS = [
    "University Hospitals Birmingham NHS Foundation Trust",
    "Birmingham Women's and Children's NHS Foundation Trust",
    "Birmingham and Solihull Mental Health NHS Foundation Trust",
    "Birmingham Community Healthcare NHS Foundation Trust",
    "The Royal Orthopaedic Hospital NHS Foundation Trust",
    "Sandwell and West Birmingham Hospitals NHS Trust",
    "The Royal Wolverhampton NHS Trust",
    "The Dudley Group NHS Foundation Trust",
    "Walsall Healthcare NHS Trust",
    "Black Country Healthcare NHS Foundation Trust",
    "University Hospitals Coventry and Warwickshire NHS Trust",
    "South Warwickshire University NHS Foundation Trust",
    "George Eliot Hospital NHS Trust",
    "Coventry and Warwickshire Partnership NHS Trust",
    "Worcestershire Acute Hospitals NHS Trust",
    "Wye Valley NHS Trust",
    "Herefordshire and Worcestershire Health and Care NHS Trust",
    "The Shrewsbury and Telford Hospital NHS Trust",
    "The Robert Jones and Agnes Hunt Orthopaedic Hospital NHS Foundation Trust",
    "Shropshire Community Health NHS Trust",
    "University Hospitals of North Midlands NHS Trust",
    "Midlands Partnership University NHS Foundation Trust",
    "North Staffordshire Combined Healthcare NHS Trust",
    "West Midlands Ambulance Service University NHS Foundation Trust",
]


@pytest.mark.parametrize("name", MIND_LIST)
def test_every_listed_kent_and_medway_organisation(name: str) -> None:
    orgs = vocab.organisations()
    assert orgs.in_area(name, ["kent-and-medway"]).verdict == "yes", name
    assert orgs.in_area(name, ["south-east"], region=True).verdict == "yes"
    assert orgs.in_area(name, ["west-midlands"], region=True).verdict == "no"


@pytest.mark.parametrize("name", WEST_MIDLANDS_TRUSTS)
def test_every_west_midlands_trust(name: str) -> None:
    orgs = vocab.organisations()
    assert orgs.in_area(name, ["west-midlands"], region=True).verdict == "yes", name
    assert orgs.in_area(name, ["kent-and-medway"]).verdict == "no"


def test_every_name_alias_and_site_resolves_to_its_own_organisation() -> None:
    orgs = vocab.organisations()
    for term in orgs.terms:
        for text in (term.name, *term.data["aliases"], *term.data["sites"]):
            assert orgs.lookup(text) is term, (text, term.name, orgs.lookup(text))
        assert term.data["areas"], term.name


@pytest.mark.parametrize(
    "answer,trust",
    [("William Harvey Hospital, Ashford", "East Kent Hospitals University NHS Foundation Trust"),
     ("QEQM Margate", "East Kent Hospitals University NHS Foundation Trust"),
     ("Darent Valley Hospital", "Dartford and Gravesham NHS Trust"),
     ("Medway Maritime", "Medway NHS Foundation Trust"),
     ("Royal Stoke University Hospital", "University Hospitals of North Midlands NHS Trust"),
     ("Queen Elizabeth Hospital Birmingham", "University Hospitals Birmingham NHS Foundation Trust"),
     ("Russells Hall", "The Dudley Group NHS Foundation Trust")],
)  # fmt: skip
def test_hospital_names_resolve_to_their_trust(answer: str, trust: str) -> None:
    found = vocab.organisations().lookup(answer)
    assert found is not None and found.name == trust


def test_a_national_body_is_asked_about_not_placed() -> None:
    assert vocab.organisations().in_area("NHS England", ["kent-and-medway"]).verdict == "ask"


# --- places ---------------------------------------------------------------------------------------------


def test_every_town_resolves_and_lies_in_its_region() -> None:
    boxes = {"west-midlands": (51.8, 53.3, -3.3, -1.1), "south-east": (50.8, 51.6, -0.1, 1.5)}
    places = vocab.places()
    assert len(places.in_regions(["west-midlands"])) >= 80
    for place in places.places:
        assert places.lookup(place.name) is place
        for alias in places.aliases[place.name]:
            assert places.lookup(alias) is place, alias
        south, north, west, east = boxes[place.region]
        assert south <= place.lat <= north and west <= place.lon <= east, place


# --- sources and the hook -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,publisher",
    [("ethnicity", "ONS"), ("ethnicity", "NHS Data Dictionary"), ("gender", "NHS Data Dictionary"),
     ("profession", "NHS Occupation Code Manual"), ("profession", "14 allied health professions"),
     ("band", "Agenda for Change"), ("organisation", "Organisation Data Service"), ("place", "ONS")],
)  # fmt: skip
def test_each_data_file_names_its_sources(name: str, publisher: str) -> None:
    assert any(publisher in line for line in vocab.sources(name)), vocab.sources(name)


def test_vocabularies_are_loaded_once() -> None:
    assert vocab.ethnicity() is vocab.ethnicity() and vocab.organisations() is vocab.organisations()


@pytest.mark.parametrize("name", ["ethnicity", "gender", "professions", "bands", "organisations", "places"])
def test_the_fast_parser_reads_each_data_file_as_the_python_one_does(name: str) -> None:
    import yaml

    assert vocab.load_data(name) == vocab.load_data(name, loader=yaml.SafeLoader)
    if yaml.__with_libyaml__:  # PyYAML's wheels carry libyaml: the C parser is the one used
        assert vocab.SAFE_LOADER is yaml.CSafeLoader
