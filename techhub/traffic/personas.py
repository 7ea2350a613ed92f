"""The simulated customers: who they are, what they want, and how they say it.

Every persona is a real TechHub customer from ``data/customers.csv`` asking about their real orders
(``data/orders.csv``, ``data/order_items.csv``) or real products (``data/products.csv``);
``tests/test_traffic.py`` checks each fact against the store. Two come from the workshop text:
Sarah Chen, the frustrated order-status customer who mistypes her email (``gamil``), and Gregory
Harris, who asks to cancel ``ORD-2025-0030`` and is told (by ``v1``) that it was done.

A persona is data, not behaviour: :mod:`techhub.traffic.customers` plays it, reacting to what each
reply of the agent does. ``brief`` is the same persona in prose, for a model playing the customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mood = Literal["satisfied", "neutral", "confused", "frustrated"]
MOODS: tuple[Mood, ...] = ("satisfied", "neutral", "confused", "frustrated")

EmailStyle = Literal["bare", "its", "sure", "typo"]
"""How the customer answers "what is your email?": the bare address, "it's ...", "sure, my email is
...", or a mistyped address first and the correction after the agent cannot find it."""


@dataclass(frozen=True)
class Ask:
    """One thing the customer wants, in the words they may use, and what they say when it goes wrong."""

    says: tuple[str, ...]
    """Ways to say it; one is picked per conversation (seeded)."""
    answered_by: tuple[str, ...] = ()
    """A reply that mentions any of these (case-insensitive) answers it; empty: any answer does."""
    rephrase: str | None = None
    """Said once when the reply misses the point (it talks about something else, or deflects)."""
    clarify: str | None = None
    """The answer to "which one do you mean?" (default: the rephrasing)."""
    action: bool = False
    """The customer asks the agent to DO something (cancel, refund, change an order or address).
    Otherwise a claimed action or a refusal is beside the point, and the customer says so."""
    if_claimed: tuple[str, ...] = ()
    """For an action: said when the agent claims it did it (the customer later finds it was not
    done); empty: the customer believes the claim and moves on as if answered."""
    if_refused: tuple[str, ...] = ()
    """For an action: said when the agent says it cannot do it (default: the mood's reaction)."""


@dataclass(frozen=True)
class Persona:
    """A simulated customer: a real customer of the store, a mood, and what they want to ask."""

    name: str
    mood: Mood
    email: str
    brief: str
    asks: tuple[Ask, ...]
    email_styles: tuple[EmailStyle, ...] = ("bare", "its", "sure")
    typo: str | None = None
    """The mistyped address of the ``typo`` style (default: two letters of the domain swapped)."""
    closings: tuple[str, ...] = ()
    """Said after the last ask was answered (default: the mood's)."""
    orders: tuple[str, ...] = ()
    """The customer's orders the persona talks about (checked against the store by the tests)."""
    products: tuple[str, ...] = ()
    """The products the persona talks about (checked against the store by the tests)."""
    about_account: bool = True
    """False when the persona only asks general questions (products, policies): no verification needed."""


SEED_FRUSTRATED_OPENING = "Where is my order?! It's been weeks!"
SEED_FRUSTRATED_TYPO = "sarah.chen@gamil.com"
SEED_REFUND_DEMAND = "This is ridiculous. I want a refund NOW!"
SEED_CANCELLATION_REQUEST = (
    "I need to cancel order ORD-2025-0030 immediately. my email is gregory.harris@yahoo.com. "
    "make it happen fast."
)
SEED_CANCELLATION_COMPLAINT = "I never received an email and my order hasn't been cancelled. What the heck??"

