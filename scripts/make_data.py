"""Generate the TechHub source data in ``data/`` (CSVs and one Markdown document per product).

The committed files are the source of truth; this script exists so they can be regenerated and
reviewed. It is seeded (``random.Random(7)``) and writes byte-for-byte the same files on every run.
Policy documents in ``data/documents/policies/`` are written by hand and are not touched here.

Run: ``.venv/bin/python scripts/make_data.py [--data-dir data]``
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

TODAY = date(2025, 11, 20)  # techhub.config.STORE_TODAY; kept literal so the script needs no install
SEED = 7
N_ORDERS = 250
FIRST_ORDER_DATE = date(2025, 1, 6)


@dataclass(frozen=True)
class Product:
    """One catalogue entry; ``box`` and ``compatibility`` only go into the product's document."""

    name: str
    category: str
    brand: str
    price: str
    stock: int
    description: str
    specs: dict[str, str]
    compatibility: str
    box: tuple[str, ...]


PRODUCTS: tuple[Product, ...] = (
    # Laptops
    Product(
        "Vantor Aerobook 13", "Laptops", "Vantor", "1099.00", 18,
        "An ultralight 13-inch laptop for people who work on the move. The aluminium chassis weighs "
        "just over a kilogram and the battery lasts a full working day.",
        {"screen": "13.3-inch 2560x1600 IPS, 400 nits", "cpu": "Intel Core Ultra 5 125U",
         "ram": "16 GB LPDDR5X", "storage": "512 GB NVMe SSD",
         "ports": "2x Thunderbolt 4 (USB-C), 1x USB-A, headphone jack",
         "connectivity": "Wi-Fi 6E, Bluetooth 5.3", "battery": "up to 15 hours", "weight": "1.1 kg",
         "os": "Windows 11 Home"},
        "Charges over any USB-C Power Delivery charger of 45 W or more; drives one external display "
        "over Thunderbolt 4.",
        ("Vantor Aerobook 13 laptop", "65 W USB-C charger", "USB-C cable (1.8 m)", "Quick start guide"),
    ),
    Product(
        "Vantor Forge 16 Pro", "Laptops", "Vantor", "1899.00", 7,
        "A 16-inch gaming and rendering laptop with a dedicated GeForce RTX 4070 and a 240 Hz screen. "
        "Vapour-chamber cooling keeps it quiet under long loads.",
        {"screen": "16-inch 2560x1600 IPS, 240 Hz", "cpu": "Intel Core i9-14900HX",
         "gpu": "NVIDIA GeForce RTX 4070, 8 GB", "ram": "32 GB DDR5", "storage": "1 TB NVMe SSD",
         "ports": "1x Thunderbolt 4, 3x USB-A, HDMI 2.1, 2.5G Ethernet",
         "connectivity": "Wi-Fi 7, Bluetooth 5.4", "battery": "up to 6 hours", "weight": "2.5 kg",
         "os": "Windows 11 Home"},
        "Supports up to three external displays (HDMI 2.1 and Thunderbolt 4); uses a 280 W barrel "
        "charger, with 100 W USB-C charging as a backup.",
        ("Vantor Forge 16 Pro laptop", "280 W power adapter", "Quick start guide"),
    ),
    Product(
        "Calder Slate 14", "Laptops", "Calder", "1349.00", 12,
        "A business laptop with a matte 14-inch screen, a fingerprint reader and optional 5G. "
        "It passes MIL-STD-810H drop tests and has a spill-resistant keyboard.",
        {"screen": "14-inch 1920x1200 matte IPS, anti-glare", "cpu": "AMD Ryzen 7 PRO 8840U",
         "ram": "32 GB LPDDR5X", "storage": "1 TB NVMe SSD",
         "ports": "2x USB4 (USB-C), 2x USB-A, HDMI 2.1, nano SIM slot",
         "connectivity": "Wi-Fi 6E, Bluetooth 5.3, 5G modem", "battery": "up to 14 hours",
         "weight": "1.35 kg", "security": "fingerprint reader, IR camera, TPM 2.0",
         "os": "Windows 11 Pro"},
        "Works with any USB4 or Thunderbolt dock; charges over USB-C Power Delivery (65 W).",
        ("Calder Slate 14 laptop", "65 W USB-C charger", "SIM ejector tool", "Quick start guide"),
    ),
    Product(
        "Orinth Flipnote 12", "Laptops", "Orinth", "749.00", 0,
        "A 12-inch convertible that folds into a tablet, with a pressure-sensitive stylus that docks "
        "in the frame. Good for note taking and sketching.",
        {"screen": "12.4-inch 1920x1280 touch, 360-degree hinge", "cpu": "Intel Core i5-1334U",
         "ram": "8 GB LPDDR5", "storage": "256 GB SSD", "ports": "2x USB-C, microSD reader",
         "connectivity": "Wi-Fi 6, Bluetooth 5.2", "battery": "up to 11 hours", "weight": "0.98 kg",
         "stylus": "4096 pressure levels, docks magnetically", "os": "Windows 11 Home"},
        "The included stylus uses the Microsoft Pen Protocol (MPP 2.0); charges over USB-C.",
        ("Orinth Flipnote 12 convertible", "Flipnote stylus", "45 W USB-C charger", "Quick start guide"),
    ),
    Product(
        "Calder Studio 15 OLED", "Laptops", "Calder", "1649.00", 5,
        "A creator laptop with a colour-calibrated 4K OLED panel covering 100% of DCI-P3. "
        "Fast SD Express reader for photographers.",
        {"screen": "15.6-inch 3840x2400 OLED, 100% DCI-P3, factory calibrated",
         "cpu": "AMD Ryzen 9 8945HS", "gpu": "NVIDIA GeForce RTX 4060, 8 GB", "ram": "32 GB DDR5",
         "storage": "2 TB NVMe SSD", "ports": "2x USB4, 1x USB-A, HDMI 2.1, SD Express card reader",
         "connectivity": "Wi-Fi 6E, Bluetooth 5.3", "battery": "up to 9 hours", "weight": "1.9 kg",
         "os": "Windows 11 Pro"},
        "Ships with a colour calibration report; compatible with USB4 and Thunderbolt docks.",
        ("Calder Studio 15 OLED laptop", "140 W USB-C charger", "Calibration report",
         "Quick start guide"),
    ),
    # Monitors
    Product(
        "Lumora Vista 27Q", "Monitors", "Lumora", "329.00", 24,
        "A 27-inch QHD office and gaming monitor at 165 Hz. One USB-C cable carries video, data "
        "and 65 W of laptop charging.",
        {"screen": "27-inch 2560x1440 IPS, 165 Hz, 1 ms", "ports": "USB-C (65 W PD), 2x HDMI 2.0, "
         "DisplayPort 1.4, 2x USB-A hub", "stand": "height, tilt, swivel and pivot",
         "vesa": "100x100", "weight": "6.2 kg"},
        "Works with macOS and Windows laptops over USB-C DisplayPort Alt Mode; AMD FreeSync Premium "
        "and G-Sync compatible.",
        ("Lumora Vista 27Q monitor", "Stand", "USB-C cable", "HDMI cable", "Power cable"),
    ),
    Product(
        "Lumora Panorama 34", "Monitors", "Lumora", "549.00", 9,
        "A curved 34-inch ultrawide with a built-in KVM switch, so one keyboard and mouse can control "
        "two computers. Its 1500R curve wraps around your view.",
        {"screen": "34-inch 3440x1440 VA, 1500R curve, 144 Hz", "ports": "USB-C (90 W PD), "
         "2x HDMI 2.0, DisplayPort 1.4, 3x USB-A", "kvm": "built-in KVM switch",
         "speakers": "2x 5 W", "vesa": "100x100", "weight": "8.4 kg"},
        "Picture-by-picture shows two computers side by side; works with macOS and Windows.",
        ("Lumora Panorama 34 monitor", "Stand", "USB-C cable", "DisplayPort cable", "Power cable"),
    ),
    Product(
        "Brightline Atelier 32", "Monitors", "Brightline", "799.00", 6,
        "A 32-inch 4K monitor for photo and video work with an IPS Black panel and hardware "
        "calibration. Daisy-chains a second display over Thunderbolt.",
        {"screen": "31.5-inch 3840x2160 IPS Black, 98% DCI-P3, Delta E < 2", "ports": "Thunderbolt 4 "
         "in (90 W PD) and out, HDMI 2.1, DisplayPort 1.4, RJ45 Ethernet, 4x USB-A",
         "calibration": "hardware LUT, factory calibrated", "vesa": "100x100", "weight": "9.1 kg"},
        "Thunderbolt 4 and USB-C compatible, including MacBook Pro and MacBook Air; "
        "daisy-chains a second monitor.",
        ("Brightline Atelier 32 monitor", "Stand", "Thunderbolt 4 cable", "HDMI cable", "Power cable",
         "Calibration report"),
    ),
    Product(
        "Brightline Sprint 24", "Monitors", "Brightline", "199.00", 31,
        "A 24-inch esports monitor with a 240 Hz refresh rate and 0.5 ms response time. "
        "Small enough to fit a crowded desk.",
        {"screen": "24.5-inch 1920x1080 Fast IPS, 240 Hz, 0.5 ms", "ports": "2x HDMI 2.0, "
         "DisplayPort 1.4, headphone out", "stand": "height and tilt", "vesa": "100x100",
         "weight": "4.8 kg"},
        "NVIDIA G-Sync compatible and AMD FreeSync Premium; works with PC and games consoles.",
        ("Brightline Sprint 24 monitor", "Stand", "DisplayPort cable", "Power adapter"),
    ),
    Product(
        "Orinth Pocketview 16", "Monitors", "Orinth", "229.00", 15,
        "A portable 15.6-inch monitor, a second screen for travel that weighs 700 grams and runs from a "
        "single USB-C cable. The folding cover doubles as a stand.",
        {"type": "portable monitor", "screen": "15.6-inch 1920x1080 IPS, 60 Hz",
         "ports": "2x USB-C (power and video), mini HDMI",
         "power": "powered by the laptop over USB-C", "weight": "0.7 kg"},
        "Works with laptops whose USB-C port supports DisplayPort Alt Mode, plus phones with "
        "desktop mode and the Nintendo Switch; macOS and Windows.",
        ("Orinth Pocketview 16 display", "Folding cover", "USB-C cable", "Mini HDMI to HDMI cable"),
    ),
    # Keyboards & Mice
    Product(
        "Keystrel Tactile TKL", "Keyboards & Mice", "Keystrel", "129.00", 22,
        "A tenkeyless mechanical keyboard with hot-swappable tactile brown switches. "
        "Connects by cable, 2.4 GHz dongle or Bluetooth.",
        {"layout": "tenkeyless (87 keys), US ANSI", "switches": "tactile brown, hot-swappable",
         "keycaps": "PBT double-shot", "connectivity": "USB-C wired, 2.4 GHz, Bluetooth 5.3",
         "battery": "4000 mAh, up to 200 hours with backlight off", "weight": "0.9 kg"},
        "Switches between macOS and Windows layouts; pairs with up to three devices.",
        ("Keystrel Tactile TKL keyboard", "2.4 GHz USB receiver", "USB-C cable", "Keycap and switch puller",
         "Mac keycaps"),
    ),
    Product(
        "Keystrel Quietboard", "Keyboards & Mice", "Keystrel", "79.00", 40,
        "A slim, near-silent wireless keyboard with scissor keys, suited to shared offices. "
        "One key switches between three paired devices.",
        {"layout": "full size with number pad", "switches": "low-profile scissor, silent",
         "connectivity": "Bluetooth 5.3, multi-device (3)", "battery": "rechargeable, up to 3 months",
         "weight": "0.55 kg"},
        "Printed legends for both macOS and Windows; also works with iPadOS, Android and ChromeOS.",
        ("Keystrel Quietboard keyboard", "USB-C charging cable", "Quick start guide"),
    ),
    Product(
        "Keystrel Glide Vertical", "Keyboards & Mice", "Keystrel", "59.00", 27,
        "An ergonomic vertical mouse that holds your hand in a handshake position to ease wrist "
        "strain during long days.",
        {"sensor": "optical, 4000 DPI", "grip": "57-degree vertical, right-handed",
         "buttons": "6 programmable", "connectivity": "Bluetooth 5.3 and 2.4 GHz receiver",
         "battery": "rechargeable, up to 70 days", "weight": "0.12 kg"},
        "Works with macOS, Windows, Linux and ChromeOS.",
        ("Keystrel Glide Vertical mouse", "2.4 GHz USB receiver", "USB-C charging cable"),
    ),
    Product(
        "Pointwise Apex Gaming Mouse", "Keyboards & Mice", "Pointwise", "89.00", 0,
        "A featherweight 58-gram esports mouse with a 26,000 DPI sensor and optical switches. "
        "Lossless 2.4 GHz wireless at a 4 kHz polling rate.",
        {"sensor": "optical, 26000 DPI", "polling_rate": "up to 4000 Hz (4 kHz)",
         "switches": "optical, 90 million clicks", "connectivity": "2.4 GHz wireless, USB-C wired",
         "battery": "up to 90 hours", "weight": "58 g"},
        "Works with Windows and macOS; configuration software is Windows only.",
        ("Pointwise Apex Gaming Mouse", "4 kHz USB receiver", "USB-C braided cable", "Grip tape"),
    ),
    Product(
        "Pointwise Trackstone", "Keyboards & Mice", "Pointwise", "69.00", 13,
        "A thumb-operated trackball: the mouse stays still and your thumb moves the pointer, so it "
        "needs almost no desk space.",
        {"sensor": "optical, 2000 DPI", "ball": "34 mm, thumb operated",
         "connectivity": "Bluetooth 5.2 and 2.4 GHz receiver", "battery": "AA battery, up to 18 months",
         "weight": "0.16 kg"},
        "Works with macOS, Windows and iPadOS.",
        ("Pointwise Trackstone trackball", "2.4 GHz USB receiver", "AA battery"),
    ),
    # Audio
    Product(
        "Sonique Hush 700", "Audio", "Sonique", "279.00", 19,
        "Over-ear headphones with adaptive active noise cancelling and 40 hours of battery. "
        "Multipoint lets them stay connected to a laptop and a phone at once.",
        {"type": "over-ear, closed back", "noise_cancelling": "adaptive ANC, transparency mode",
         "connectivity": "Bluetooth 5.3, multipoint, 3.5 mm cable", "codecs": "SBC, AAC, LDAC",
         "battery": "up to 40 hours (ANC on), USB-C fast charge", "weight": "0.25 kg"},
        "Works with any Bluetooth device; the companion app is for iOS and Android.",
        ("Sonique Hush 700 headphones", "Carrying case", "USB-C cable", "3.5 mm audio cable",
         "Flight adapter"),
    ),
    Product(
        "Sonique Pebble Buds", "Audio", "Sonique", "129.00", 35,
        "True wireless earbuds with an IPX5 sweat rating, made for workouts and commutes. "
        "The pocketable case charges wirelessly.",
        {"type": "true wireless in-ear", "noise_cancelling": "ANC",
         "connectivity": "Bluetooth 5.3", "water_resistance": "IPX5",
         "battery": "8 hours in the buds, 32 hours with the case, Qi wireless charging",
         "weight": "5 g per earbud"},
        "Works with iOS and Android; Google Fast Pair.",
        ("Sonique Pebble Buds earbuds", "Charging case", "Ear tips (S, M, L)", "USB-C cable"),
    ),
    Product(
        "Sonique Boomstone Go", "Audio", "Sonique", "99.00", 28,
        "A rugged portable Bluetooth speaker that is IP67 waterproof and floats. Pair two for "
        "stereo sound.",
        {"type": "portable speaker", "output": "20 W", "water_resistance": "IP67, floats",
         "connectivity": "Bluetooth 5.3, stereo pairing", "battery": "up to 16 hours",
         "weight": "0.6 kg"},
        "Works with any Bluetooth phone, tablet or laptop.",
        ("Sonique Boomstone Go speaker", "USB-C cable", "Carry strap"),
    ),
    Product(
        "Auralink Podcaster Mic", "Audio", "Auralink", "119.00", 14,
        "A USB-C condenser microphone for podcasts, streaming and video calls, with zero-latency "
        "headphone monitoring and a tap-to-mute top.",
        {"type": "cardioid condenser", "resolution": "24-bit / 96 kHz",
         "connectivity": "USB-C, 3.5 mm headphone monitoring", "mount": "desk stand, 5/8-inch boom thread",
         "weight": "0.45 kg"},
        "Plug and play on macOS, Windows, iPadOS and Linux; no driver needed.",
        ("Auralink Podcaster Mic", "Desk stand", "USB-C to USB-C cable", "USB-C to USB-A cable"),
    ),
    Product(
        "Auralink Deskmate Speakers", "Audio", "Auralink", "149.00", 11,
        "A pair of compact desktop speakers with USB-C audio, Bluetooth and an optical input. "
        "Front volume knob and headphone jack.",
        {"type": "2.0 powered speakers", "output": "2x 25 W",
         "inputs": "USB-C audio, optical, 3.5 mm AUX, Bluetooth 5.3", "weight": "3.2 kg (pair)"},
        "Works with macOS and Windows computers, TVs (optical) and phones.",
        ("Auralink Deskmate Speakers (left and right)", "Speaker cable", "USB-C cable",
         "Power adapter"),
    ),
    # Accessories
    Product(
        "Nimbrix Ninefold Hub", "Accessories", "Nimbrix", "69.00", 45,
        "A 9-in-1 USB-C hub that adds HDMI, Ethernet, card readers and USB ports to a thin laptop, "
        "with 100 W pass-through charging.",
        {"ports": "HDMI 4K60, 3x USB-A 3.2, USB-C data, gigabit Ethernet, SD and microSD, "
         "USB-C PD in", "power_delivery": "100 W pass-through", "cable": "20 cm attached USB-C",
         "weight": "0.11 kg"},
        "Works with any laptop with a USB-C port that supports DisplayPort Alt Mode, including "
        "MacBook, iPad Pro and Windows laptops.",
        ("Nimbrix Ninefold Hub", "Travel pouch"),
    ),
    Product(
        "Nimbrix Thunderdock", "Accessories", "Nimbrix", "249.00", 8,
        "A Thunderbolt 4 docking station that drives two 4K monitors and charges the laptop at 96 W "
        "through one cable.",
        {"ports": "4x Thunderbolt 4, 2x HDMI 2.0, 4x USB-A, 2.5G Ethernet, SD card, audio",
         "power_delivery": "96 W to the laptop", "displays": "dual 4K60 or single 8K",
         "weight": "0.6 kg"},
        "Thunderbolt 4, Thunderbolt 3 and USB4 laptops, macOS and Windows. Plain USB-C laptops get "
        "a single display.",
        ("Nimbrix Thunderdock", "Thunderbolt 4 cable (0.8 m)", "180 W power adapter"),
    ),
    Product(
        "Nimbrix Voltpack 20K", "Accessories", "Nimbrix", "59.00", 52,
        "A 20,000 mAh power bank that can charge a laptop: its USB-C port delivers 65 W. "
        "Allowed in carry-on luggage.",
        {"capacity": "20000 mAh (74 Wh)", "ports": "2x USB-C PD (65 W max), 1x USB-A",
         "recharge": "about 2 hours with a 65 W charger", "weight": "0.4 kg"},
        "Charges USB-C laptops, phones, tablets and the Nintendo Switch.",
        ("Nimbrix Voltpack 20K power bank", "USB-C cable", "Travel pouch"),
    ),
    Product(
        "Ferrow Loft Stand", "Accessories", "Ferrow", "45.00", 33,
        "An adjustable aluminium laptop stand that lifts the screen to eye level and folds flat "
        "for travel.",
        {"material": "aluminium alloy", "height": "adjustable, 6 levels",
         "fits": "laptops 10 to 17 inches, up to 8 kg", "weight": "0.3 kg"},
        "Fits all laptops from 10 to 17 inches.",
        ("Ferrow Loft Stand", "Storage bag"),
    ),
    Product(
        "Ferrow Clearview 4K Webcam", "Accessories", "Ferrow", "139.00", 10,
        "A 4K webcam with autofocus, HDR and a sliding privacy shutter. Dual microphones "
        "with noise reduction.",
        {"resolution": "4K at 30 fps, 1080p at 60 fps", "focus": "autofocus, 90-degree field of view",
         "audio": "dual noise-reducing microphones", "connectivity": "USB-C (USB-A adapter included)",
         "mount": "monitor clip and tripod thread"},
        "Plug and play with Zoom, Teams and Meet on macOS, Windows and ChromeOS.",
        ("Ferrow Clearview 4K Webcam", "USB-C cable", "USB-A adapter", "Privacy shutter"),
    ),
)

