"""The demo portfolio's fixed tables. Companies and people are invented; any likeness is chance."""

from typing import NamedTuple

from kam.roles import Role


class DemoUser(NamedTuple):
    username: str
    first_name: str
    last_name: str
    role: Role


class DemoAccount(NamedTuple):
    name: str
    segment: str
    tier: str
    owner: str | None = None  # None: the builder picks an account manager


class SegmentText(NamedTuple):
    description: str
    market: str
    trends: tuple[str, ...]
    rivals: tuple[str, ...]  # the customers' competitors that are not accounts of ours
    strategies: dict[int, tuple[str, ...]]  # months ahead -> plausible plans


AM, EXEC = Role.ACCOUNT_MANAGER, Role.EXECUTIVE

USERS: tuple[DemoUser, ...] = (
    DemoUser("alice", "Alice", "Morgan", AM),
    DemoUser("bob", "Bob", "Fischer", AM),
    DemoUser("carol", "Carol", "Bennett", EXEC),
    DemoUser("dave", "Dave", "Okafor", Role.COMPLIANCE_OFFICER),
    DemoUser("admin", "Sam", "Reyes", Role.ADMINISTRATOR),
    DemoUser("erin", "Erin", "Walsh", AM),
    DemoUser("farid", "Farid", "Haddad", AM),
    DemoUser("grace", "Grace", "Lindqvist", AM),
    DemoUser("henry", "Henry", "Castillo", AM),
    DemoUser("isabel", "Isabel", "Moreau", AM),
    DemoUser("james", "James", "Whitaker", EXEC),
    DemoUser("kiran", "Kiran", "Patel", EXEC),
)
# Seeded on no team and never waived from two-step sign-in (DEMO_OTP_WAIVER): the persona who shows
# enrolment at her first sign-in.
NEWCOMERS: tuple[DemoUser, ...] = (DemoUser("nina", "Nina", "Sato", EXEC),)
# The seeded personas the development-only DEMO_OTP_WAIVER lets sign in with a password alone.
OTP_WAIVED = frozenset(spec.username for spec in USERS)

# The two rival account managers: never on the same team, so the wall has a story to tell.
RIVALS = frozenset({"alice", "bob"})
ALICE_ACCOUNT, BOB_ACCOUNT, CAROL = "Northwind Retail", "Contoso Stores", "carol"

ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("Northwind Retail", "Retail", "key", "alice"),
    DemoAccount("Contoso Stores", "Retail", "key", "bob"),
    DemoAccount("Harbor Lane Outfitters", "Retail", "strategic"),
    DemoAccount("Maple & Finch Grocers", "Retail", "strategic"),
    DemoAccount("Brightmart Discount", "Retail", "standard"),
    DemoAccount("Cobalt Home Living", "Retail", "standard"),
    DemoAccount("Sable Street Fashion", "Retail", "standard"),
    DemoAccount("Greenbasket Co-op", "Retail", "standard"),
    DemoAccount("Ridgeline Motors", "Automotive", "key"),
    DemoAccount("Voltara EV", "Automotive", "key"),
    DemoAccount("Kestrel Components", "Automotive", "strategic"),
    DemoAccount("Silverpeak Mobility", "Automotive", "strategic"),
    DemoAccount("Ironbridge Axle Works", "Automotive", "standard"),
    DemoAccount("Drayton Autoparts", "Automotive", "standard"),
    DemoAccount("Meridian Health Partners", "Healthcare", "key"),
    DemoAccount("Asterion Pharma", "Healthcare", "key"),
    DemoAccount("Caldera Medical Devices", "Healthcare", "strategic"),
    DemoAccount("Lumen Diagnostics", "Healthcare", "strategic"),
    DemoAccount("Bluecrest Clinics", "Healthcare", "standard"),
    DemoAccount("Pinegrove Care Homes", "Healthcare", "standard"),
    DemoAccount("Halcyon Biologics", "Healthcare", "standard"),
    DemoAccount("Northsea Gridco", "Energy", "key"),
    DemoAccount("Solvane Renewables", "Energy", "strategic"),
    DemoAccount("Terrawatt Power", "Energy", "strategic"),
    DemoAccount("Emberline Gas & Power", "Energy", "standard"),
    DemoAccount("Helios Storage Systems", "Energy", "standard"),
    DemoAccount("Clearwater Utilities", "Energy", "standard"),
    DemoAccount("Granite Trust Bank", "Financial services", "key"),
    DemoAccount("Fairhaven Insurance", "Financial services", "key"),
    DemoAccount("Quillon Capital", "Financial services", "strategic"),
    DemoAccount("Oakmere Payments", "Financial services", "strategic"),
    DemoAccount("Beacon Mutual", "Financial services", "standard"),
    DemoAccount("Stirling & Vance Wealth", "Financial services", "standard"),
    DemoAccount("Ledgerline Credit Union", "Financial services", "standard"),
    DemoAccount("Swiftway Freight", "Logistics", "key"),
    DemoAccount("Portside Container Lines", "Logistics", "strategic"),
    DemoAccount("Atlas Cold Chain", "Logistics", "strategic"),
    DemoAccount("Crossdock Express", "Logistics", "standard"),
    DemoAccount("Lakeshore Parcel", "Logistics", "standard"),
    DemoAccount("Blueroute Forwarding", "Logistics", "standard"),
)