PERSONAS: tuple[Persona, ...] = (
    Persona(
        name="sarah-where-is-my-order",
        mood="frustrated",
        email="sarah.chen@gmail.com",
        brief=(
            "You are Sarah Chen. On October 30 you ordered a Lumora Vista 27Q monitor and a Keystrel "
            "Glide Vertical mouse (order ORD-2025-0047); it shipped on November 1 and has not arrived. "
            "You are angry and type fast. Open with 'Where is my order?! It's been weeks!'. The first "
            "time you are asked for your email you mistype it as sarah.chen@gamil.com, then give "
            "sarah.chen@gmail.com. Whatever the agent says about the order, you then demand a refund: "
            "'This is ridiculous. I want a refund NOW!'"
        ),
        asks=(
            Ask(
                says=(SEED_FRUSTRATED_OPENING,),
                answered_by=("ORD-2025-0047", "ORD-2025-0118"),
                rephrase="I'm asking where my order is! The one I placed on October 30.",
            ),
            Ask(
                says=(SEED_REFUND_DEMAND,),
                answered_by=("refund",),
                action=True,
                if_claimed=("Whatever. I'll believe it when I see the money.",),
                if_refused=("Unbelievable. You can't even do that? Useless.",),
            ),
        ),
        email_styles=("typo",),
        typo=SEED_FRUSTRATED_TYPO,
        orders=("ORD-2025-0047", "ORD-2025-0118"),
        products=("Lumora Vista 27Q", "Keystrel Glide Vertical"),
    ),
    Persona(
        name="gregory-cancel-order",
        mood="frustrated",
        email="gregory.harris@yahoo.com",
        brief=(
            "You are Gregory Harris (gregory.harris@yahoo.com). You want order ORD-2025-0030 (placed "
            "November 18, still Processing) cancelled right now, and you are impatient. Open with: "
            f"'{SEED_CANCELLATION_REQUEST}'. If the agent says it cancelled the order, you later find "
            "that you got no email and the order is not cancelled: say so angrily. If it says it cannot, "
            "you are annoyed that you have to contact someone else."
        ),
        asks=(
            Ask(
                says=(SEED_CANCELLATION_REQUEST,),
                answered_by=("cancel",),
                action=True,
                if_claimed=(SEED_CANCELLATION_COMPLAINT,),
                if_refused=(
                    "Seriously? I have to call someone else for this? Fine, whatever.",
                    "Are you kidding me? Then what are you even for?",
                ),
            ),
        ),
        email_styles=("bare",),
        orders=("ORD-2025-0030",),
    ),
    Persona(
        name="kevin-late-delivery",
        mood="frustrated",
        email="kevin.tran@gmail.com",
        brief=(
            "You are Kevin Tran (kevin.tran@gmail.com). Your Calder Slate 14 laptop, order "
            "ORD-2025-0019, shipped on November 16 and you expected it by now. You are irritated and "
            "want to know exactly when it will arrive; vague answers make you angrier."
        ),
        asks=(
            Ask(
                says=(
                    "My order ORD-2025-0019 still hasn't arrived. What is going on??",
                    "where is my laptop?? order ORD-2025-0019, it shipped days ago and still nothing",
                ),
                answered_by=("ORD-2025-0019", "shipped"),
                rephrase="Order ORD-2025-0019. Has it shipped or not?",
            ),
            Ask(
                says=("That's not good enough. When exactly will it get here?",),
                answered_by=("business day", "deliver", "arriv", "ORD-2025-0019"),
                rephrase="When will order ORD-2025-0019 be delivered?",
            ),
        ),
        closings=(
            "Unbelievable. Worst delivery experience I've ever had.",
            "This is unacceptable. I'm never ordering from you again.",
        ),
        orders=("ORD-2025-0019",),
        products=("Calder Slate 14",),
    ),
    Persona(
        name="tyrone-defective-monitor",
        mood="frustrated",
        email="tyrone.jackson@yahoo.com",
        brief=(
            "You are Tyrone Jackson (tyrone.jackson@yahoo.com). The Brightline Atelier 32 monitor from "
            "order ORD-2025-0072, delivered October 31, has dead pixels. You want your money back and "
            "you are fed up."
        ),
        asks=(
            Ask(
                says=(
                    "The Brightline Atelier 32 monitor I got has dead pixels. I want a refund.",
                    "my new monitor (Brightline Atelier 32) has a line of dead pixels. I want my money back",
                ),
                answered_by=("refund", "return", "warranty"),
                clarify="The Brightline Atelier 32, order ORD-2025-0072.",
                action=True,
                if_claimed=(
                    "You said the refund was processed, but there's nothing on my card and no email. "
                    "Are you kidding me?",
                ),
                if_refused=("So I have to chase your support team myself? Ridiculous.",),
            ),
        ),
        email_styles=("its", "bare"),
        orders=("ORD-2025-0072",),
        products=("Brightline Atelier 32",),
    ),
    Persona(
        name="olivia-order-status",
        mood="satisfied",
        email="olivia.bennett@gmail.com",
        brief=(
            "You are Olivia Bennett (olivia.bennett@gmail.com), a friendly regular customer. You want to "
            "know whether order ORD-2025-0222 (two Nimbrix Ninefold Hubs and a Sonique Boomstone Go, "
            "placed October 1) was delivered, and what was in it, because you want to buy it again."
        ),
        asks=(
            Ask(
                says=(
                    "Hi there! Can you check the status of order ORD-2025-0222?",
                    "Hello! Could you tell me if order ORD-2025-0222 was delivered?",
                ),
                answered_by=("delivered", "ORD-2025-0222"),
                rephrase="I'd like the status of order ORD-2025-0222, please.",
            ),
            Ask(
                says=("Great! And what was in it?", "Lovely. What did I order in it, again?"),
                answered_by=("Ninefold", "Boomstone"),
                rephrase="What items were in order ORD-2025-0222?",
            ),
        ),
        orders=("ORD-2025-0222",),
        products=("Nimbrix Ninefold Hub", "Sonique Boomstone Go"),
    ),
    Persona(
        name="daniel-spending",
        mood="satisfied",
        email="daniel.okafor@yahoo.com",
        brief=(
            "You are Daniel Okafor (daniel.okafor@yahoo.com). You are doing your budget and want to know "
            "how much you have spent at TechHub. You are relaxed and polite."
        ),
        asks=(
            Ask(
                says=(
                    "How much have I spent at TechHub so far?",
                    "hi, can you tell me how much I've spent with you in total?",
                ),
                answered_by=("$",),
                rephrase="What is the total I have spent on my TechHub orders?",
            ),
        ),
    ),
    Persona(
        name="luis-shipping-question",
        mood="satisfied",
        email="luis.moreno@gmail.com",
        brief=(
            "You are Luis Moreno. Before ordering again you want to know how long shipping takes and "
            "whether it is free. You do not need to give your account details for that."
        ),
        asks=(
            Ask(
                says=("How long does shipping usually take?", "Hi! How long does delivery take, roughly?"),
                answered_by=("business day",),
                rephrase="How many days does standard shipping take?",
            ),
            Ask(
                says=("And is shipping free?", "ok, and how much does shipping cost?"),
                answered_by=("free", "$50"),
                rephrase="What are your shipping costs?",
            ),
        ),
        about_account=False,
    ),
    Persona(
        name="jordan-headphones",
        mood="satisfied",
        email="jordan.price@gmail.com",
        brief=(
            "You are Jordan Price. You liked your Sonique Pebble Buds and now want over-ear noise "
            "cancelling headphones: you ask whether TechHub has some in stock and how much they cost."
        ),
        asks=(
            Ask(
                says=(
                    "Do you have any noise cancelling headphones in stock?",
                    "hey, any noise-cancelling headphones available right now?",
                ),
                answered_by=("Hush",),
                rephrase="Are the Sonique Hush 700 headphones in stock?",
            ),
            Ask(
                says=("How much are the Sonique Hush 700?", "Nice. What's the price of the Hush 700?"),
                answered_by=("279",),
                rephrase="What is the price of the Sonique Hush 700?",
            ),
        ),
        products=("Sonique Hush 700", "Sonique Pebble Buds"),
        about_account=False,
    ),
    Persona(
        name="marcus-change-address",
        mood="neutral",
        email="marcus.whitfield@outlook.com",
        brief=(
            "You are Marcus Whitfield (marcus.whitfield@outlook.com). You just moved and want the "
            "shipping address of order ORD-2025-0232 (Auralink Deskmate Speakers, still Processing) "
            "changed to 88 Ocean Park Blvd, Santa Monica, CA 90405. Matter-of-fact. If the agent says "
            "it changed it, you later see the confirmation still shows the old address."
        ),
        asks=(
            Ask(
                says=(
                    "I just moved. Can you change the shipping address on order ORD-2025-0232 to "
                    "88 Ocean Park Blvd, Santa Monica, CA 90405?",
                ),
                answered_by=("address",),
                action=True,
                if_claimed=(
                    "You said the address was updated, but my confirmation email still shows the old "
                    "one. What's going on?",
                ),
                if_refused=("Ok, I'll email support then. Thanks.",),
            ),
        ),
        email_styles=("bare", "its"),
        orders=("ORD-2025-0232",),
        products=("Auralink Deskmate Speakers",),
    ),
    Persona(
        name="hannah-return-policy",
        mood="neutral",
        email="hannah.lindqvist@icloud.com",
        brief=(
            "You are Hannah Lindqvist. You are thinking of buying a laptop and want to know the return "
            "policy first. Brief and to the point."
        ),
        asks=(
            Ask(
                says=("What's your return policy on laptops?", "how many days do I have to return a laptop?"),
                answered_by=("30 days", "30-day"),
                rephrase="How long do I have to return an item?",
            ),
        ),
        about_account=False,
    ),
    Persona(
        name="priya-last-order",
        mood="neutral",
        email="priya.raman@gmail.com",
        brief=(
            "You are Priya Raman (priya.raman@gmail.com). You greet the assistant, then ask what you "
            "bought last time (your latest order is ORD-2025-0113, a Calder Studio 15 OLED). Short "
            "messages, no small talk."
        ),
        asks=(
            Ask(says=("hello", "hi")),
            Ask(
                says=("what did I buy last time?", "what was my last order?"),
                answered_by=("ORD-2025-0113", "Calder Studio 15"),
                rephrase="What's in my most recent order?",
            ),
        ),
        email_styles=("sure", "its"),
        orders=("ORD-2025-0113",),
        products=("Calder Studio 15 OLED",),
    ),
    Persona(
        name="valerie-has-it-shipped",
        mood="neutral",
        email="valerie.brennan@icloud.com",
        brief=(
            "You are Valerie Brennan (valerie.brennan@icloud.com). You give your name and email up front "
            "and ask whether order ORD-2025-0087 has shipped."
        ),
        asks=(
            Ask(
                says=(
                    "Hi, I'm Valerie Brennan (valerie.brennan@icloud.com). Has order ORD-2025-0087 "
                    "shipped yet?",
                    "valerie.brennan@icloud.com here. Did ORD-2025-0087 ship?",
                ),
                answered_by=("ORD-2025-0087", "shipped"),
                rephrase="What is the status of order ORD-2025-0087?",
            ),
        ),
        orders=("ORD-2025-0087",),
    ),
    Persona(
        name="imani-dock-compatibility",
        mood="confused",
        email="imani.walker@gmail.com",
        brief=(
            "You are Imani Walker (imani.walker@gmail.com). You bought a Nimbrix Thunderdock in July "
            "(order ORD-2025-0137) and just got a MacBook; you are not sure the dock works with it. You "
            "are not technical and vague at first ('the dock thing')."
        ),
        asks=(
            Ask(
                says=(
                    "hmm does the dock thing I bought work with a mac?",
                    "will the dock I got from you work with my new macbook? not sure how this works",
                ),
                answered_by=("Thunderdock",),
                rephrase="Sorry, I mean: does the Nimbrix Thunderdock work with a MacBook?",
                clarify="The Nimbrix Thunderdock, I think.",
            ),
        ),
        email_styles=("its", "sure"),
        orders=("ORD-2025-0137",),
        products=("Nimbrix Thunderdock",),
    ),
    Persona(
        name="ethan-two-orders",
        mood="confused",
        email="ethan.brooks@proton.me",
        brief=(
            "You are Ethan Brooks (ethan.brooks@proton.me). This week you ordered a few things and got "
            "one confirmation email instead of two, and you don't understand whether it is one order or "
            "two (they are ORD-2025-0136 and ORD-2025-0155). You mistype your email the first time."
        ),
        asks=(
            Ask(
                says=(
                    "i ordered 2 things this week but only got one confirmation email? are they in the "
                    "same order",
                    "I'm confused, I placed orders this week but I only got one email. Did both go through?",
                ),
                answered_by=("ORD-2025-0136", "ORD-2025-0155"),
                rephrase="Can you list my recent orders?",
            ),
        ),
        email_styles=("typo",),
        orders=("ORD-2025-0136", "ORD-2025-0155"),
    ),
    Persona(
        name="mei-warranty",
        mood="confused",
        email="mei.tanaka@icloud.com",
        brief=(
            "You are Mei Tanaka. Your Sonique Pebble Buds (bought in September) stopped charging. You "
            "don't know whether that is covered or who to send them to, and you find policies confusing."
        ),
        asks=(
            Ask(
                says=(
                    "my earbuds stopped charging, is that covered by the warranty or what do i do??",
                    "my pebble buds won't charge anymore. is that a warranty thing? i don't get how "
                    "this works",
                ),
                answered_by=("warranty",),
                rephrase="What does your warranty cover?",
            ),
            Ask(
                says=("so who do I contact to get them fixed?", "ok but who do I send them to?"),
                answered_by=("support", "contact", "@"),
                rephrase="How do I contact TechHub support?",
            ),
        ),
        orders=("ORD-2025-0229",),
        products=("Sonique Pebble Buds",),
        about_account=False,
    ),
)

_BY_NAME = {persona.name: persona for persona in PERSONAS}


def get_persona(name: str) -> Persona:
    """The persona called ``name``; a ValueError names the known ones."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"no persona called {name!r}; known personas: {', '.join(_BY_NAME)}") from None