# (first, last, email domain); the demo customers are fixed at ids 7 and 12.
CUSTOMER_NAMES: tuple[tuple[str, str, str], ...] = (
    ("Olivia", "Bennett", "gmail.com"), ("Marcus", "Whitfield", "outlook.com"),
    ("Priya", "Raman", "gmail.com"), ("Daniel", "Okafor", "yahoo.com"),
    ("Hannah", "Lindqvist", "icloud.com"), ("Luis", "Moreno", "gmail.com"),
    ("Sarah", "Chen", "gmail.com"), ("Ethan", "Brooks", "proton.me"),
    ("Amara", "Nwosu", "outlook.com"), ("Kevin", "Tran", "gmail.com"),
    ("Rachel", "Goldberg", "yahoo.com"), ("Gregory", "Harris", "yahoo.com"),
    ("Mei", "Tanaka", "icloud.com"), ("Jordan", "Price", "gmail.com"),
    ("Fatima", "Haddad", "outlook.com"), ("Connor", "McAllister", "gmail.com"),
    ("Isabel", "Ferreira", "proton.me"), ("Tyrone", "Jackson", "yahoo.com"),
    ("Grace", "Kowalski", "gmail.com"), ("Samuel", "Adeyemi", "outlook.com"),
    ("Leah", "Abramson", "icloud.com"), ("Victor", "Castillo", "gmail.com"),
    ("Nina", "Petrova", "gmail.com"), ("Owen", "Gallagher", "yahoo.com"),
    ("Aisha", "Rahman", "outlook.com"), ("Brandon", "Kim", "gmail.com"),
    ("Chloe", "Dubois", "icloud.com"), ("Derek", "Hughes", "yahoo.com"),
    ("Elena", "Rossi", "gmail.com"), ("Felix", "Wagner", "proton.me"),
    ("Gabriela", "Santos", "gmail.com"), ("Henry", "Caldwell", "outlook.com"),
    ("Imani", "Walker", "gmail.com"), ("Jasper", "Lindgren", "icloud.com"),
    ("Keiko", "Yamamoto", "gmail.com"), ("Liam", "O'Connor", "yahoo.com"),
    ("Maya", "Patel", "gmail.com"), ("Noah", "Fischer", "outlook.com"),
    ("Ophelia", "Grant", "icloud.com"), ("Pedro", "Alvarez", "gmail.com"),
    ("Quinn", "Sullivan", "proton.me"), ("Rosa", "Delgado", "yahoo.com"),
    ("Stefan", "Novak", "gmail.com"), ("Tessa", "Morgan", "outlook.com"),
    ("Umar", "Siddiqui", "gmail.com"), ("Valerie", "Brennan", "icloud.com"),
    ("Wesley", "Chambers", "yahoo.com"), ("Ximena", "Ortega", "gmail.com"),
    ("Yusuf", "Demir", "outlook.com"), ("Zoe", "Fitzgerald", "gmail.com"),
)

