"""The demo account plans' fixed texts (see plans.py): goals, objectives, actions, SWOT, whitespace."""

from typing import NamedTuple


class SegmentPlan(NamedTuple):
    customer_goals: tuple[str, ...]
    our_goals: tuple[str, ...]
    objectives: tuple[tuple[str, str], ...]  # (title, measure)
    units: tuple[str, ...]  # the customer's business units, columns of the whitespace grid
    initiative: tuple[str, str]  # (name, description)


SEGMENT_PLANS: dict[str, SegmentPlan] = {
    "Retail": SegmentPlan(
        customer_goals=(
            "Grow online sales to a quarter of revenue while keeping store margins; cut out-of-stocks.",
            "Win back suburban shoppers from discounters with loyalty offers and better availability.",
        ),
        our_goals=(
            "Become their platform for store and online inventory; expand from stores into e-commerce.",
            "Renew the stores contract for three years and land the loyalty analytics pilot.",
        ),
        objectives=(
            ("Expand into the e-commerce unit", "Signed statement of work with e-commerce by Q3"),
            ("Cut out-of-stocks in pilot stores", "Out-of-stocks down 20% in the 30 pilot stores"),
        ),
        units=("Stores", "E-commerce", "Supply chain", "Merchandising"),
        initiative=(
            "Shared demand-forecasting model",
            "Co-develop a forecasting model on their loyalty data and our platform; pilot in 30 stores.",
        ),
    ),
    "Automotive": SegmentPlan(
        customer_goals=(
            "Launch the mid-size EV on time and bring battery costs down by a tenth.",
            "Move a third of models to the new EV platform and build an in-house software team.",
        ),
        our_goals=(
            "Be the preferred partner for the EV platform's test and quality data.",
            "Grow from the truck plant into the EV programme; protect the quality contract.",
        ),
        objectives=(
            ("Get onto the EV platform programme", "Named supplier on the EV programme's vendor list"),
            ("Close the quality gap on the new line", "Warranty claims on the new line below 1.5%"),
        ),
        units=("Powertrain", "EV programme", "Manufacturing", "Aftersales"),
        initiative=(
            "Battery test data lake",
            "Joint data lake for battery test results, shared between their labs and our analytics team.",
        ),
    ),
    "Healthcare": SegmentPlan(
        customer_goals=(
            "Integrate the acquired practices and move a quarter of care to outpatient settings.",
            "Pass the inspection of the new line and file the lead compound for approval.",
        ),
        our_goals=(
            "Standardise the acquired practices on our platform and become their lab data partner.",
            "Protect the hospital contract and open the clinical research unit.",
        ),
        objectives=(
            ("Roll out to the acquired practices", "All three acquired practices live by year end"),
            ("Open the clinical research unit", "First paid project with clinical research"),
        ),
        units=("Hospitals", "Outpatient clinics", "Laboratories", "Clinical research"),
        initiative=(
            "Patient-flow pilot",
            "Joint pilot to cut outpatient waiting times, with their clinicians and our analysts.",
        ),
    ),
    "Energy": SegmentPlan(
        customer_goals=(
            "Clear the grid connection backlog and commission new battery storage.",
            "Replace the billing system and pilot dynamic tariffs with 50,000 homes.",
        ),
        our_goals=(
            "Win the billing replacement and become their grid analytics partner.",
            "Expand from generation into the retail arm; renew the grid contract early.",
        ),
        objectives=(
            ("Win the billing replacement", "Shortlisted, then contract signed by Q4"),
            ("Prove value in grid operations", "Connection backlog down 15% in the pilot region"),
        ),
        units=("Generation", "Grid operations", "Retail supply", "Trading"),
        initiative=(
            "Dynamic tariff pilot",
            "Co-fund the analytics for their 50,000-home dynamic tariff pilot and share the findings.",
        ),
    ),
    "Financial services": SegmentPlan(
        customer_goals=(
            "Migrate the core ledger to the cloud and fix the audit findings on time.",
            "Launch the new mobile onboarding and automate half of claims handling.",
        ),
        our_goals=(
            "Become the platform for their cloud migration; grow from retail into commercial banking.",
            "Protect the claims contract and land the onboarding analytics project.",
        ),
        objectives=(
            ("Support the core ledger migration", "Migration milestones met with no severity-1 incidents"),
            ("Enter commercial banking", "First commercial banking use case live"),
        ),
        units=("Retail banking", "Commercial banking", "Insurance", "Risk & compliance"),
        initiative=(
            "Fraud analytics lab",
            "Joint lab combining their transaction data with our models to cut card fraud losses.",
        ),
    ),
    "Logistics": SegmentPlan(
        customer_goals=(
            "Protect peak capacity, cut empty miles and electrify the urban fleet.",
            "Offer real-time visibility to every shipper and open the south-east hub.",
        ),
        our_goals=(
            "Roll out route optimisation to every depot and win the visibility platform.",
            "Expand from the parcel network into cold chain; renew before peak season.",
        ),
        objectives=(
            ("Route optimisation in every depot", "All depots live; empty miles down 8%"),
            ("Win the shipper visibility platform", "Contract signed before peak season"),
        ),
        units=("Parcel network", "Freight", "Warehousing", "Cold chain"),
        initiative=(
            "Electric fleet charging study",
            "Joint study of depot charging needs for the urban fleet, with shared telematics data.",
        ),
    ),
}

