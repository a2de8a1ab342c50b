"""The two-level risk taxonomy that ships with the register (administrators may extend it).

Slugs are stable identifiers: the risk library, imports and the API refer to a category as
``<category>/<subcategory>``.
"""

TAXONOMY = [
    (
        "model-error",
        "Model error",
        [
            ("hallucination", "Hallucination (false positive: unsupported output)"),
            ("omission", "Omission (false negative: missing critical context)"),
            ("unexpected-preferences", "Unexpected preferences"),
            ("misinterpreted-data", "Misinterpreted data"),
            ("garbage-in-garbage-out", "Garbage in, garbage out"),
            ("drift", "Data or concept drift"),
        ],
    ),
    (
        "security",
        "Security",
        [
            ("prompt-injection", "Prompt injection"),
            ("data-poisoning", "Data poisoning"),
            ("model-theft", "Model theft or extraction"),
            ("adversarial-examples", "Adversarial examples"),
            ("supply-chain", "Supply chain"),
        ],
    ),
    (
        "privacy",
        "Privacy",
        [
            ("data-leakage", "Leakage of confidential data"),
            ("re-identification", "Re-identification"),
            ("vendor-training", "Vendor using data for training"),
        ],
    ),
    ("fairness", "Fairness", [("bias-discrimination", "Bias and discrimination")]),
    ("misuse", "Misuse", [("user-misuse", "Misuse by users"), ("dual-use", "Dual use")]),
    (
        "human-factors",
        "Human factors",
        [
            ("automation-bias", "Automation bias and over-reliance"),
            ("inexperienced-operators", "Inexperienced operators"),
        ],
    ),
    (
        "operational",
        "Operational",
        [
            ("outage", "Outage"),
            ("latency", "Latency"),
            ("scaling", "Scaling"),
            ("maintenance", "Maintenance"),
        ],
    ),
    (
        "compliance",
        "Compliance, reputational, societal",
        [
            ("regulatory-violation", "Regulatory violation"),
            ("brand-damage", "Brand damage"),
            ("misinformation", "Misinformation"),
            ("workforce-impact", "Workforce impact"),
        ],
    ),
]
