"""The fixed vocabulary of the simulated world: industries, countries, name parts, job titles,
technologies and the pages, forms and campaigns of the product's website.

Only data lives here; the generators draw from it. Keeping it in one place keeps the generated
files readable and lets the tests refer to the same names.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CAMPAIGNS",
    "COUNTRIES",
    "FIRST_NAMES",
    "FORMS",
    "INDUSTRIES",
    "JOB_TITLES",
    "LAST_NAMES",
    "MEETING_TITLES",
    "NAME_PREFIXES",
    "NAME_SUFFIXES",
    "PAGES",
    "PLATFORMS",
    "REFERRERS",
    "SITE",
    "TECHNOLOGIES",
    "Industry",
    "JobTitle",
]

SITE = "https://ourproduct.example"


@dataclass(frozen=True)
class Industry:
    """An industry and how it shapes a company's numbers (multipliers around 1)."""

    name: str
    weight: float  # relative frequency
    revenue_per_employee: float  # multiplier on ~$190k
    visits: float  # multiplier on monthly web visits
    ad_share: float  # share of revenue spent on ads per year
    marketing: float  # department shares of the head count
    sales: float
    engineering: float
    it: float
    platform: float  # probability of running an e-commerce platform
    words: tuple[str, ...]  # domain / company-name words


# fmt: off
INDUSTRIES: tuple[Industry, ...] = (
    Industry("software", 16, 1.3, 1.6, 0.05, 0.08, 0.12, 0.35, 0.04, 0.02,
             ("labs", "soft", "cloud", "systems", "data")),
    Industry("retail", 10, 0.8, 2.5, 0.04, 0.05, 0.08, 0.03, 0.03, 0.65,
             ("retail", "store", "goods", "outfitters")),
    Industry("ecommerce", 9, 1.1, 5.0, 0.08, 0.10, 0.06, 0.08, 0.04, 0.88,
             ("shop", "market", "direct", "commerce")),
    Industry("financial services", 8, 1.6, 1.0, 0.02, 0.05, 0.15, 0.10, 0.08, 0.02,
             ("capital", "finance", "partners", "wealth")),
    Industry("healthcare", 8, 0.9, 0.8, 0.015, 0.03, 0.05, 0.04, 0.05, 0.03,
             ("health", "care", "clinic", "medical")),
    Industry("manufacturing", 10, 1.0, 0.5, 0.01, 0.03, 0.08, 0.08, 0.03, 0.12,
             ("industries", "manufacturing", "works", "tools")),
    Industry("education", 5, 0.5, 1.5, 0.015, 0.04, 0.04, 0.03, 0.05, 0.04,
             ("academy", "learning", "school", "edu")),
    Industry("media", 5, 0.9, 4.0, 0.04, 0.10, 0.12, 0.08, 0.03, 0.10,
             ("media", "studios", "news", "press")),
    Industry("logistics", 6, 0.9, 0.5, 0.008, 0.02, 0.07, 0.04, 0.04, 0.02,
             ("logistics", "freight", "shipping", "transport")),
    Industry("real estate", 4, 1.2, 0.9, 0.03, 0.06, 0.20, 0.02, 0.02, 0.01,
             ("realty", "properties", "homes", "estates")),
    Industry("consulting", 7, 1.0, 0.6, 0.015, 0.05, 0.10, 0.06, 0.04, 0.01,
             ("consulting", "advisors", "group", "partners")),
    Industry("telecom", 2, 1.4, 1.2, 0.03, 0.05, 0.12, 0.15, 0.12, 0.05,
             ("telecom", "networks", "mobile", "connect")),
    Industry("energy", 2, 2.0, 0.4, 0.005, 0.02, 0.05, 0.12, 0.04, 0.01,
             ("energy", "power", "solar", "grid")),
    Industry("government", 1.5, 0.6, 0.8, 0.002, 0.02, 0.00, 0.03, 0.08, 0.00,
             ("council", "agency", "authority", "county")),
    Industry("nonprofit", 2.5, 0.4, 0.7, 0.005, 0.06, 0.02, 0.02, 0.03, 0.03,
             ("foundation", "trust", "alliance", "fund")),
)

# fmt: on

# (name, weight, country top-level domain)
COUNTRIES: tuple[tuple[str, float, str], ...] = (
    ("United States", 45, "com"),
    ("United Kingdom", 12, "co.uk"),
    ("Germany", 8, "de"),
    ("France", 6, "fr"),
    ("Canada", 6, "ca"),
    ("Netherlands", 4, "nl"),
    ("Australia", 4, "com.au"),
    ("India", 4, "in"),
    ("Sweden", 3, "se"),
    ("Spain", 3, "es"),
    ("Brazil", 3, "com.br"),
    ("Ireland", 2, "ie"),
)