COMMON_OBJECTIVES: tuple[tuple[str, str], ...] = (
    ("Grow share of wallet", "Revenue up 12% on last year"),
    ("Broaden the relationship beyond procurement", "Two new decision makers met quarterly"),
    ("Make the renewal a formality", "Renewal signed 60 days before expiry"),
    ("Raise customer satisfaction", "Satisfaction score of 8 or more in the annual survey"),
)

ACTIONS: tuple[str, ...] = (
    "Run the quarterly business review with the sponsor",
    "Map the decision makers in the new business unit",
    "Send the pilot proposal with pricing options",
    "Agree success measures for the pilot",
    "Prepare the renewal offer and negotiation plan",
    "Hold a roadmap workshop with their architecture team",
    "Share two peer case studies with the operations director",
    "Fix the open service issues before the review",
    "Introduce our product lead to their head of digital",
    "Draft the joint initiative charter",
)

SWOT: dict[str, tuple[str, ...]] = {
    "strength": (
        "Strong relationship with the executive sponsor",
        "Proven results in their largest business unit",
        "Our platform is embedded in daily operations",
        "Fast, well-rated support on their escalations",
    ),
    "weakness": (
        "Little contact below the C-level in new units",
        "Price seen as high against the local competitor",
        "Slow delivery on the last two change requests",
        "Reporting they asked for is barely used",
    ),
    "opportunity": (
        "New budget for digital projects next year",
        "A competitor's contract is up for renewal",
        "Their expansion needs a partner with local presence",
        "Regulation changes favour our compliance features",
    ),
    "threat": (
        "New CIO is reviewing all vendors",
        "A cost programme may cut discretionary spend",
        "A rumoured merger could bring a rival supplier",
        "A low-cost competitor is piloting in one unit",
    ),
}

OFFERINGS = ("Analytics platform", "Managed services", "Premium support", "Integration services", "Training")
VENDORS = ("Stratavia", "Corelink Systems", "Nexora Consulting", "Brightwave Software")  # our competitors

INVESTMENTS: tuple[str, ...] = (
    "Dedicated solution architect for the first year",
    "Free pilot in the new business unit",
    "Custom integration with their planning system",
    "Training programme for their super-users",
)

RETURN_COMMENT = (
    "The objectives are good, but the actions do not cover the renewal. Add a renewal action with an "
    "owner and a date, and show the benefit of the investment per year."
)
APPROVE_COMMENT = "Approved. Keep me informed on the joint initiative."

FOLLOW_UPS: dict[str, tuple[str, ...]] = {  # interaction category -> what we promised next
    "value_adding": ("Send the pilot proposal", "Share the peer case study we discussed"),
    "relationship": ("Send the meeting notes and agreed next steps", "Set up the next sponsor meeting"),
    "firefighting": ("Send the root-cause report", "Confirm the fix with their operations team"),
    "escalation": ("Call back with the recovery plan", "Agree a service review with the director"),
    "unvalued": ("Ask whether the report is still needed", "Agree priorities before more work"),
}