# (account, competitor, segment they compete in). Chains, not cliques: Northwind-Contoso and
# Contoso-Brightmart, but not Northwind-Brightmart. Two edges cross segments.
COMPETITORS: tuple[tuple[str, str, str], ...] = (
    ("Northwind Retail", "Contoso Stores", "Retail"),
    ("Contoso Stores", "Brightmart Discount", "Retail"),
    ("Northwind Retail", "Maple & Finch Grocers", "Retail"),
    ("Maple & Finch Grocers", "Greenbasket Co-op", "Retail"),
    ("Brightmart Discount", "Greenbasket Co-op", "Retail"),
    ("Harbor Lane Outfitters", "Sable Street Fashion", "Retail"),
    ("Cobalt Home Living", "Harbor Lane Outfitters", "Retail"),
    ("Ridgeline Motors", "Voltara EV", "Automotive"),
    ("Voltara EV", "Silverpeak Mobility", "Automotive"),
    ("Kestrel Components", "Ironbridge Axle Works", "Automotive"),
    ("Ironbridge Axle Works", "Drayton Autoparts", "Automotive"),
    ("Meridian Health Partners", "Bluecrest Clinics", "Healthcare"),
    ("Bluecrest Clinics", "Pinegrove Care Homes", "Healthcare"),
    ("Asterion Pharma", "Halcyon Biologics", "Healthcare"),
    ("Caldera Medical Devices", "Lumen Diagnostics", "Healthcare"),
    ("Northsea Gridco", "Clearwater Utilities", "Energy"),
    ("Emberline Gas & Power", "Northsea Gridco", "Energy"),
    ("Terrawatt Power", "Emberline Gas & Power", "Energy"),
    ("Solvane Renewables", "Helios Storage Systems", "Energy"),
    ("Granite Trust Bank", "Beacon Mutual", "Financial services"),
    ("Beacon Mutual", "Ledgerline Credit Union", "Financial services"),
    ("Oakmere Payments", "Granite Trust Bank", "Financial services"),
    ("Quillon Capital", "Stirling & Vance Wealth", "Financial services"),
    ("Swiftway Freight", "Crossdock Express", "Logistics"),
    ("Crossdock Express", "Lakeshore Parcel", "Logistics"),
    ("Atlas Cold Chain", "Swiftway Freight", "Logistics"),
    ("Portside Container Lines", "Blueroute Forwarding", "Logistics"),
    ("Voltara EV", "Helios Storage Systems", "Energy"),
    ("Silverpeak Mobility", "Lakeshore Parcel", "Logistics"),
)

LINK_NOTES: dict[str, str] = {
    "Retail": "Same shoppers, overlapping store footprint",
    "Automotive": "Bid for the same OEM programmes",
    "Healthcare": "Compete for the same provider contracts",
    "Energy": "Same regional customer base and tenders",
    "Financial services": "Same customer segments and product shelf",
    "Logistics": "Same lanes and shipper accounts",
}

