"""People's names as every output shows them (sheets, drafts, mail merge): tidied the same way."""

from __future__ import annotations


def tidy_name(name: str) -> str:
    """A name as typed, but one typed all in lower or upper case gets capitals (o'neill -> O'Neill).

    Spaces are collapsed; a name typed with some capitals is left exactly as its owner wrote it.
    """
    name = " ".join(str(name).split())
    if name and (name == name.lower() or name == name.upper()):
        return name.title()
    return name