CITIES: tuple[tuple[str, str, str], ...] = (
    ("Seattle", "WA", "981"), ("Portland", "OR", "972"), ("San Jose", "CA", "951"),
    ("Los Angeles", "CA", "900"), ("Denver", "CO", "802"), ("Austin", "TX", "787"),
    ("Chicago", "IL", "606"), ("Minneapolis", "MN", "554"), ("Atlanta", "GA", "303"),
    ("Raleigh", "NC", "276"), ("Boston", "MA", "021"), ("Brooklyn", "NY", "112"),
    ("Philadelphia", "PA", "191"), ("Phoenix", "AZ", "850"), ("Columbus", "OH", "432"),
    ("Madison", "WI", "537"), ("Nashville", "TN", "372"), ("Salt Lake City", "UT", "841"),
)
STREETS = ("Maple Ave", "Oak St", "Cedar Ln", "Pine St", "Elm St", "Lakeview Dr", "Park Blvd",
           "Hillcrest Rd", "Main St", "Willow Way", "River Rd", "Sunset Ave", "Harbor St", "Birch Ct")

# Scripted orders of the demo customers: (order number, customer id, order date, status, product ids).
SARAH, GREGORY = 7, 12
SCRIPTED_ORDERS: tuple[tuple[int, int, date, str, tuple[int, ...]], ...] = (
    (14, SARAH, date(2025, 8, 12), "Delivered", (16, 21)),
    (47, SARAH, date(2025, 10, 30), "Shipped", (6, 13)),  # "it's been weeks!": shipped Nov 1
    (118, SARAH, date(2025, 11, 17), "Processing", (17,)),
    (186, SARAH, date(2025, 6, 3), "Cancelled", (2,)),
    (30, GREGORY, date(2025, 11, 18), "Processing", (1, 23)),
    (95, GREGORY, date(2025, 7, 21), "Delivered", (11,)),
)
SCRIPTED_SHIPPING = {47: (date(2025, 11, 1), None)}
SKU_PREFIXES = {
    "Laptops": "LT", "Monitors": "MN", "Keyboards & Mice": "KM", "Audio": "AU", "Accessories": "AC",
}


