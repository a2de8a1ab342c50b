"""Pages of the reviews app, one module per area: the reviews and what the committee and the
team do on them (``reviews``), a system's plan, its versions and their PDFs (``plans``),
submitting the plan (``submit``), delegates of committee seats (``delegations``), the
deployment checklist (``checklist``) and the audit log's links to the parts of a review
(``links``)."""