# fmt: off
NAME_PREFIXES = (
    "bright", "blue", "north", "iron", "silver", "oak", "cedar", "red", "green", "stone",
    "river", "summit", "clear", "swift", "true", "bold", "golden", "maple", "pine", "harbor",
    "crest", "sun", "moon", "star", "wind", "fox", "bear", "wolf", "hawk", "eagle",
    "lake", "sea", "sky", "cloud", "frost", "ember", "copper", "amber", "coral", "ivy",
    "birch", "elm", "willow", "aspen", "alder", "sage", "mint", "plum", "quartz", "jade",
    "arrow", "anchor", "beacon", "compass", "lantern", "orbit", "pixel", "vector", "nova", "zen",
)
NAME_SUFFIXES = (
    "lane", "field", "stone", "bridge", "works", "point", "path", "wave", "gate", "peak",
    "line", "forge", "craft", "vale", "ridge", "light", "spring", "mark", "wood", "way",
    "port", "hill", "brook", "side", "view", "well", "crest", "haven", "leaf", "bay",
    "dale", "shore", "star", "root", "stack", "loop", "hub", "nest", "yard", "mill",
)

FIRST_NAMES = (
    "james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda", "david",
    "elizabeth", "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah",
    "charles", "karen", "daniel", "lisa", "matthew", "nancy", "anthony", "sandra", "mark",
    "ashley", "steven", "emily", "paul", "michelle", "andrew", "amanda", "joshua", "melissa",
    "kevin", "stephanie", "brian", "rebecca", "george", "laura", "timothy", "helen", "ryan",
    "anna", "jacob", "emma", "lucas", "sofia", "noah", "olivia", "liam", "mia", "ethan", "chloe",
    "priya", "arjun", "yuki", "hannah", "lars", "ingrid", "pierre", "claire", "mateo", "lucia",
)
LAST_NAMES = (
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez",
    "martinez", "wilson", "anderson", "taylor", "thomas", "moore", "jackson", "martin", "lee",
    "thompson", "white", "harris", "clark", "lewis", "robinson", "walker", "young", "allen",
    "king", "wright", "scott", "hill", "green", "adams", "baker", "nelson", "carter", "mitchell",
    "roberts", "turner", "phillips", "campbell", "parker", "evans", "edwards", "collins",
    "stewart", "morris", "murphy", "cook", "rogers", "patel", "sharma", "tanaka", "nakamura",
    "muller", "schmidt", "dubois", "moreau", "lindqvist", "berg", "silva", "santos", "kelly",
)

# fmt: on


@dataclass(frozen=True)
class JobTitle:
    """A job title, the person behind it and how likely they are to buy.

    ``persona`` multiplies the chance of a deal (decision makers > practitioners > noise);
    ``noise`` people browse careers pages and content, not pricing.
    """

    title: str
    seniority: str
    department: str
    weight: float
    persona: float
    noise: bool = False


JOB_TITLES: tuple[JobTitle, ...] = (
    JobTitle("CEO", "c_level", "operations", 4, 1.3),
    JobTitle("Founder", "c_level", "operations", 2, 1.3),
    JobTitle("CMO", "c_level", "marketing", 2, 1.5),
    JobTitle("VP Marketing", "vp", "marketing", 5, 1.6),
    JobTitle("VP Sales", "vp", "sales", 3, 1.3),
    JobTitle("Head of Growth", "director", "marketing", 5, 1.6),
    JobTitle("Head of E-commerce", "director", "sales", 3, 1.5),
    JobTitle("Director of Demand Generation", "director", "marketing", 3, 1.5),
    JobTitle("Marketing Manager", "manager", "marketing", 9, 1.1),
    JobTitle("Growth Marketer", "individual", "marketing", 6, 0.9),
    JobTitle("Marketing Operations Manager", "manager", "marketing", 4, 1.1),
    JobTitle("Sales Manager", "manager", "sales", 5, 0.9),
    JobTitle("Account Executive", "individual", "sales", 4, 0.6),
    JobTitle("Sales Operations Analyst", "individual", "sales", 3, 0.7),
    JobTitle("CTO", "c_level", "engineering", 2, 1.0),
    JobTitle("IT Director", "director", "it", 3, 0.9),
    JobTitle("IT Manager", "manager", "it", 3, 0.6),
    JobTitle("Software Engineer", "individual", "engineering", 8, 0.4),
    JobTitle("Data Analyst", "individual", "engineering", 4, 0.6),
    JobTitle("Finance Manager", "manager", "finance", 2, 0.4),
    JobTitle("HR Coordinator", "individual", "hr", 4, 0.05, noise=True),
    JobTitle("Recruiter", "individual", "hr", 3, 0.05, noise=True),
    JobTitle("Office Manager", "manager", "operations", 2, 0.1, noise=True),
    JobTitle("Student Intern", "individual", "other", 5, 0.02, noise=True),
)