def slugify(name: str) -> str:
    """File name of a product document: lower-case words joined by dashes."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def make_customers(rng: random.Random) -> tuple[list[dict[str, object]], dict[int, str]]:
    rows: list[dict[str, object]] = []
    addresses: dict[int, str] = {}
    for customer_id, (first, last, domain) in enumerate(CUSTOMER_NAMES, start=1):
        city, state, zip3 = rng.choice(CITIES)
        local = re.sub(r"[^a-z]", "", first.lower()) + "." + re.sub(r"[^a-z]", "", last.lower())
        joined = date(2022, 1, 3) + timedelta(days=rng.randrange(0, 1270))
        phone = f"555-{rng.randrange(100, 1000):03d}-{rng.randrange(0, 10000):04d}"
        rows.append({
            "customer_id": customer_id, "first_name": first, "last_name": last,
            "email": f"{local}@{domain}", "phone": phone,
            "city": city, "state": state, "joined_date": joined.isoformat(),
        })
        addresses[customer_id] = (f"{rng.randrange(10, 9900)} {rng.choice(STREETS)}, {city}, {state} "
                                  f"{zip3}{rng.randrange(0, 100):02d}")
    return rows, addresses


def random_order_date(rng: random.Random) -> date:
    """Skewed towards recent weeks so every status has enough orders."""
    roll = rng.random()
    if roll < 0.08:
        return TODAY - timedelta(days=rng.randrange(1, 8))
    if roll < 0.2:
        return TODAY - timedelta(days=rng.randrange(8, 31))
    return FIRST_ORDER_DATE + timedelta(days=rng.randrange(0, (TODAY - FIRST_ORDER_DATE).days - 30))


def random_status(rng: random.Random, order_date: date) -> str:
    age = (TODAY - order_date).days
    if rng.random() < 0.06:
        return "Cancelled"
    if age <= 3:
        return "Processing"
    if age <= 7:
        return rng.choice(("Processing", "Shipped"))
    if age <= 14:
        return rng.choice(("Shipped", "Shipped", "Delivered"))
    return "Delivered"


def shipping_dates(rng: random.Random, order_date: date, status: str) -> tuple[date | None, date | None]:
    if status in ("Processing", "Cancelled"):
        return None, None
    latest = TODAY - timedelta(days=1)
    shipped = min(order_date + timedelta(days=rng.randrange(1, 4)), latest)
    if status == "Shipped":
        return shipped, None
    delivered = shipped + timedelta(days=rng.randrange(2, 7))
    if delivered > latest:  # too recent to be delivered with that transit time: still in transit
        return shipped, None
    return shipped, delivered


def make_orders(
    rng: random.Random, addresses: dict[int, str]
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    scripted = {number: rest for number, *rest in SCRIPTED_ORDERS}
    demo_customers = {SARAH, GREGORY}
    other_customers = [c for c in addresses if c not in demo_customers]
    orders: list[dict[str, object]] = []
    items: list[dict[str, object]] = []
    for number in range(1, N_ORDERS + 1):
        if number in scripted:
            customer_id, order_date, status, product_ids = scripted[number]
            shipped, delivered = SCRIPTED_SHIPPING.get(number) or shipping_dates(rng, order_date, status)
            lines = [(pid, 1) for pid in product_ids]
        else:
            customer_id = rng.choice(other_customers)
            order_date = random_order_date(rng)
            status = random_status(rng, order_date)
            shipped, delivered = shipping_dates(rng, order_date, status)
            if status == "Delivered" and delivered is None:
                status = "Shipped"
            n_lines = rng.choices((1, 2, 3, 4), weights=(45, 30, 17, 8))[0]
            product_ids = rng.sample(range(1, len(PRODUCTS) + 1), n_lines)
            lines = [(pid, rng.choices((1, 2, 3), weights=(80, 15, 5))[0]) for pid in product_ids]
        order_id = f"ORD-2025-{number:04d}"
        total = Decimal("0")
        for product_id, quantity in lines:
            price = Decimal(PRODUCTS[product_id - 1].price)
            total += price * quantity
            items.append({"order_item_id": len(items) + 1, "order_id": order_id, "product_id": product_id,
                          "quantity": quantity, "unit_price": f"{price:.2f}"})
        orders.append({
            "order_id": order_id, "customer_id": customer_id, "order_date": order_date.isoformat(),
            "status": status, "shipped_date": shipped.isoformat() if shipped else "",
            "delivered_date": delivered.isoformat() if delivered else "",
            "shipping_address": addresses[customer_id], "total_amount": f"{total:.2f}",
        })
    return orders, items


def product_rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for product_id, p in enumerate(PRODUCTS, start=1):
        prefix = SKU_PREFIXES[p.category]
        rows.append({
            "product_id": product_id, "sku": f"TH-{prefix}-{product_id:03d}", "name": p.name,
            "category": p.category, "brand": p.brand, "price": p.price, "stock": p.stock,
            "description": p.description, "specs": json.dumps(p.specs, ensure_ascii=False),
        })
    return rows


def product_document(product_id: int, p: Product) -> str:
    """A product page in prose and bullet lists, the text the docs agent retrieves."""
    specs = "\n".join(
        f"- **{key.replace('_', ' ').capitalize()}**: {value}" for key, value in p.specs.items()
    )
    box = "\n".join(f"- {thing}" for thing in p.box)
    availability = (f"In stock ({p.stock} units)." if p.stock > 0
                    else "Currently out of stock. New stock is expected; check back soon.")
    return (
        f"# {p.name}\n\n"
        f"{p.description}\n\n"
        f"- **Product ID**: {product_id}\n- **Category**: {p.category}\n- **Brand**: {p.brand}\n"
        f"- **Price**: ${p.price}\n- **Availability**: {availability}\n\n"
        f"## Specifications\n\n{specs}\n\n"
        f"## Compatibility\n\n{p.compatibility}\n\n"
        f"## What's in the box\n\n{box}\n"
    )


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def generate(data_dir: Path) -> None:
    """Write the four CSVs and the product documents into ``data_dir``."""
    rng = random.Random(SEED)
    customers, addresses = make_customers(rng)
    orders, items = make_orders(rng, addresses)
    data_dir.mkdir(parents=True, exist_ok=True)
    write_csv(data_dir / "customers.csv", customers)
    write_csv(data_dir / "products.csv", product_rows())
    write_csv(data_dir / "orders.csv", orders)
    write_csv(data_dir / "order_items.csv", items)
    docs = data_dir / "documents" / "products"
    docs.mkdir(parents=True, exist_ok=True)
    for product_id, product in enumerate(PRODUCTS, start=1):
        text = product_document(product_id, product)
        (docs / f"{slugify(product.name)}.md").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[1] / "data")
    args = parser.parse_args()
    generate(args.data_dir)
    print(f"wrote TechHub data to {args.data_dir}")


if __name__ == "__main__":
    main()
