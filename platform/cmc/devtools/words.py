"""The words of the benchmark data: names, places and topics of the region, and the templates that make
sentences, titles and bodies of them, drawn from seeded random generators (reproducible run after run)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from cmc.models import DocumentKind, NetworkKind

# Plain words only (no Markdown syntax, no characters outside Latin-1): bodies then render to simple
# paragraphs, and every PDF can show them with its standard font.

FIRST_NAMES = (
    "Aaliyah", "Adrian", "Akeem", "Alicia", "Andre", "Anya", "Carlos", "Celeste", "Dahlia", "Damian", "Denise",
    "Desmond", "Elena", "Errol", "Fabiola", "Gabriel", "Gillian", "Haydn", "Imani", "Jacqueline", "Jamal",
    "Javier", "Jerome", "Josette", "Kamala", "Kareem", "Keisha", "Kervin", "Latoya", "Leon", "Lisette",
    "Lucia", "Malik", "Marcia", "Marisol", "Nadia", "Nathaniel", "Nicole", "Odette", "Omar", "Patrice",
    "Pedro", "Quincy", "Rachel", "Ramesh", "Renee", "Rohan", "Sabrina", "Sanjay", "Shanice", "Sherwin",
    "Simone", "Stefan", "Tamara", "Tevin", "Valerie", "Vernon", "Wendell", "Yolanda", "Zara",
)
LAST_NAMES = (
    "Alleyne", "Baptiste", "Bethel", "Blackman", "Boodram", "Campbell", "Charles", "Clarke", "Cumberbatch",
    "Da Silva", "Delgado", "Douglas", "Edwards", "Ferguson", "Fernandez", "Forde", "Francis", "Gomez", "Gonzales",
    "Grant", "Harewood", "Henry", "Hinds", "Ince", "Jadoo", "James", "Joseph", "Knight", "Lewis", "Marcano",
    "Maharaj", "Martinez", "Mohammed", "Moore", "Mitchell", "Nurse", "Persaud", "Pierre", "Ramdial", "Ramirez",
    "Rolle", "Samuel", "Sealy", "Singh", "Smith", "St. Hill", "Thomas", "Toussaint", "Vasquez", "Walcott",
    "Williams", "Young",
)
TITLES = (
    "Immigration Officer", "Senior Immigration Officer", "Border Control Supervisor", "Policy Analyst",
    "Legal Officer", "Protection Officer", "Coast Guard Liaison", "Statistician", "Consular Officer",
    "Director of Immigration", "Deputy Chief Immigration Officer", "Programme Officer", "Labour Attache",
    "Refugee Status Determination Officer", "Anti-Smuggling Investigator", "Data Analyst",
)
PLACES = (
    "Icacos", "Cedros", "Speyside", "Toco", "Port Antonio", "Montego Bay", "Ocho Rios", "Nassau", "Inagua",
    "Exuma", "Providenciales", "Grand Turk", "Samana", "Puerto Plata", "Cap Haitien", "Bridgetown",
    "Speightstown", "Castries", "Vieux Fort", "Kingstown", "Roseau", "Portsmouth", "Basseterre", "Charlestown",
    "Paramaribo", "Nickerie", "Georgetown", "Lethem", "Belize City", "Punta Gorda", "Willemstad", "Oranjestad",
    "Philipsburg", "Road Town", "George Town", "The Valley", "Codrington", "Scarborough", "Chaguaramas",
    "Port of Spain", "Santo Domingo", "Freeport", "Bimini", "Anse La Raye", "Soufriere", "Carriacou",
)
GROUPS = (
    "asylum seekers", "unaccompanied children", "migrant workers", "stranded migrants", "returning nationals",
    "families with young children", "seasonal agricultural workers", "people displaced by the hurricane",
    "victims of trafficking", "stateless persons", "students overstaying their visas", "fishers",
)
AGENCIES = (
    "the coast guard", "the immigration department", "the police", "the ministry of foreign affairs",
    "the national asylum office", "the ministry of labour", "customs", "the maritime authority",
    "the disaster management agency", "the child protection authority", "the civil registry",
)
TOPICS = (
    "border management", "refugee protection", "migrant smuggling", "trafficking in persons",
    "labour mobility", "disaster displacement", "return and reintegration", "migration data",
    "document fraud", "maritime interdiction", "reception capacity", "consular assistance",
    "statelessness", "regional free movement", "irregular sea arrivals", "protection screening",
)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
SENTENCES = (
    "Officers at {place} reported {n} {group} arriving by boat over the last {days} days.",
    "{Agency} intercepted a vessel near {place} carrying {n} people, several of them {group}.",
    "We would welcome figures from other parties on {topic} before the next meeting.",
    "The draft protocol on {topic} asks each party to name a focal point within {agency}.",
    "Screening at {place} identified {group} who may need international protection.",
    "Our ministry is reviewing procedures for {topic} together with {agency}.",
    "Smugglers appear to be moving departures from {place} to smaller landing points further along the coast.",
    "Reception facilities at {place} are close to capacity after the arrivals in {month}.",
    "Joint training on {topic} for officers of {agency} is planned for {month}.",
    "Information shared through the network helped {agency} prepare for arrivals at {place}.",
    "The number of {group} registered this quarter is {n}, up from the quarter before.",
    "Referral to the asylum procedure remains slow for {group}, and we would value advice from others.",
    "Forged entry stamps similar to those seen at {place} were reported again in {month}.",
    "We propose a regional exchange of practice on {topic} at the annual meeting.",
    "Cooperation between {agency} and partners in the region reduced waiting times at {place}.",
    "Weather conditions around {place} make small boat crossings especially dangerous at this time of year.",
    "A workshop on {topic} with IOM and UNHCR will take place in {place} in {month}.",
    "Our statistics unit can share anonymised data on {group} if the network agrees on a common format.",
    "Several {group} were assisted to return voluntarily after interviews at {place}.",
    "The contingency plan for mass arrivals at {place} was updated after the exercise in {month}.",
)
REPLY_OPENERS = (
    "Thank you for sharing this.", "We see the same pattern.", "Agreed.", "A short update from our side.",
    "Useful, thank you.", "We can confirm this.", "Following up on the point above.", "Good question.",
)
THREAD_TITLES = (
    "Arrivals at {place}: figures for {month}", "Sharing practice on {topic}", "Question on {topic} procedures",
    "{Topic}: draft regional protocol", "Vessel intercepted near {place}", "Reception capacity at {place}",
    "Training needs on {topic}", "Data exchange format for {topic}", "Update from {place} on {group}",
    "Referral of {group} in {month}", "Lessons from the exercise at {place}", "New route towards {place}?",
)
DOCUMENT_TITLES = (
    "{Topic}: national report {year}", "Quarterly statistics on {group}", "Protocol on {topic}",
    "Presentation on {topic} at {place}", "Statement on {topic}", "Minutes of the working group on {topic}",
    "Assessment of reception capacity at {place}", "Guidelines on {topic} for {agency}",
    "Situation report: {place}, {month} {year}", "Training manual on {topic}", "Regional overview of {topic}",
)
NETWORK_THEMES = (
    ("trafficking-in-persons", "Trafficking in Persons", NetworkKind.TECHNICAL, True),
    ("labour-mobility", "Labour Mobility", NetworkKind.THEMATIC, False),
    ("disaster-displacement", "Disaster Displacement", NetworkKind.THEMATIC, True),
    ("migration-data", "Migration Data and Statistics", NetworkKind.TECHNICAL, False),
    ("maritime-interdiction", "Maritime Interdiction", NetworkKind.TECHNICAL, True),
    ("return-reintegration", "Return and Reintegration", NetworkKind.THEMATIC, False),
    ("diaspora-dialogue", "Diaspora Dialogue", NetworkKind.DIALOGUE, False),
    ("unaccompanied-children", "Unaccompanied and Separated Children", NetworkKind.THEMATIC, False),
    ("consular-cooperation", "Consular Cooperation", NetworkKind.DIALOGUE, False),
    ("health-and-migration", "Health and Migration", NetworkKind.THEMATIC, False),
)
AGENDA_SESSIONS = (
    "Opening and adoption of the agenda", "Regional overview of {topic}", "Panel on {topic}",
    "National experiences with {topic}", "Working groups on {topic}", "Report of the {topic} network",
    "Presentation by IOM on {topic}", "Presentation by UNHCR on {topic}", "Coffee break", "Lunch",
    "Adoption of conclusions", "Closing",
)
VENUES = (
    ("Port of Spain", "TT", "Hyatt Regency"), ("Kingston", "JM", "Jamaica Conference Centre"),
    ("Nassau", "BS", "Baha Mar Convention Centre"), ("Bridgetown", "BB", "Lloyd Erskine Sandiford Centre"),
    ("Santo Domingo", "DO", "Hotel El Embajador"), ("Paramaribo", "SR", "Torarica Hotel"),
    ("Georgetown", "GY", "Arthur Chung Conference Centre"), ("Castries", "LC", "Bay Gardens Resort"),
    ("Willemstad", "CW", "World Trade Center Curacao"), ("Belize City", "BZ", "Radisson Fort George"),
)
# Document kinds and how often each occurs.
DOCUMENT_KINDS = (DocumentKind.REPORT,) * 4 + (DocumentKind.STATISTICS,) * 2 + (
    DocumentKind.PROTOCOL, DocumentKind.PRESENTATION, DocumentKind.STATEMENT, DocumentKind.MINUTES,
    DocumentKind.OTHER)


_CHOICES = {"place": PLACES, "group": GROUPS, "topic": TOPICS, "agency": AGENCIES, "month": MONTHS}
_RANGES = {"n": (3, 240), "days": (2, 30), "year": (2023, 2026)}


class _Slots(dict[str, str]):
    """Template values, drawn from the generator the first time a template asks for one."""

    def __init__(self, rng: random.Random, fixed: dict[str, str]) -> None:
        super().__init__(fixed)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        if key in ("Topic", "Agency"):
            lower = self[key.lower()]
            value = lower[0].upper() + lower[1:]
        elif key in _CHOICES:
            value = self.rng.choice(_CHOICES[key])
        else:
            low, high = _RANGES[key]
            value = str(self.rng.randint(low, high))
        self[key] = value
        return value


class Text:
    """Sentences, titles and bodies from the templates, drawn from one random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def fill(self, template: str, **fixed: str) -> str:
        # Slots are drawn only when the template uses them: most use two or three of the ten.
        return template.format_map(_Slots(self.rng, fixed))

    def sentence(self, **fixed: str) -> str:
        return self.fill(self.rng.choice(SENTENCES), **fixed)

    def paragraph(self, low: int = 2, high: int = 4, **fixed: str) -> str:
        return " ".join(self.sentence(**fixed) for _ in range(self.rng.randint(low, high)))

    def paragraphs(self, low: int, high: int, **fixed: str) -> list[str]:
        return [self.paragraph(**fixed) for _ in range(self.rng.randint(low, high))]


def body_html(paragraphs: Sequence[str]) -> str:
    """What ``markup.render`` makes of plain paragraphs, without running Markdown 40,000 times.

    Only valid for text made of the word lists above (no Markdown syntax, no ``<`` or ``&``); the tests
    compare it with ``markup.render`` on generated bodies.
    """
    return "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
