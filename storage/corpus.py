"""A synthetic but realistic corpus for the memory benchmark: MultiWOZ-like task dialogues with
varied venues, foods, times, numbers and references, plus occasional off-task chatter, so that
search sees a natural spread of common and rare words."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta

from agent.domain import Role
from storage.bulk import CorpusConversation

FOODS = [
    "italian",
    "chinese",
    "indian",
    "thai",
    "british",
    "french",
    "korean",
    "japanese",
    "mexican",
    "turkish",
    "spanish",
    "lebanese",
    "vietnamese",
    "european",
    "seafood",
    "vegetarian",
    "portuguese",
    "greek",
    "african",
    "gastropub",
]
AREAS = ["centre", "north", "south", "east", "west"]
PRICES = ["cheap", "moderate", "expensive"]
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
PLACES = [
    "cambridge",
    "london",
    "kings-cross",
    "stansted-airport",
    "ely",
    "norwich",
    "peterborough",
    "broxbourne",
    "stevenage",
    "bishops-stortford",
    "leicester",
    "birmingham",
]
NAMES = [
    "pizza-hut",
    "golden-wok",
    "curry-garden",
    "the-eagle",
    "saigon-city",
    "da-vinci",
    "hotel-du-vin",
    "acorn-guest-house",
    "gonville-hotel",
    "the-copper-kettle",
    "yippee-noodle-bar",
    "kymmoy",
    "bedouin",
    "la-margherita",
    "rice-house",
    "nandos",
    "cotto",
    "midsummer-house",
    "fitzbillies",
    "the-cow-pizza",
]
CHATTER = (
    "By the way, do you know if it will rain tomorrow?",
    "My sister recommended this place last summer, she loved the dessert menu.",
    "Sorry, I got distracted by my dog. Where were we?",
    "Is it close to the museum? I would like to walk there after lunch.",
    "I am travelling with my grandmother, so step-free access matters a lot.",
    "Could you also remind me what the weather is usually like in spring?",
    "안녕하세요, 한국 음식도 있나요? 😀",
)
USER = (
    "I'm looking for a {price} {food} restaurant in the {area} of town.",
    "Can you book a table for {n} people on {day} at {time}?",
    "I need a train from {place} to {place2} leaving after {time} on {day}.",
    "What is the phone number and postcode of {name}?",
    "I also need a hotel in the {area} with free parking and wifi, {n} stars please.",
    "Actually make that {food} food instead, and {price} if possible.",
    "Please get me a taxi from {name} to {place2} by {time}.",
    "Thanks, that's all I need today. Goodbye!",
)
SYSTEM = (
    "{name} is a {price} {food} restaurant in the {area}. Would you like me to book it?",
    "Booking was successful. The table will be reserved for 15 minutes. Reference: {ref}.",
    "There are {n} trains from {place} to {place2} on {day}; the first leaves at {time}.",
    "The phone number is 01223{digits} and the postcode is cb{n}{area_code}.",
    "I found {n} hotels in the {area}. {name} has free parking and costs {price} prices.",
    "Your taxi is booked: a grey {car} will pick you up at {time}. Contact 07{digits}.",
    "Is there anything else I can help you with?",
    "Sorry, there is no {food} restaurant in the {area}. Shall I try another area?",
)
CARS = ["toyota", "skoda", "ford", "audi", "bmw", "volvo", "tesla", "honda"]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        price=rng.choice(PRICES),
        food=rng.choice(FOODS),
        area=rng.choice(AREAS),
        n=rng.randint(1, 8),
        day=rng.choice(DAYS),
        time=f"{rng.randint(6, 22):02d}:{rng.choice((0, 15, 30, 45)):02d}",
        place=rng.choice(PLACES),
        place2=rng.choice(PLACES),
        name=rng.choice(NAMES).replace("-", " "),
        ref="".join(rng.choices(string.ascii_uppercase + string.digits, k=8)),
        digits="".join(rng.choices(string.digits, k=6)),
        area_code="".join(rng.choices(string.ascii_lowercase, k=2)),
        car=rng.choice(CARS),
    )


def utterance(role: Role, rng: random.Random) -> str:
    if role == "user" and rng.random() < 0.08:
        return rng.choice(CHATTER)
    pool = USER if role == "user" else SYSTEM
    parts = [_fill(rng.choice(pool), rng) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
    return " ".join(parts)


def dialogue(index: int, turns: int, rng: random.Random) -> CorpusConversation:
    roles: list[Role] = ["user", "assistant"]
    lines = [(roles[i % 2], utterance(roles[i % 2], rng)) for i in range(turns)]
    started = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=37 * index)
    food = rng.choice(FOODS)
    return CorpusConversation(
        title=f"{food} in the {rng.choice(AREAS)} #{index}", turns=lines, started=started
    )


def split_turns(total: int, conversations: int, rng: random.Random) -> list[int]:
    """Conversation lengths that vary (±50%) around the mean and sum to ``total``."""
    mean = total / conversations
    lengths = [max(2, round(mean * rng.uniform(0.5, 1.5))) for _ in range(conversations)]
    scale = total / sum(lengths)
    lengths = [max(2, int(n * scale)) for n in lengths]
    lengths[-1] += total - sum(lengths)
    return lengths


QUERIES = (
    "italian",
    "cheap restaurant",
    "train cambridge",
    "parking",
    "taxi toyota",
    "booking reference",
    "golden wok",
    "korean food",
    "weather",
    "grandmother",
    "museum lunch",
    "expensive hotel centre",
    "friday 18:00",
    "postcode",
    "한국",
    "stansted airport train",
    "dessert",
    "vegetarian east",
    "kings cross",
    "skoda",
)


def queries(count: int, rng: random.Random) -> list[str]:
    """Fixed phrases mixed with random one- and two-word queries from the vocabulary."""
    vocabulary = FOODS + AREAS + PRICES + DAYS + CARS + [n.replace("-", " ") for n in NAMES]
    found = list(QUERIES)
    while len(found) < count:
        found.append(" ".join(rng.sample(vocabulary, rng.choice((1, 1, 2)))))
    return found[:count]