PLATFORMS = ("shopify", "bigcommerce", "magento", "woocommerce", "salesforce commerce")
TECHNOLOGIES = (
    *PLATFORMS,
    "hubspot",
    "salesforce",
    "marketo",
    "mailchimp",
    "google analytics",
    "segment",
    "wordpress",
    "intercom",
    "zendesk",
)

# The product's website: (path, page_type, title).
PAGES: tuple[tuple[str, str, str], ...] = (
    ("/", "home", "Lead qualification your sales team trusts"),
    ("/pricing", "pricing", "Pricing"),
    ("/pricing/enterprise", "pricing", "Enterprise pricing"),
    ("/product", "product", "Product overview"),
    ("/product/scoring", "product", "Predictive lead scoring"),
    ("/product/integrations", "product", "Integrations: HubSpot, Salesforce, Shopify"),
    ("/product/company-identification", "product", "Identify the companies on your website"),
    ("/docs", "docs", "Documentation"),
    ("/docs/getting-started", "docs", "Getting started"),
    ("/docs/api", "docs", "API reference"),
    ("/docs/contracts", "docs", "Writing a qualification contract"),
    ("/docs/tracker", "docs", "Installing the tracker"),
    ("/blog/what-is-an-mql", "blog", "What is an MQL, really?"),
    ("/blog/bant-in-2026", "blog", "BANT in 2026"),
    ("/blog/icp-from-won-deals", "blog", "Derive your ICP from won deals"),
    ("/blog/lead-scoring-mistakes", "blog", "Seven lead-scoring mistakes"),
    ("/blog/sales-marketing-sla", "blog", "The sales-marketing SLA"),
    ("/blog/intent-data-explained", "blog", "Intent data, explained"),
    ("/blog/account-based-marketing", "blog", "Account-based marketing on a budget"),
    ("/blog/b2b-attribution", "blog", "B2B attribution without tears"),
    ("/careers", "careers", "Careers"),
    ("/careers/backend-engineer", "careers", "Backend engineer"),
    ("/careers/account-executive", "careers", "Account executive"),
    ("/about", "about", "About us"),
    ("/about/customers", "about", "Customers"),
    ("/legal/privacy", "other", "Privacy policy"),
    ("/partners", "other", "Partners"),
)

# (form_kind, path, title)
FORMS: tuple[tuple[str, str, str], ...] = (
    ("content_download", "/resources/mql-playbook", "Download: The MQL playbook"),
    ("content_download", "/resources/icp-workbook", "Download: ICP workbook"),
    ("content_download", "/resources/benchmark-report", "Download: Lead conversion benchmarks"),
    ("webinar", "/webinars/scoring-that-sales-trusts", "Webinar: Scoring that sales trusts"),
    ("webinar", "/webinars/revops-roundtable", "Webinar: RevOps roundtable"),
    ("newsletter", "/newsletter", "Newsletter sign-up"),
    ("demo_request", "/demo", "Request a demo"),
    ("contact_sales", "/contact-sales", "Talk to sales"),
    ("other", "/contact", "Contact us"),
)

# (campaign title, landing path)
CAMPAIGNS: tuple[tuple[str, str], ...] = (
    ("Newsletter: five MQL myths", "/blog/what-is-an-mql"),
    ("Newsletter: BANT in 2026", "/blog/bant-in-2026"),
    ("Product update: company identification", "/product/company-identification"),
    ("Product update: integrations", "/product/integrations"),
    ("Invitation: scoring webinar", "/webinars/scoring-that-sales-trusts"),
    ("Case study: how a retailer doubled SQLs", "/about/customers"),
    ("Pricing: new Growth plan", "/pricing"),
    ("Guide: derive your ICP", "/blog/icp-from-won-deals"),
)

MEETING_TITLES = ("Discovery call", "Product demo", "Technical deep dive", "Pricing review")

# (referrer url or "" for direct, weight)
REFERRERS: tuple[tuple[str, float], ...] = (
    ("", 25),
    (SITE + "/", 30),
    ("https://www.google.com/", 22),
    ("https://www.linkedin.com/", 8),
    ("https://www.bing.com/", 4),
    ("https://www.g2.com/", 4),
    ("https://twitter.com/", 3),
    ("https://news.ycombinator.com/", 2),
    ("https://duckduckgo.com/", 2),
)