SEGMENTS: dict[str, SegmentText] = {
    "Retail": SegmentText(
        description="Grocery, general merchandise and speciality retail.",
        market="North American grocery and general merchandise",
        trends=(
            "losing share to discounters in the suburbs",
            "growing online orders faster than stores",
            "margins squeezed by wage and freight costs",
            "loyalty programme is its strongest asset",
        ),
        rivals=("Freshway Markets", "Dollarwise", "Shopfast Online", "Urban Pantry", "Homestead Mart"),
        strategies={
            3: ("Cut out-of-stocks before the holiday peak", "Renegotiate freight contracts for Q4"),
            6: ("Self-checkout in the top 100 stores", "Relaunch the loyalty app with personal offers"),
            12: ("Open two automated fulfilment centres", "Grow private label to a third of sales"),
            18: ("Unify store and online inventory in one platform", "Enter the Canadian market"),
        },
    ),
    "Automotive": SegmentText(
        description="Vehicle makers, suppliers and mobility services.",
        market="the European and North American vehicle market",
        trends=(
            "behind on electric platforms but strong in trucks",
            "winning EV share on price",
            "exposed to one large OEM programme",
            "investing heavily in software-defined vehicles",
        ),
        rivals=("Tavora Automotive", "Nordwerk AG", "Pacifica Motors", "Gearline Systems"),
        strategies={
            3: ("Secure battery cell supply for next year", "Close the quality gap on the new platform"),
            6: ("Launch the mid-size EV in two markets", "Consolidate the supplier base by a fifth"),
            12: ("Move 30% of models onto the new EV platform", "Build a software team of 400 engineers"),
            18: ("Break even on the EV business", "Offer subscription features across the range"),
        },
    ),
    "Healthcare": SegmentText(
        description="Providers, pharma, diagnostics and medical devices.",
        market="US hospital and specialty care",
        trends=(
            "strong clinical reputation, weak on cost control",
            "pipeline depends on two late-stage trials",
            "growing through acquisition of regional practices",
            "under pressure from payers on reimbursement",
        ),
        rivals=("Valemont Health", "Cresta Labs", "Unity Care Network", "Oriel Therapeutics"),
        strategies={
            3: ("Pass the FDA inspection of the new line", "Fill the nursing vacancies before winter"),
            6: ("Roll out the patient portal to all clinics", "File for approval of the lead compound"),
            12: ("Integrate the three acquired practices", "Move lab data to one cloud platform"),
            18: ("Shift a quarter of care to outpatient and home", "Launch in two European markets"),
        },
    ),
    "Energy": SegmentText(
        description="Utilities, generation, grids and storage.",
        market="regional power and gas supply",
        trends=(
            "regulated returns, slow to change",
            "racing to replace coal with renewables",
            "grid congestion limits new connections",
            "retail arm losing customers to challengers",
        ),
        rivals=("Greenfield Energy", "Stormfront Power", "Atlantic Grid Partners", "Kinetix Renewables"),
        strategies={
            3: ("Hedge winter gas exposure", "Clear the backlog of grid connection requests"),
            6: ("Pilot dynamic tariffs with 50,000 homes", "Sign two offshore wind power purchase deals"),
            12: ("Commission 400 MW of battery storage", "Replace the billing system"),
            18: ("Close the last coal unit", "Reach net-zero operations for own sites"),
        },
    ),
    "Financial services": SegmentText(
        description="Banks, insurers, payments and wealth management.",
        market="retail and commercial banking and insurance",
        trends=(
            "trusted brand, ageing core systems",
            "fast-growing fintech with thin margins",
            "strong in mortgages, weak with younger customers",
            "regulator watching its complaints handling",
        ),
        rivals=("Crownfield Bank", "Paylo", "Everstone Insurance", "Harbourline Capital"),
        strategies={
            3: ("Fix the remediation findings from the audit", "Cut card fraud losses"),
            6: ("Launch the new mobile onboarding", "Reprice the savings book"),
            12: ("Migrate the core ledger to the cloud", "Automate half of claims handling"),
            18: ("Merge the two insurance brands", "Open banking APIs for business customers"),
        },
    ),
    "Logistics": SegmentText(
        description="Freight, parcel, shipping and warehousing.",
        market="North American freight and parcel delivery",
        trends=(
            "dense network, ageing fleet",
            "cold chain specialist with premium prices",
            "volumes down with e-commerce normalising",
            "winning share on real-time tracking",
        ),
        rivals=("Trans-Meridian Freight", "Parcelpoint", "BlueWave Shipping", "Northstar 3PL"),
        strategies={
            3: ("Protect peak-season capacity", "Cut empty miles on the top 20 lanes"),
            6: ("Roll out route optimisation to all depots", "Renegotiate fuel surcharges"),
            12: ("Electrify the urban delivery fleet", "Open a cross-dock hub in the south-east"),
            18: ("Offer end-to-end visibility to every shipper", "Double cold chain warehouse space"),
        },
    ),
}

