"""Static data the demo orders are drawn from: products, people and places per country."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    usd: int  # minor units; EUR and JPY prices are derived in `price_in`


PRODUCTS: tuple[Product, ...] = (
    Product("MB01-BLK", "Joust Duffle Bag", 3400),
    Product("MB02-GRY", "Strive Shoulder Pack", 3200),
    Product("MB03-BLU", "Crown Summit Backpack", 3800),
    Product("MB04-BLK", "Wayfarer Messenger Bag", 4500),
    Product("MH01-M-OR", "Chaz Kangeroo Hoodie", 5200),
    Product("MH02-L-BK", "Teton Pullover Hoodie", 7000),
    Product("MJ01-M-RD", "Beaumont Summit Kit", 4200),
    Product("MJ02-L-GN", "Hyperion Elements Jacket", 5100),
    Product("MP01-32-BK", "Caesar Warm-Up Pant", 3500),
    Product("MS01-M-WH", "Aero Daily Fitness Tee", 1800),
    Product("MS02-L-BL", "Logan HeatTec Tee", 2400),
    Product("WB01-S-PR", "Bella Tank", 2900),
    Product("WH01-M-RD", "Mona Pullover Hoodlie", 5700),
    Product("WJ01-S-BL", "Stellar Solar Jacket", 7500),
    Product("WP01-28-BK", "Karmen Yoga Pant", 3900),
    Product("WS01-M-GR", "Gabrielle Micro Sleeve Top", 2800),
    Product("WSH01-29-OR", "Fiona Fitness Short", 2900),
    Product("24-MB01", "Fusion Backpack", 5900),
    Product("24-UG01", "Quest Lumaflex Band", 1900),
    Product("24-UG02", "Pursuit Lumaflex Tone Band", 1600),
    Product("24-UG03", "Harmony Lumaflex Strength Band Kit", 2200),
    Product("24-UG04", "Zing Jump Rope", 1200),
    Product("24-UG05", "Go-Get'r Pushup Grips", 1900),
    Product("24-UG06", "Affirm Water Bottle", 700),
    Product("24-WG01", "Bolo Sport Watch", 4900),
    Product("24-WG02", "Didi Sport Watch", 9200),
    Product("24-WG080", "Sprite Foam Yoga Brick", 500),
    Product("24-WG085", "Sprite Yoga Strap 6 foot", 1400),
    Product("24-WG088", "Sprite Foam Roller", 1900),
    Product("SP1", "Simple product 1", 5600),
)


def price_in(product: Product, currency: str) -> int:
    """A plausible local price: EUR ends in .90, JPY is rounded to 10 yen."""
    if currency == "EUR":
        return (product.usd * 92 // 100) // 100 * 100 + 90
    if currency == "JPY":
        return (product.usd * 3 // 2 + 5) // 10 * 10
    return product.usd


@dataclass(frozen=True)
class Place:
    city: str
    region: str
    postcode: str


@dataclass(frozen=True)
class Country:
    code: str
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    streets: tuple[str, ...]
    places: tuple[Place, ...]
    phone_prefix: str
    house_first: bool  # "12 Main St" vs "Hauptstraße 12"


US = Country(
    "US",
    ("Ann", "James", "Olivia", "Michael", "Emma", "David", "Sophia", "Daniel", "Ava", "Ethan"),
    ("Lee", "Smith", "Johnson", "Garcia", "Miller", "Davis", "Martinez", "Clark", "Lewis"),
    ("Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Park Pl", "Elm St", "Washington Blvd"),
    (
        Place("Springfield", "IL", "62701"),
        Place("Brooklyn", "NY", "11201"),
        Place("Austin", "TX", "78701"),
        Place("Portland", "OR", "97205"),
        Place("Boston", "MA", "02108"),
        Place("Denver", "CO", "80202"),
    ),
    "+1 555 01",
    True,
)
GERMANY = Country(
    "DE",
    ("Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Paul", "Laura"),
    ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker"),
    ("Hauptstraße", "Lindenallee", "Gartenweg", "Schillerstraße", "Bahnhofstraße"),
    (
        Place("Berlin", "", "10115"),
        Place("München", "Bayern", "80331"),
        Place("Hamburg", "", "20095"),
        Place("Köln", "Nordrhein-Westfalen", "50667"),
    ),
    "+49 30 9012",
    False,
)
FRANCE = Country(
    "FR",
    ("Camille", "Louis", "Chloé", "Hugo", "Léa", "Jules"),
    ("Martin", "Bernard", "Dubois", "Laurent", "Lefèvre", "Moreau"),
    ("rue de la Paix", "avenue Victor Hugo", "boulevard Voltaire", "rue du Bac"),
    (Place("Paris", "", "75002"), Place("Lyon", "", "69002"), Place("Nantes", "", "44000")),
    "+33 1 4020",
    True,
)
NETHERLANDS = Country(
    "NL",
    ("Daan", "Sanne", "Bram", "Femke", "Lars", "Noor"),
    ("de Jong", "Jansen", "de Vries", "Bakker", "Visser", "Smit"),
    ("Keizersgracht", "Prinsengracht", "Damrak", "Oudegracht"),
    (Place("Amsterdam", "", "1015 CJ"), Place("Utrecht", "", "3511 AB")),
    "+31 20 5550",
    False,
)
JAPAN = Country(
    "JP",
    ("Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi", "Yuto", "Sakura"),
    ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto"),
    ("1-2-3 Jingumae", "4-5-6 Nishi-Shinjuku", "2-8-1 Umeda", "3-1-1 Sakae"),
    (
        Place("Shibuya-ku", "Tokyo", "150-0001"),
        Place("Shinjuku-ku", "Tokyo", "160-0023"),
        Place("Kita-ku", "Osaka", "530-0001"),
        Place("Naka-ku", "Aichi", "460-0008"),
    ),
    "+81 3 5550",
    True,
)

STORE_COUNTRIES: dict[str, tuple[Country, ...]] = {
    "us": (US,),
    "eu": (GERMANY, GERMANY, FRANCE, NETHERLANDS),
    "jp": (JAPAN,),
}
# Tax rate per store in basis points (item tax is a row total in the import format).
TAX_BPS: dict[str, int] = {"us": 888, "eu": 1900, "jp": 1000}
SHIPPING_METHODS: dict[str, tuple[tuple[str, int], ...]] = {
    "us": (("Flat rate", 1000), ("UPS Ground", 1250), ("FedEx 2Day", 2400), ("Free shipping", 0)),
    "eu": (("DHL Paket", 490), ("DHL Express", 1490), ("Click & Collect", 0)),
    "jp": (("Yamato Transport", 800), ("Japan Post", 500)),
}
CARD_BRANDS: dict[str, tuple[str, ...]] = {
    "us": ("visa", "visa", "mastercard", "amex", "discover"),
    "eu": ("visa", "mastercard", "mastercard", "cartes_bancaires"),
    "jp": ("jcb", "jcb", "visa", "mastercard"),
}
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

STAFF_NOTES: tuple[str, ...] = (
    "Customer called to confirm the delivery address.",
    "Gift wrap requested; packed with a printed gift note.",
    "Customer asked for delivery after 5 pm. Passed on to the warehouse.",
    "Fraud screening: billing and shipping match, phone verified. OK to ship.",
    "Customer asked whether the items can ship in two parcels. Told them no.",
    "Address corrected after a call with the customer (apartment number added).",
)
HOLD_REASONS: tuple[str, ...] = (
    "Order put on hold: the customer wants to change the shipping address.",
    "Order put on hold: waiting for stock of one item.",
)
