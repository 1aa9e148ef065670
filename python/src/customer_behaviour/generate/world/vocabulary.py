"""The values the world is drawn from, and how often each one is drawn.

The world holds codes (indices into these tuples); the names are only written out by
``formats``. The planted effect sizes that belong to one part of the simulation sit with
that part (``visitors``, ``orders``, ``products``).
"""

from __future__ import annotations

import numpy as np

COUNTRIES = ("NL", "DE", "GB", "FR", "BE", "US", "ES", "IT")
COUNTRY_WEIGHTS = np.array([0.22, 0.20, 0.14, 0.12, 0.08, 0.12, 0.07, 0.05])
COUNTRY_LOGIT = np.array([0.35, 0.25, 0.10, -0.10, 0.15, 0.0, -0.40, -0.55])

DEVICES = ("desktop", "mobile", "tablet")
DEVICE_WEIGHTS = np.array([0.45, 0.45, 0.10])
DEVICE_CHECKOUT_TO_PURCHASE = np.array([0.88, 0.44, 0.70])  # times a logistic term <= 1

TRAFFIC_SOURCES = ("direct", "organic", "paid", "email", "social", "referral")
SOURCE_WEIGHTS = np.array([0.22, 0.30, 0.18, 0.10, 0.12, 0.08])
SOURCE_LOGIT = np.array([0.20, 0.0, -0.10, 0.50, -0.45, 0.10])

EVENT_TYPES = (
    "page_view",
    "add_to_cart",
    "checkout",
    "purchase",
    "search",
    "wishlist_add",
    "review_read",
)
PAGE_VIEW, ADD_TO_CART, CHECKOUT, PURCHASE, SEARCH, WISHLIST_ADD, REVIEW_READ = range(7)
PRODUCT_EVENT_TYPES = (ADD_TO_CART, WISHLIST_ADD, REVIEW_READ)

PAGES = ("home", "category", "product", "search", "cart", "checkout", "account", "help")
PRODUCT_PAGE = PAGES.index("product")

CATEGORIES = ("electronics", "home", "fashion", "beauty", "sports", "toys", "books", "garden")
CATEGORY_WEIGHTS_BY_TIER = np.array(
    [
        [0.06, 0.12, 0.14, 0.18, 0.10, 0.14, 0.18, 0.08],  # cheap tier
        [0.30, 0.20, 0.14, 0.04, 0.16, 0.04, 0.02, 0.10],  # expensive tier
    ]
)
CATEGORY_NOUNS = {
    "electronics": ("Headphones", "Speaker", "Charger", "Monitor", "Keyboard", "Camera"),
    "home": ("Lamp", "Cushion", "Kettle", "Rug", "Vase", "Blender"),
    "fashion": ("Jacket", "Scarf", "Sneakers", "Belt", "Backpack", "Hat"),
    "beauty": ("Serum", "Lipstick", "Shampoo", "Perfume", "Face Mask", "Lotion"),
    "sports": ("Yoga Mat", "Dumbbell", "Bike Light", "Running Shirt", "Tent", "Racket"),
    "toys": ("Puzzle", "Robot", "Board Game", "Plush Bear", "Kite", "Train Set"),
    "books": ("Novel", "Cookbook", "Atlas", "Notebook", "Comic", "Guide"),
    "garden": ("Planter", "Hose", "Pruner", "Bird Feeder", "Lantern", "Seed Kit"),
}
ADJECTIVES = (
    "Classic",
    "Compact",
    "Deluxe",
    "Eco",
    "Essential",
    "Smart",
    "Vintage",
    "Urban",
    "Nordic",
    "Premium",
    "Mini",
    "Pro",
    "Soft",
    "Bold",
    "Travel",
    "Everyday",
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")
EMAIL_CASE_WEIGHTS = np.array([0.88, 0.09, 0.03])  # lower, capitalised, upper

# A purchase style is also the price tier its buyers browse: code 0 is cheap, 1 expensive.
STYLES = ("cheap_many", "expensive_few")
CHEAP, EXPENSIVE = 0, 1

# Filler event types between the funnel steps, per phase of the session:
# 0 = before the first add_to_cart, 1 = after it, 2 = after checkout.
FILLER_TYPE_PROBS = np.array(
    [
        # page_view, add_to_cart, checkout, purchase, search, wishlist_add, review_read
        [0.70, 0.00, 0.0, 0.0, 0.14, 0.06, 0.10],
        [0.55, 0.20, 0.0, 0.0, 0.10, 0.05, 0.10],
        [0.75, 0.00, 0.0, 0.0, 0.08, 0.07, 0.10],
    ]
)
# Page of a page_view: first event of the session, then per phase as above.
FIRST_PAGE_PROBS = np.array([0.45, 0.25, 0.20, 0.10, 0.0, 0.0, 0.0, 0.0])
PAGE_PROBS = np.array(
    [
        # home, category, product, search, cart, checkout, account, help
        [0.10, 0.30, 0.40, 0.12, 0.00, 0.00, 0.05, 0.03],
        [0.05, 0.20, 0.40, 0.05, 0.20, 0.00, 0.05, 0.05],
        [0.05, 0.05, 0.25, 0.00, 0.25, 0.30, 0.05, 0.05],
    ]
)
HOUR_WEIGHTS = np.array(
    [1.0, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.2, 2.6, 2.8, 3.0]
    + [3.2, 3.0, 2.8, 2.7, 2.8, 3.0, 3.4, 3.8, 4.0, 3.6, 2.6, 1.6]
)

PLAIN_TIMESTAMP_SHARE = 0.05  # timestamps written without a zone (UTC by the contract)