# Segment-neutral plans a customer might have at any horizon, mixed in with the segment's own.
COMMON_STRATEGIES: dict[int, tuple[str, ...]] = {
    3: ("Freeze discretionary spend until the quarter closes", "Finish the vendor review"),
    6: ("Hire a new CIO and reset the IT roadmap", "Run a cost programme worth 5% of opex"),
    12: ("Consolidate data into one analytics platform", "Sell the non-core division"),
    18: ("Prepare for an IPO or a sale", "Double revenue outside the home market"),
}

RANKS = (
    "Market leader in",
    "Solid number two in",
    "Fast-growing challenger in",
    "Regional specialist in",
    "Mid-sized incumbent in",
    "Premium niche player in",
)

FORCES: dict[str, tuple[tuple[str, str], ...]] = {  # kind -> (impact, description)
    "technology": (
        ("mixed", "AI forecasting is changing how they plan capacity and buy."),
        ("threat", "Digital-first entrants are undercutting their core offer."),
        ("opportunity", "Automation could take a fifth out of operating cost."),
    ),
    "consolidation": (
        ("threat", "A rumoured merger of two rivals would create a bigger competitor."),
        ("opportunity", "They are looking for small acquisitions to fill product gaps."),
        ("mixed", "Supplier consolidation gives them leverage but fewer alternatives."),
    ),
    "investors": (
        ("threat", "An activist shareholder is pushing for cost cuts and asset sales."),
        ("mixed", "Private-equity owners expect an exit within three years."),
    ),
    "regulation": (
        ("threat", "New reporting rules add cost and slow down launches."),
        ("opportunity", "Stricter standards favour players who already comply."),
    ),
    "globalization": (
        ("mixed", "Nearshoring moves part of their supply chain closer to home."),
        ("opportunity", "Expansion abroad needs partners with local presence."),
    ),
    "customers": (
        ("threat", "Customers expect same-day service and real-time updates."),
        ("opportunity", "Demand for sustainable options lets them charge a premium."),
    ),
}

RELATIONSHIP_WORDS: dict[str, tuple[str, ...]] = {  # orientation -> plausible words
    "partnership": ("Partner", "Trusted", "Advisor", "Friendly"),
    "balanced": ("Vendor", "Friendly", "Cautious", "Trusted"),
    "price_only": ("Transactional", "Vendor", "Strained", "Cautious"),
}

FIRST_NAMES = (
    "Amara", "Ben", "Chloe", "Daniel", "Elena", "Felix", "Hannah", "Hiro", "Ines", "Jonas",
    "Laura", "Marcus", "Nadia", "Omar", "Priya", "Rafael", "Sofia", "Tomas", "Wei", "Yara",
)  # fmt: skip
LAST_NAMES = (
    "Adeyemi", "Berg", "Chen", "Duarte", "Eriksen", "Fontaine", "Gallo", "Hughes", "Ito", "Kowalski",
    "Larsen", "Mendez", "Nakamura", "Osei", "Petrov", "Quinn", "Rossi", "Schmidt", "Tan", "Varga",
)  # fmt: skip

C_LEVEL = (
    "Chief Executive Officer",
    "Chief Operating Officer",
    "Chief Financial Officer",
    "Chief Information Officer",
    "Chief Procurement Officer",
)
VP_TITLES = (
    "VP Operations",
    "VP Procurement",
    "Head of IT",
    "Director of Finance",
    "VP Supply Chain",
    "Head of Digital",
    "VP Strategy",
)
MANAGER_TITLES = (
    "Procurement Manager",
    "IT Programme Manager",
    "Category Manager",
    "Finance Controller",
    "Operations Manager",
    "Data Platform Lead",
    "Vendor Manager",
    "Security Architect",
)
STAKEHOLDER_NOTES = (
    "Prefers data over slides; send numbers ahead of meetings.",
    "Joined from a competitor last year; still forming views.",
    "Sceptical since the delayed rollout; needs quick wins.",
    "Our strongest internal advocate; keep informed early.",
    "Controls the budget for the renewal.",
    "Busy; short agendas and one clear ask.",
)
